import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { practicalInfoController } from './practical-info.controller.js';

/** INFOS PRATIQUES, public pages of the town. */
export function practicalInfoRouter(deps: AppDeps): Router {
  const info = practicalInfoController(deps);
  const router = Router();
  router.get(route(urls.practicalInfo), info.index);
  router.get(route(urls.practicalInfoPage, ':slug'), info.show);
  router.get(route(urls.practicalInfoFile, ':slug', ':fileId'), info.serveFile);
  return router;
}
