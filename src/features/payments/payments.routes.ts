import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { param } from '../../lib/params.js';
import { townMiddleware } from '../../middleware/town.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { paymentsController } from './payments.controller.js';
import { handleNotification } from './payments.service.js';

/** The parent's payment pages under /mon-espace: mounted before "Mes factures", whose /factures/:invoiceId would take /factures/payer. */
export function paymentsRouter(deps: AppDeps): Router {
  const { parentOnly, ownerOnly } = parentGuards(deps.pool);
  const payments = paymentsController(deps);
  const router = Router();
  router.get(route(urls.invoicePay), parentOnly, familyOnly, payments.showChoose);
  router.post(route(urls.invoicePay), parentOnly, familyOnly, payments.pay);
  router.get(route(urls.payment, ':paymentId'), ownerOnly, familyOnly, payments.showPayment);
  return router;
}

/** The browser's return from the provider and the built-in bank's page: outside /mon-espace, as a provider's URLs are. */
export function paymentPagesRouter(deps: AppDeps): Router {
  const { ownerOnly } = parentGuards(deps.pool);
  const payments = paymentsController(deps);
  const router = Router();
  router.get(route(urls.paymentReturn, ':paymentId'), ownerOnly, familyOnly, payments.paymentReturn);
  router.get(route(urls.builtinBank, ':paymentId'), ownerOnly, familyOnly, payments.showBank);
  router.post(route(urls.builtinBank, ':paymentId'), ownerOnly, familyOnly, payments.decide);
  return router;
}

/**
 * The providers' server-to-server notifications: mounted before the session and the CSRF
 * check (a provider has neither; the notification is verified by the provider's own means,
 * ADR 0017). GET or POST, as providers differ. Never a 500: the service answers every case.
 */
/**
 * The only POST routes of the app without our CSRF check: what a payment provider calls or
 * sends the family back to. test/integration/foundation/csrf-multipart.test.ts holds every
 * other POST route to the check, and these to this list.
 */
export const PROVIDER_CALLBACKS = [urls.paymentNotify(':town', ':provider'), urls.paymentReturn(':town', ':paymentId')] as const;

export function paymentNotificationRouter(deps: AppDeps): Router {
  const router = Router();
  const [path, returnPath] = PROVIDER_CALLBACKS;
  const notify = async (req: Request, res: Response) => {
    const call = { query: req.query as Record<string, unknown>, body: (req.body ?? {}) as Record<string, unknown>, headers: req.headers };
    const answer = await handleNotification(deps, req.town!, param(req, 'provider'), call, req.ip ?? null);
    res.status(answer.status).type('text/plain').send(answer.text);
  };
  router.get(path, townMiddleware(deps.pool), notify);
  router.post(path, townMiddleware(deps.pool), notify);
  // A provider may send the family back with a form POST (its own page's, so no token of ours,
  // and a cross-site POST carries no Lax cookie): the return is turned into a GET of the same
  // address, which the browser makes with the session, and which does the verification.
  // Nothing is read from the POST.
  router.post(returnPath, (req, res) => {
    res.redirect(303, urls.paymentReturn(encodeURIComponent(param(req, 'town')), encodeURIComponent(param(req, 'paymentId'))));
  });
  return router;
}
