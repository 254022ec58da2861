import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { proConnectController } from './proconnect.controller.js';

/** ProConnect for agents (issue 18): the sign-in (no agent yet), its settings and the team's allowance (admins). */
export function agentsProConnectRouter(deps: AppDeps): Router {
  const pc = proConnectController(deps);
  const router = Router();
  router.get(route(urls.agentProConnectStart), pc.start);
  router.get(route(urls.agentProConnectCallback), pc.callback);
  router.get(route(urls.agentSettingsProConnect), requireAdmin, pc.showSettings);
  router.post(route(urls.agentSettingsProConnect), requireAdmin, pc.saveSettings);
  router.post(route(urls.agentTeamProConnect, ':agentId'), requireAdmin, pc.setAllowed);
  return router;
}
