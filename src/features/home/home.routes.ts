import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { homeController } from './home.controller.js';

/** Pages outside any town: the list of towns. */
export function publicRouter(deps: AppDeps): Router {
  const home = homeController(deps);
  const router = Router();
  router.get(urls.root(), home.showTowns);
  router.get(urls.rootFavicon(), home.redirectFavicon);
  return router;
}

/** The town's public pages: ACCUEIL, its theme, its legal texts. */
export function townRouter(deps: AppDeps): Router {
  const home = homeController(deps);
  const router = Router();
  router.get(route(urls.townHome), home.showHome);
  router.get(route(urls.townTheme), home.serveTheme);
  router.get(route(urls.townFavicon), home.serveFavicon);
  router.get(route(urls.mentionsLegales), home.showText('mentions_legales', 'Mentions légales'));
  router.get(route(urls.cgu), home.showText('cgu', "Conditions générales d'utilisation"));
  router.get(route(urls.accessibilite), home.showAccessibility);
  return router;
}
