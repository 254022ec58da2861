import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatDate, parisDay, parseFrenchDate } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { formatEuros } from '../../../lib/format.js';
import { UUID } from '../../../lib/ids.js';
import { requireTown } from '../../../middleware/town.js';
import { findFamilyFile, searchFamilies, type FamilyFile } from '../../../repositories/family-files.repository.js';
import { getCounterMethods, listUnpaidInvoices } from '../../../repositories/payments-agents.repository.js';
import { urls } from '../../../routes.js';
import { eurosToCents } from '../invoicing/invoicing.schemas.js';
import { recordCounterPayment, updateCounterMethods } from './counter-payment.service.js';
import { COUNTER_METHODS, counterPaymentSchema, tickedInvoices, tickedMethods } from './payments.schemas.js';

/**
 * "Enregistrer un paiement au guichet" (every agent): choose the family, tick the invoices
 * the money pays, say how and when it came; the payment must be exactly what they owe.
 * Admins also say here what the counter accepts (the town's counter_methods).
 */
export function counterController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  /** The family of `famille` (query or body): none when absent; another town's, or no id, is the 404. */
  async function familyOf(req: Request, raw: string | undefined): Promise<FamilyFile | undefined> {
    if (raw === undefined || raw === '') return undefined;
    const family = UUID.test(raw) ? await findFamilyFile(pool, requireTown(req).id, raw.toLowerCase()) : undefined;
    if (!family) throw new NotFoundError('family of another town');
    return family;
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    o: { family: FamilyFile | undefined; values: Record<string, string>; ticked: string[]; errors?: FieldError[]; methods?: string[] },
  ) {
    const town = requireTown(req);
    const q = (formValues(req.query).q ?? '').trim().slice(0, 100);
    const [accepted, unpaid, found] = await Promise.all([
      getCounterMethods(pool, town.id),
      o.family ? listUnpaidInvoices(pool, town.id, o.family.id) : [],
      !o.family && q ? searchFamilies(pool, town.id, q, 20, 0) : undefined,
    ]);
    const errors = o.errors ?? [];
    res.status(status).render('agents/payments/counter', {
      title: o.family ? `Paiement au guichet – famille ${o.family.name.toUpperCase()}` : 'Enregistrer un paiement au guichet',
      family: o.family ?? null,
      q,
      found: found?.rows ?? null,
      unpaid,
      ticked: o.ticked,
      methodOptions: COUNTER_METHODS.filter((m) => accepted.includes(m.value)),
      allMethods: COUNTER_METHODS,
      acceptedMethods: o.methods ?? accepted,
      isAdmin: req.agent?.role === 'admin',
      values: o.values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function show(req: Request, res: Response) {
    const query = formValues(req.query);
    const family = await familyOf(req, query.famille);
    const facture = query.facture && UUID.test(query.facture) ? [query.facture.toLowerCase()] : [];
    await render(req, res, 200, { family, values: { date: formatDate(parisDay(clock.now())) }, ticked: facture });
  }

  async function record(req: Request, res: Response) {
    const town = requireTown(req);
    const body = formValues(req.body);
    const family = await familyOf(req, body.famille);
    if (!family) throw new NotFoundError('counter payment without a family');
    const ticked = tickedInvoices(req.body);
    const form = parseForm(counterPaymentSchema, req.body);
    const known: FieldError[] = [];
    if (!ticked) known.push({ field: 'factures', message: 'Choisissez les factures dans la liste.' });
    else if (ticked.length === 0) known.push({ field: 'factures', message: 'Cochez au moins une facture à régler.' });
    if (known.length > 0 || !form.ok) {
      const errors = [...known, ...(form.ok ? [] : form.errors)];
      return render(req, res, 400, { family, values: body, ticked: ticked ?? [], errors });
    }
    const result = await recordCounterPayment(ctx, town.id, auditActor(req), {
      familyId: family.id,
      invoiceIds: ticked!,
      method: form.data.moyen,
      amountCents: eurosToCents(form.data.montant)!,
      receivedOn: parseFrenchDate(form.data.date)!,
      note: form.data.note,
    });
    if (!result.ok) return render(req, res, result.status, { family, values: body, ticked: ticked!, errors: result.errors });
    const numbers = result.invoiceNumbers.join(', ');
    req.session.flash = {
      kind: 'success',
      message: `Le paiement de ${formatEuros(result.payment.amountCents)} est enregistré : ${result.invoiceNumbers.length > 1 ? 'factures' : 'facture'} ${numbers} payée${result.invoiceNumbers.length > 1 ? 's' : ''}.`,
    };
    res.redirect(303, urls.agentPayment(town, result.payment.id));
  }

  async function saveMethods(req: Request, res: Response) {
    const town = requireTown(req);
    const body = formValues(req.body);
    const family = await familyOf(req, body.famille);
    const methods = tickedMethods(req.body);
    const error =
      methods === undefined
        ? 'Choisissez les moyens de paiement dans la liste.'
        : methods.length === 0
          ? 'Cochez au moins un moyen de paiement accepté au guichet.'
          : undefined;
    if (error || !methods) {
      const ticked = [req.body?.moyens ?? []].flat().filter((m): m is string => typeof m === 'string');
      const values = { date: formatDate(parisDay(clock.now())) };
      return render(req, res, 400, { family, values, ticked: [], methods: ticked, errors: [{ field: 'moyens', message: error! }] });
    }
    await updateCounterMethods(ctx, town.id, auditActor(req), methods);
    req.session.flash = { kind: 'success', message: 'Les moyens de paiement acceptés au guichet ont été enregistrés.' };
    res.redirect(303, urls.agentCounterPayment(town, family ? { famille: family.id } : undefined));
  }

  return { show, record, saveMethods };
}
