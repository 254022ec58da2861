import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { PUBLIC_DIR } from '../../lib/paths.js';
import { requireTown } from '../../middleware/town.js';
import { currentText, listPublishedNews, listServices, listTowns } from '../../repositories/towns.repository.js';
import { currentChallenge } from '../auth/sign-in-form.js';
import { themeCss, townFaviconSvg } from './town-theme.js';
import { ttlCache } from '../../lib/ttl-cache.js';

/**
 * News and services change a few times a week, and the town home is the busiest page. In
 * production each process keeps them this long, which saves a third of the CPU a visit costs (see
 * docs/performance.md); a published item shows up within these seconds. Elsewhere they are
 * read on every request, so a developer, and a test, sees an edit at once.
 */
const HOME_CONTENT_CACHE_MS = 5_000;

/** public/favicon.svg in the default colour; each town's portal shows it in the town's colour. */
const FAVICON = fs.readFileSync(path.join(PUBLIC_DIR, 'favicon.svg'), 'utf8');

/** The public pages: the list of towns, and each town's ACCUEIL, theme, favicon and legal texts. */
export function homeController(deps: AppDeps) {
  const { pool, clock } = deps;
  const homeCache = ttlCache<[Awaited<ReturnType<typeof listPublishedNews>>, Awaited<ReturnType<typeof listServices>>]>(
    deps.config.isProduction ? HOME_CONTENT_CACHE_MS : 0,
  );
  const homeContent = (townId: string) =>
    homeCache.get(townId, () => Promise.all([listPublishedNews(pool, townId), listServices(pool, townId)]));

  async function showTowns(_req: Request, res: Response) {
    const towns = await listTowns(pool);
    res.render('home/towns', { title: 'Choisissez votre commune', towns });
  }

  /** Browsers and bookmarking tools ask for /favicon.ico whatever the page links to. */
  function redirectFavicon(_req: Request, res: Response) {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.redirect(301, '/public/favicon.svg');
  }

  async function showHome(req: Request, res: Response) {
    const [news, services] = await homeContent(requireTown(req).id);
    if (req.query.deconnexion === '1') res.locals.flash = { kind: 'success', message: 'Vous êtes déconnecté. À bientôt !' };
    // A CAPTCHA the sign-in form asked for stays asked for when the page is opened again.
    res.render('home/town', { title: 'Accueil', news, services, values: {}, captcha: currentChallenge(req, clock.now()) });
  }

  /** The town's colour as a stylesheet: the CSP forbids inline styles. */
  function serveTheme(req: Request, res: Response) {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/css').send(themeCss(requireTown(req).colour));
  }

  /** The address carries the colour (urls.townFavicon), so a new one shows at once. */
  function serveFavicon(req: Request, res: Response) {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(townFaviconSvg(FAVICON, requireTown(req).colour));
  }

  function showText(kind: 'mentions_legales' | 'cgu', heading: string) {
    return async (req: Request, res: Response) => {
      const text = await currentText(pool, requireTown(req).id, kind);
      res.render('home/text', { title: heading, heading, text });
    };
  }

  function showAccessibility(_req: Request, res: Response) {
    res.render('home/accessibilite', { title: 'Accessibilité' });
  }

  return { showTowns, redirectFavicon, showHome, serveTheme, serveFavicon, showText, showAccessibility };
}
