import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { accountClosingController } from './account-closing.controller.js';

/** Closing one's account from Mon compte (issue 17): a parent's only, like the other Mon compte pages. */
export function accountClosingRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const pages = accountClosingController(deps);
  const router = Router();
  router.get(route(urls.accountClose), parentOnly, pages.show);
  router.post(route(urls.accountClose), parentOnly, pages.close);
  router.get(route(urls.accountClosed), pages.closed);
  return router;
}
