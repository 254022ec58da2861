import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { kitchenController } from './kitchen.controller.js';

/** The kitchen's meal counts (views/agents/kitchen/). Agents of this town only. */
export function kitchenRouter(deps: AppDeps): Router {
  const kitchen = kitchenController(deps);
  const router = Router();
  router.get(route(urls.agentKitchen), requireAgent, kitchen.show);
  router.get(route(urls.agentKitchenWeek), requireAgent, kitchen.showWeek);
  router.get(route(urls.agentKitchenExport), requireAgent, kitchen.exportCsv);
  router.get(route(urls.agentKitchenPdf), requireAgent, kitchen.exportPdf);
  return router;
}
