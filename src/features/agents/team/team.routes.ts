import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { teamController } from './team.controller.js';

/** The town's team, for its admins only (requireAdmin: everyone else gets the 404). */
export function teamRouter(deps: AppDeps): Router {
  const team = teamController(deps);
  const router = Router();

  router.get(route(urls.agentTeam), requireAdmin, team.showList);
  router.get(route(urls.agentTeamNew), requireAdmin, team.showNew);
  router.post(route(urls.agentTeamNew), requireAdmin, team.create);

  router.get(route(urls.agentTeamPassword, ':agentId'), requireAdmin, team.showPassword);
  router.post(route(urls.agentTeamPassword, ':agentId'), requireAdmin, team.resetPassword);

  router.post(route(urls.agentTeamDisable, ':agentId'), requireAdmin, team.setEnabled(false));
  router.post(route(urls.agentTeamEnable, ':agentId'), requireAdmin, team.setEnabled(true));

  return router;
}
