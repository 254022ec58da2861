import { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { requireTown } from '../../middleware/town.js';
import { currentText, listPublishedNews, listServices, listTowns } from '../../repositories/towns.repository.js';

/** Pages outside any town: the list of towns. */
export function publicRouter({ pool }: AppDeps): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const towns = await listTowns(pool);
    res.render('home/towns', { title: 'Choisissez votre commune', towns });
  });
  return router;
}

/** The town's public pages: ACCUEIL, its theme, its legal texts. */
export function townRouter(deps: AppDeps): Router {
  const { pool } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const town = requireTown(req);
    const [news, services] = await Promise.all([listPublishedNews(pool, town.id), listServices(pool, town.id)]);
    if (req.query.deconnexion === '1') res.locals.flash = { kind: 'success', message: 'Vous êtes déconnecté. À bientôt !' };
    res.render('home/town', { title: 'Accueil', news, services, values: {} });
  });

  // The town's colour as a stylesheet: the CSP forbids inline styles.
  router.get('/theme.css', (req, res) => {
    const town = requireTown(req);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/css').send(`:root{--town-colour:${town.colour};}\n`);
  });

  router.get('/mentions-legales', async (req, res) => {
    const town = requireTown(req);
    const text = await currentText(pool, town.id, 'mentions_legales');
    res.render('home/text', { title: 'Mentions légales', heading: 'Mentions légales', text });
  });

  router.get('/cgu', async (req, res) => {
    const town = requireTown(req);
    const text = await currentText(pool, town.id, 'cgu');
    res.render('home/text', { title: "Conditions générales d'utilisation", heading: "Conditions générales d'utilisation", text });
  });

  router.get('/accessibilite', (_req, res) => {
    res.render('home/accessibilite', { title: 'Accessibilité' });
  });

  return router;
}
