import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { invoicesController } from './invoices.controller.js';

/**
 * "Mes factures" (issue 14). Every URL naming an invoice answers 404 to anyone but the
 * family that may see it (another family, another town, the other separated parent, a
 * visitor), whatever the verb.
 */
export function invoicesRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const invoices = invoicesController(deps);
  const owner = invoices.invoiceOwner(parentOnly);
  const router = Router();
  const id = ':invoiceId';

  router.get(route(urls.invoices), parentOnly, invoices.showList);
  router.get(route(urls.invoice, id), owner, invoices.showInvoice);
  router.get(route(urls.invoicePdf, id), owner, invoices.servePdf);
  router.get(route(urls.invoiceContest, id), owner, invoices.showContest);
  router.post(route(urls.invoiceContest, id), owner, invoices.contest);

  return router;
}
