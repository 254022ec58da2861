import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { findRegie } from '../../repositories/billing-tariffs.repository.js';
import { invoiceReceipt } from '../../repositories/payments.repository.js';
import { urls } from '../../routes.js';
import { familyInvoice, familyInvoices } from '../billing/billing.service.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import { debitNotices } from '../direct-debit/direct-debit.service.js';
import { MESSAGE_MAX } from '../requests/requests.schemas.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { attendedWords, bookedWords, invoiceDays, remainingCents, STATUS_WORDS } from './invoice-days.js';
import { invoicePdfName, renderInvoicePdf } from './invoice-pdf.js';
import { contestSchema } from './invoices.schemas.js';
import * as service from './invoices.service.js';

/**
 * "Mes factures" (issue 14): the family's invoices, one invoice day by day, its PDF, and
 * contesting one of its lines. Only a validated account of the family sees them, and a
 * separated parent invoiced on their own (split invoicing) only their own: anything else
 * is a 404, whatever the verb.
 */
export function invoicesController(deps: AppDeps) {
  const { clock } = deps;
  const ctx: ServiceContext = deps;
  const viewPage = { statusWords: STATUS_WORDS, bookedWords, attendedWords, remainingCents };

  /** A URL naming an invoice tells nothing to whoever is not of its family: 404, whatever the verb. */
  function invoiceOwner(parentOnly: RequestHandler): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (!req.account || !familyOpen(req.account)) throw new NotFoundError();
      return parentOnly(req, res, next);
    };
  }

  async function showList(req: Request, res: Response) {
    const town = requireTown(req);
    const account = req.account!;
    const open = familyOpen(account);
    const list = open ? await familyInvoices(ctx, town.id, service.viewerOf(account)) : [];
    const debits = await debitNotices(ctx, town.id, open ? account.familyId : null);
    res.render('invoices/index', { title: 'Mes factures', familyOpen: open, invoices: list, debits, ...viewPage });
  }

  async function openInvoice(req: Request) {
    const town = requireTown(req);
    return familyInvoice(ctx, town.id, service.viewerOf(req.account!), idParam(req, 'invoiceId'));
  }

  async function showInvoice(req: Request, res: Response) {
    const view = await openInvoice(req);
    // The receipt shows only once a payment is confirmed: the payment marked the invoice paid (settlePayment).
    const receipt = view.invoice.status === 'paid' ? await invoiceReceipt(deps.pool, requireTown(req).id, view.invoice.id) : undefined;
    res.render('invoices/show', {
      title: `Facture N° ${view.invoice.number}`,
      view,
      receipt,
      days: invoiceDays(view.lines),
      debits: await debitNotices(ctx, requireTown(req).id, req.account!.familyId),
      ...viewPage,
    });
  }

  async function servePdf(req: Request, res: Response) {
    const town = requireTown(req);
    const view = await openInvoice(req);
    const regie = await findRegie(deps.pool, town.id, view.invoice.regieId);
    const content = await renderInvoicePdf({ townName: town.name, regieName: regie?.name ?? 'Régie', view, createdAt: clock.now() });
    sendAttachment(res, { fileName: invoicePdfName(view.invoice.number), contentType: 'application/pdf', content });
  }

  /** The line named by `?ligne=` (GET) or the form's `ligne` (POST); anything else is a 404. */
  async function contestedLine(req: Request) {
    const raw = req.method === 'GET' ? req.query.ligne : (req.body as Record<string, unknown>).ligne;
    if (typeof raw !== 'string') throw new NotFoundError('no line');
    return service.invoiceLine(ctx, requireTown(req), req.account!, idParam(req, 'invoiceId'), raw);
  }

  function renderContest(
    res: Response,
    status: number,
    target: Awaited<ReturnType<typeof contestedLine>>,
    form: { errors?: FieldError[]; values?: Record<string, string> },
  ) {
    const errors = form.errors ?? [];
    res.status(status).render('invoices/contest', {
      title: 'Contester une ligne de facture',
      view: target.view,
      line: target.line,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      messageMax: MESSAGE_MAX,
      ...viewPage,
    });
  }

  async function showContest(req: Request, res: Response) {
    renderContest(res, 200, await contestedLine(req), {});
  }

  async function contest(req: Request, res: Response) {
    const town = requireTown(req);
    const target = await contestedLine(req);
    await rateLimitRequests(ctx, req.account!.id, 'request');
    const form = parseForm(contestSchema, req.body);
    if (!form.ok) return renderContest(res, 400, target, { errors: form.errors, values: form.values });
    const requestId = await service.contestLine(ctx, town, req.account!, target, form.data.message);
    req.session.flash = {
      kind: 'success',
      message: 'Votre contestation est envoyée aux services, avec la ligne de la facture. Un courriel vous le confirme.',
    };
    res.redirect(303, urls.request(town, requestId));
  }

  return { invoiceOwner, showList, showInvoice, servePdf, showContest, contest };
}
