import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { directDebitController } from './direct-debit.controller.js';

/**
 * "Prélèvement automatique" (Mon compte): a validated account of a family only; a visitor,
 * an account without a family, or anyone of another town gets a 404, whatever the verb.
 */
export function directDebitRouter(deps: AppDeps): Router {
  const { ownerOnly } = parentGuards(deps.pool);
  const c = directDebitController(deps);
  const router = Router();

  router.get(route(urls.directDebit), ownerOnly, familyOnly, c.show);
  router.post(route(urls.directDebit), ownerOnly, familyOnly, c.sign);
  router.post(route(urls.directDebitRevoke), ownerOnly, familyOnly, c.revoke);
  router.get(route(urls.directDebitMandatePdf), ownerOnly, familyOnly, c.servePdf);

  return router;
}
