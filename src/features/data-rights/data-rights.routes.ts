import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { dataRightsController } from './data-rights.controller.js';

/** "Télécharger mes données" (issue 5): the page, and the POST that streams the ZIP. */
export function dataRightsRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const dataRights = dataRightsController(deps);
  const router = Router();

  router.get(route(urls.myData), parentOnly, dataRights.showPage);
  router.post(route(urls.myDataDownload), parentOnly, dataRights.download);

  return router;
}
