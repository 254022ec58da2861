import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { franceConnectController } from './franceconnect.controller.js';

/** The parent's sign-in through FranceConnect (issue 18): the button, the return, the first use, unlinking. */
export function franceConnectRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const fc = franceConnectController(deps);
  const router = Router();
  router.get(route(urls.franceConnectStart), fc.start);
  router.get(route(urls.franceConnectCallback), fc.callback);
  router.get(route(urls.franceConnectFirstUse), fc.showFirstUse);
  router.post(route(urls.franceConnectFirstUse), fc.link);
  router.post(route(urls.franceConnectSignup), fc.startSignup);
  router.post(route(urls.franceConnectUnlink), parentOnly, fc.unlink);
  router.get(route(urls.franceConnectSignOut), fc.showSignOut);
  return router;
}
