import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { homeController } from './home.controller.js';

/** The back-office's home page. */
export function agentsHomeRouter(deps: AppDeps): Router {
  const home = homeController(deps);
  const router = Router();
  router.get(route(urls.agentHome), requireAgent, home.show);
  return router;
}
