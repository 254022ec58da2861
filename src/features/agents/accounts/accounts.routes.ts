import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { accountsController } from './accounts.controller.js';

/**
 * Accounts to activate (issue 4): the list against the town's promise, the detail of what
 * the parent entered, and the two decisions. Agents of this town only (requireAgent), and
 * every id is looked up within the town: anything else is the same 404.
 */
export function activationRouter(deps: AppDeps): Router {
  const accounts = accountsController(deps);
  const router = Router();

  router.get(route(urls.agentAccounts), requireAgent, accounts.showList);
  router.get(route(urls.agentAccount, ':accountId'), requireAgent, accounts.showDetail);
  router.get(route(urls.agentAccountPhoto, ':accountId'), requireAgent, accounts.servePhoto);
  router.post(route(urls.agentAccountActivate, ':accountId'), requireAgent, accounts.activate);
  router.post(route(urls.agentAccountRefuse, ':accountId'), requireAgent, accounts.refuse);

  return router;
}
