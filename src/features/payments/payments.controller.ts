import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import type { FieldError } from '../../lib/forms.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import { bankOperation, decideBank } from './builtin-bank.service.js';
import { readPayForm } from './payments.schemas.js';
import * as service from './payments.service.js';

/**
 * Paying invoices online (issue 15), the parent's pages: choosing the invoices, confirming
 * the total, the payment's status and receipt, the browser's return from the provider, and
 * the built-in demonstration bank's page. Every URL naming a payment answers 404 to anyone
 * but its family (and, for split invoices, its parent), whatever the verb.
 */
export function paymentsController(deps: AppDeps) {
  const ctx: service.PaymentsContext = deps;

  function viewer(req: Request): service.Viewer {
    const account = req.account;
    if (!account?.familyId) throw new NotFoundError('no family');
    return { familyId: account.familyId, accountId: account.id };
  }

  async function renderChoose(req: Request, res: Response, status: number, errors: string[] = [], chosen: string[] = []) {
    const town = requireTown(req);
    const page = await service.payPage(ctx, town, viewer(req));
    const fieldErrors: FieldError[] = errors.map((message) => ({ field: 'factures', message }));
    res.status(status).render('payments/choose', { title: 'Payer en ligne', page, errors: fieldErrors, chosen });
  }

  async function showChoose(req: Request, res: Response) {
    await renderChoose(req, res, 200);
  }

  /** Both steps post here: 'verifier' shows the total to confirm, 'payer' starts the payment. */
  async function pay(req: Request, res: Response) {
    const town = requireTown(req);
    const form = readPayForm(req.body);
    if (form.step === 'verifier') {
      const checked = await service.previewPayment(ctx, town, viewer(req), form.invoiceIds);
      if (!checked.ok) return renderChoose(req, res, 400, checked.errors, form.invoiceIds);
      return res.render('payments/confirm', { title: 'Confirmer le paiement', invoices: checked.invoices, totalCents: checked.totalCents });
    }
    const account = req.account!;
    const started = await service.startPayment(
      ctx,
      town,
      { id: account.id, familyId: viewer(req).familyId, email: account.email },
      form.invoiceIds,
      form.expectedTotalCents,
    );
    if (!started.ok) return renderChoose(req, res, 400, started.errors, form.invoiceIds);
    res.redirect(303, started.redirectUrl);
  }

  async function showPayment(req: Request, res: Response) {
    const town = requireTown(req);
    const view = await service.paymentView(ctx, town, viewer(req), idParam(req, 'paymentId'));
    res.render('payments/show', { title: paymentTitle(view.payment.status), view });
  }

  /** Where the provider sends the browser back: the provider is asked (never the browser believed), then the status page. */
  async function paymentReturn(req: Request, res: Response) {
    const town = requireTown(req);
    const paymentId = idParam(req, 'paymentId');
    await service.handleReturn(ctx, town, viewer(req), paymentId, req.ip ?? null);
    res.redirect(303, urls.payment(town, paymentId));
  }

  async function showBank(req: Request, res: Response) {
    const town = requireTown(req);
    const bank = await bankOperation(ctx, town, viewer(req), idParam(req, 'paymentId'));
    res.render('payments/bank', { title: 'Banque de démonstration', bank });
  }

  async function decide(req: Request, res: Response) {
    const town = requireTown(req);
    const raw = (req.body as Record<string, unknown>).decision;
    const choice = raw === 'payer' ? 'paid' : raw === 'refuser' ? 'refused' : raw === 'abandonner' ? 'abandoned' : undefined;
    const paymentId = idParam(req, 'paymentId');
    if (!choice) {
      const bank = await bankOperation(ctx, town, viewer(req), paymentId);
      const errors: FieldError[] = [{ field: 'decision', message: 'Choisissez Payer, Refuser ou Abandonner.' }];
      return res.status(400).render('payments/bank', { title: 'Banque de démonstration', bank, errors });
    }
    res.redirect(303, await decideBank(ctx, town, viewer(req), paymentId, choice));
  }

  return { showChoose, pay, showPayment, paymentReturn, showBank, decide };
}

function paymentTitle(status: string): string {
  if (status === 'paid') return 'Paiement confirmé';
  if (status === 'created' || status === 'pending') return 'Paiement en cours de confirmation';
  return 'Paiement non abouti';
}
