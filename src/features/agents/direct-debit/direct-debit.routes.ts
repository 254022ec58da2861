import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { batchesController } from './batches.controller.js';
import { sepaSettingsController } from './sepa-settings.controller.js';

/**
 * Direct debit in the back-office (issue 15): the SEPA settings for admins; the
 * collections (pain.008 batches) and their rejects for every agent of the town.
 */
export function directDebitAgentsRouter(deps: AppDeps): Router {
  const settings = sepaSettingsController(deps);
  const batches = batchesController(deps);
  const router = Router();

  router.get(route(urls.agentDirectDebits), requireAgent, batches.list);
  router.post(route(urls.agentDirectDebits), requireAgent, batches.prepare);
  // Before ':batchId', which would take 'parametres' for an id.
  router.get(route(urls.agentDirectDebitSettings), requireAdmin, settings.show);
  router.post(route(urls.agentDirectDebitSettings), requireAdmin, settings.save);
  router.get(route(urls.agentDirectDebitBatch, ':batchId'), requireAgent, batches.show);
  router.get(route(urls.agentDirectDebitFile, ':batchId'), requireAgent, batches.file);
  router.get(route(urls.agentDirectDebitReject, ':batchId', ':invoiceId'), requireAgent, batches.showReject);
  router.post(route(urls.agentDirectDebitReject, ':batchId', ':invoiceId'), requireAgent, batches.reject);

  return router;
}
