import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { formatEuros } from '../../../lib/format.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { listRegies } from '../../../repositories/billing-tariffs.repository.js';
import { findFamilyFile } from '../../../repositories/family-files.repository.js';
import { urls } from '../../../routes.js';
import { agentInvoice, agentInvoices } from '../../billing/billing.service.js';
import { createCreditNote } from '../../billing/invoicing.service.js';
import { creditNoteSchema, eurosToCents, parseInvoiceFilters, STATUS_FILTERS } from './invoicing.schemas.js';

const STATUS_LABELS = Object.fromEntries(STATUS_FILTERS.map((s) => [s.value, s.label]));

/**
 * The régie's invoices: the list with its filters (month, status, régie, family, a name or a
 * number), each invoice day by day with its credit notes and the family's balance, and the
 * form that issues a credit note (audited by the service).
 */
export function invoicesController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const filters = parseInvoiceFilters(req.query);
    const [found, regies, family] = await Promise.all([
      agentInvoices(ctx, town.id, filters.search, filters.page),
      listRegies(pool, town.id),
      filters.search.familyId ? findFamilyFile(pool, town.id, filters.search.familyId) : undefined,
    ]);
    const page = Math.min(filters.page, found.pages);
    res.render('agents/invoicing/invoices', {
      title: `Factures${family ? ` de la famille ${family.name.toUpperCase()}` : ''}${page > 1 ? ` – page ${page}` : ''}`,
      ...found,
      page,
      regies,
      family: family ?? null,
      statusFilters: STATUS_FILTERS,
      statusLabels: STATUS_LABELS,
      values: filters.values,
    });
  }

  async function renderInvoice(req: Request, res: Response, status = 200, errors?: FieldError[], values?: Record<string, string>) {
    const town = requireTown(req);
    const view = await agentInvoice(ctx, town.id, idParam(req, 'invoiceId'));
    res.status(status).render('agents/invoicing/invoice', {
      title: `Facture ${view.invoice.number}`,
      ...view,
      statusLabel: STATUS_LABELS[view.status],
      values: values ?? {},
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function show(req: Request, res: Response) {
    await renderInvoice(req, res);
  }

  async function creditNote(req: Request, res: Response) {
    const town = requireTown(req);
    const invoiceId = idParam(req, 'invoiceId');
    const form = parseForm(creditNoteSchema, req.body);
    if (!form.ok) return renderInvoice(req, res, 400, form.errors, form.values);
    const amountCents = eurosToCents(form.data.montant)!;
    const result = await createCreditNote(ctx, town.id, auditActor(req), invoiceId, { amountCents, reason: form.data.motif });
    if (!result.ok) return renderInvoice(req, res, 400, [{ field: 'montant', message: result.message }], form.data);
    req.session.flash = { kind: 'success', message: `L’avoir ${result.number} de ${formatEuros(amountCents)} est émis.` };
    res.redirect(303, urls.agentInvoice(town, invoiceId));
  }

  return { list, show, creditNote };
}
