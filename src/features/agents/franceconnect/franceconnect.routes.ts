import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { agentsFranceConnectController } from './franceconnect.controller.js';

/** FranceConnect's settings, for the town's admins only (issue 18). */
export function agentsFranceConnectRouter(deps: AppDeps): Router {
  const fc = agentsFranceConnectController(deps);
  const router = Router();
  router.get(route(urls.agentSettingsFranceConnect), requireAdmin, fc.show);
  router.post(route(urls.agentSettingsFranceConnect), requireAdmin, fc.save);
  return router;
}
