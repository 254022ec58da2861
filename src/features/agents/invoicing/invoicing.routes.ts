import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { invoicesController } from './invoices.controller.js';
import { invoicingController } from './invoicing.controller.js';

/**
 * The régie's daily work, for every agent of the town: invoicing runs and their progress,
 * invoices and credit notes, the accounting export. Configuration (régies, tariffs,
 * settings) is bill-setup's, for admins. Objects of another town: 404.
 */
export function invoicingRouter(deps: AppDeps): Router {
  const runs = invoicingController(deps);
  const list = invoicesController(deps);
  const router = Router();

  router.get(route(urls.agentBilling), requireAgent, runs.hub);
  router.post(route(urls.agentBilling), requireAgent, runs.start);
  router.get(route(urls.agentInvoicingRun, ':runId'), requireAgent, runs.showRun);
  router.get(route(urls.agentInvoicingRunStatus, ':runId'), requireAgent, runs.runStatus);
  router.get(route(urls.agentBillingExport), requireAgent, runs.exportMonth);

  router.get(route(urls.agentInvoices), requireAgent, list.list);
  router.get(route(urls.agentInvoice, ':invoiceId'), requireAgent, list.show);
  router.post(route(urls.agentInvoiceCreditNote, ':invoiceId'), requireAgent, list.creditNote);

  return router;
}
