import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { dashboardController } from './dashboard.controller.js';

/** MON ESPACE: the dashboard and the entries that are pages of their own. */
export function dashboardRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const dashboard = dashboardController(deps);
  const router = Router();

  router.get(route(urls.dashboard), parentOnly, dashboard.showDashboard);
  router.get(route(urls.myAccount), parentOnly, dashboard.showAccount);

  return router;
}
