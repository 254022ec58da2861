import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { counterController } from './counter.controller.js';
import { paymentsController } from './payments.controller.js';
import { reconciliationController } from './reconciliation.controller.js';

/**
 * The régie's payments in the back-office (issue 15): the payments of a period and one
 * payment's trail, the daily reconciliation, and a payment received at the counter, for every
 * agent; what the counter accepts, for admins. Objects of another town: 404.
 */
export function paymentsRouter(deps: AppDeps): Router {
  const list = paymentsController(deps);
  const reconciliation = reconciliationController(deps);
  const counter = counterController(deps);
  const router = Router();

  router.get(route(urls.agentPayments), requireAgent, list.list);
  // Before ':paymentId', which would take 'guichet' for an id (and answer 404).
  router.get(route(urls.agentCounterPayment), requireAgent, counter.show);
  router.post(route(urls.agentCounterPayment), requireAgent, counter.record);
  router.post(route(urls.agentCounterMethods), requireAdmin, counter.saveMethods);
  router.get(route(urls.agentPayment, ':paymentId'), requireAgent, list.show);
  router.get(route(urls.agentReconciliation), requireAgent, reconciliation.show);

  return router;
}
