import { isUniqueViolation, withTransaction, type Queryable } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { addDays, eachDay, parisDay, parisInstant, parseDay, parseMonthKey } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import * as invoices from '../../repositories/billing-invoices.repository.js';
import type { CreditNote, Invoice, InvoiceLine } from '../../repositories/billing-invoices.repository.js';
import * as tariffs from '../../repositories/billing-tariffs.repository.js';
import type { BillingSettings, NewTariff, QuotientSource } from '../../repositories/billing-tariffs.repository.js';
import { paymentAttestation, taxAttestation, type PaymentRow, type TaxAttestation } from './attestations.js';
import { monthCsv } from './export-csv.js';
import type { ServiceContext } from '../../deps.js';
import type { Actor } from './invoicing.service.js';
import { invoiceStatus, tariffErrors, type InvoiceDisplayStatus } from './pricing.js';

/**
 * What the agents' billing pages and "Mes factures" call (next session): tariffs, QF
 * records, the payer, the town's settings, and an invoice as a parent may open it. Every
 * change is one transaction with its audit row; bad input comes back as French messages.
 */

export type Outcome<T = undefined> = { ok: true; value: T } | { ok: false; errors: string[] };

const SCHOOL_YEAR = /^(\d{4})-(\d{4})$/;

/** Records a tariff version of an activity of the town; its prices apply from its date of effect. */
export async function recordTariff(ctx: ServiceContext, townId: string, actor: Actor, t: NewTariff): Promise<Outcome<string>> {
  const errors = tariffErrors(t);
  const year = SCHOOL_YEAR.exec(t.schoolYear);
  if (!year || Number(year[2]) !== Number(year[1]) + 1) errors.unshift('Indiquez l’année scolaire, par exemple 2026-2027.');
  if (!parseDay(t.effectiveFrom)) errors.unshift('Indiquez la date d’effet du tarif.');
  if (errors.length > 0) return { ok: false, errors };
  return withTransaction(ctx.pool, async (db) => {
    const taken = await tariffs.listTariffs(db, townId, [t.activityId]);
    if ((taken.get(t.activityId) ?? []).some((x) => x.effectiveFrom === t.effectiveFrom)) {
      return { ok: false, errors: ['Un tarif de cette activité prend déjà effet à cette date.'] };
    }
    let id: string;
    try {
      id = await tariffs.insertTariff(db, townId, t);
    } catch (err) {
      if (/not of the town/.test((err as Error).message)) throw new NotFoundError();
      throw err;
    }
    await audit(db, {
      townId,
      ...actor,
      action: 'tariff.create',
      targetType: 'tariff',
      targetId: id,
      details: { activityId: t.activityId, schoolYear: t.schoolYear, effectiveFrom: t.effectiveFrom, model: t.model },
      at: ctx.clock.now(),
    });
    return { ok: true, value: id };
  });
}

/** Records a family's QF from its date of effect (a second one on the same date replaces it). */
export async function recordQuotient(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  q: { familyId: string; qf: number; effectiveFrom: string; source: QuotientSource; requestId?: string | null },
): Promise<Outcome> {
  const errors = quotientErrors(q);
  if (errors.length > 0) return { ok: false, errors };
  return withTransaction(ctx.pool, async (db) => {
    if (!(await recordQuotientIn(db, townId, actor, q, ctx.clock.now()))) throw new NotFoundError();
    return { ok: true, value: undefined };
  });
}

/** Who pays the family's invoices, and whether separated parents are each invoiced for their own bookings (next invoices only). */
export async function choosePayer(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  familyId: string,
  p: { payerAdultId: string | null; splitInvoicing: boolean },
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    if (!(await tariffs.setFamilyPayer(db, townId, familyId, p))) throw new NotFoundError();
    await audit(db, {
      townId,
      ...actor,
      action: 'family.payer',
      targetType: 'family',
      targetId: familyId,
      details: p,
      at: ctx.clock.now(),
    });
  });
}

export async function updateBillingSettings(ctx: ServiceContext, townId: string, actor: Actor, s: BillingSettings): Promise<Outcome> {
  const errors: string[] = [];
  if (!Number.isSafeInteger(s.unreservedSurchargeBp) || s.unreservedSurchargeBp < 0 || s.unreservedSurchargeBp > 100_000) {
    errors.push('La majoration va de 0 à 1 000 %.');
  }
  if (!Number.isSafeInteger(s.invoiceDueDay) || s.invoiceDueDay < 1 || s.invoiceDueDay > 28)
    errors.push('Le jour d’échéance va du 1er au 28.');
  if (s.residentPostalCodes.some((c) => !/^[0-9]{5}$/.test(c))) errors.push('Un code postal a cinq chiffres.');
  if (errors.length > 0) return { ok: false, errors };
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    await tariffs.saveBillingSettings(db, townId, s, now);
    await audit(db, { townId, ...actor, action: 'billing_settings.update', details: { ...s }, at: now });
  });
  return { ok: true, value: undefined };
}

export interface InvoiceView {
  invoice: Invoice;
  status: InvoiceDisplayStatus;
  /** What remains to pay (credit notes deducted; payments come with the next issue). */
  dueCents: number;
  lines: InvoiceLine[];
  creditNotes: CreditNote[];
}

/**
 * An invoice as a parent opens it, day by day: 404 (NotFoundError) for another family's,
 * another town's, or the other separated parent's.
 */
export async function familyInvoice(
  ctx: ServiceContext,
  townId: string,
  viewer: { familyId: string; accountId: string },
  invoiceId: string,
): Promise<InvoiceView> {
  const invoice = await invoices.findFamilyInvoice(ctx.pool, townId, viewer.familyId, viewer.accountId, invoiceId);
  if (!invoice) throw new NotFoundError();
  const today = parisDay(ctx.clock.now());
  return {
    invoice,
    status: invoiceStatus(invoice, invoice.creditsCents, today),
    dueCents: Math.max(0, invoice.totalCents - invoice.creditsCents),
    lines: await invoices.listInvoiceLines(ctx.pool, townId, invoice.id),
    creditNotes: await invoices.listCreditNotes(ctx.pool, townId, invoice.id),
  };
}

/** "Mes factures": the family's invoices newest first, with their status and what remains due. */
export async function familyInvoices(
  ctx: ServiceContext,
  townId: string,
  viewer: { familyId: string; accountId: string },
): Promise<{ invoice: Invoice; status: InvoiceDisplayStatus; dueCents: number }[]> {
  const today = parisDay(ctx.clock.now());
  const list = await invoices.listFamilyInvoices(ctx.pool, townId, viewer.familyId, viewer.accountId);
  return list.map((invoice) => ({
    invoice,
    status: invoiceStatus(invoice, invoice.creditsCents, today),
    dueCents: Math.max(0, invoice.totalCents - invoice.creditsCents),
  }));
}

/**
 * The CSV of a régie's month for the town's accounting: the invoices and credit notes
 * issued that month (by their issue date, as the accounting books them). 404 for another
 * town's régie; undefined for a month that cannot be read.
 */
export async function monthExportCsv(ctx: ServiceContext, townId: string, regieId: string, monthKey: string): Promise<string | undefined> {
  const month = parseMonthKey(monthKey);
  if (!month) return undefined;
  if (!(await tariffs.findRegie(ctx.pool, townId, regieId))) throw new NotFoundError();
  const [y, m] = month.split('-').map(Number) as [number, number];
  const days = eachDay(`${month}-01`, `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`);
  const docs = await invoices.listIssuedDocuments(ctx.pool, townId, regieId, days[0]!, days[days.length - 1]!);
  return monthCsv(docs.invoices, docs.creditNotes);
}

// ---------------------------------------------------------------- régies (the agents' setup pages, bill-setup)

export interface RegieInput {
  name: string;
  /** 2 to 10 capitals or digits: printed in every invoice number of the régie. */
  code: string;
  /** Exactly the activities the régie collects; the others it had are no longer invoiced by it. */
  activityIds: string[];
}

const REGIE_CODE = /^[A-Z0-9]{2,10}$/;

/** A régie saved (its id), or why not, in French, with the form's field it is about. */
export type RegieOutcome = { ok: true; value: string } | { ok: false; errors: { field: 'code' | 'activites'; message: string }[] };

/**
 * Creates a régie (regieId null) or changes one, and which activities it collects, in one
 * transaction with its audit row. Refused in French: a code already used by another régie of
 * the town (unique per town, since it is printed in the invoice numbers), a change of code
 * once the régie has issued a document, a code already printed in the town's numbers, and an
 * activity another régie has invoiced. An activity or a régie of another town is the 404.
 */

export async function saveRegie(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  regieId: string | null,
  r: RegieInput,
): Promise<RegieOutcome> {
  const refused = (field: 'code' | 'activites', message: string): RegieOutcome => ({ ok: false, errors: [{ field, message }] });
  if (!REGIE_CODE.test(r.code)) return refused('code', 'Le code compte de 2 à 10 lettres majuscules ou chiffres, sans espace.');
  const activityIds = [...new Set(r.activityIds)];
  const taken = (name: string) => refused('code', `Le code ${r.code} est déjà celui de la régie « ${name} » : choisissez-en un autre.`);
  try {
    return await withTransaction(ctx.pool, async (db) => {
      const other = await tariffs.findRegieByCode(db, townId, r.code);
      if (other && other.id !== regieId) return taken(other.name);
      const current = regieId === null ? undefined : await tariffs.findRegie(db, townId, regieId);
      if (regieId !== null && !current) throw new NotFoundError('régie of another town');
      if (current?.code !== r.code) {
        // Numbers are per régie id but unique as text: a code printed in issued numbers must stay
        // with its series, and a code left behind by a renamed régie cannot start a new one.
        if (current && (await invoices.regieHasIssued(db, townId, current.id))) {
          return refused('code', 'Le code d’une régie qui a émis des factures ne peut plus changer : il figure dans leurs numéros.');
        }
        const printed = await invoices.numberWithCode(db, townId, r.code);
        if (printed) {
          return refused('code', `Le code ${r.code} figure déjà dans des numéros de la commune (${printed}) : choisissez-en un autre.`);
        }
      }
      // A run bills the activities a régie has now: an activity another régie has invoiced would
      // have its days billed again here.
      const elsewhere = await invoices.activitiesInvoicedElsewhere(db, townId, regieId, activityIds);
      if (elsewhere.length > 0) {
        const e = elsewhere[0]!;
        return refused(
          'activites',
          `L’activité « ${e.activityName} » a déjà été facturée par la régie « ${e.regieName} » : elle ne peut pas changer de régie, ses jours seraient facturés deux fois.`,
        );
      }
      let id: string;
      if (regieId === null) id = await tariffs.insertRegie(db, townId, r);
      else if (await tariffs.updateRegie(db, townId, regieId, r)) id = regieId;
      else throw new NotFoundError('régie of another town');
      if ((await tariffs.setRegieActivities(db, townId, id, activityIds)) !== activityIds.length) {
        throw new NotFoundError('activity of another town');
      }
      await audit(db, {
        townId,
        ...actor,
        action: regieId === null ? 'regie.create' : 'regie.update',
        targetType: 'regie',
        targetId: id,
        details: { name: r.name, code: r.code, activityIds },
        at: ctx.clock.now(),
      });
      return { ok: true, value: id };
    });
  } catch (err) {
    // Two agents giving the same code at the same moment: the unique index decides.
    if (isUniqueViolation(err)) {
      const other = await tariffs.findRegieByCode(ctx.pool, townId, r.code);
      return taken(other?.name ?? r.code);
    }
    throw err;
  }
}

// ---------------------------------------------------------------- the agents' invoices (bill-runs)

export const AGENT_INVOICES_PAGE_SIZE = 25;

export interface AgentInvoiceRow {
  invoice: invoices.InvoiceListRow;
  status: InvoiceDisplayStatus;
  dueCents: number;
}

/**
 * The régie's invoices as agents search them (month, régie, status, family, name or number),
 * a page at a time; with a family, also what that family owes in all (its balance).
 */
export async function agentInvoices(
  ctx: ServiceContext,
  townId: string,
  search: invoices.InvoiceSearch,
  page: number,
): Promise<{ rows: AgentInvoiceRow[]; total: number; pages: number; balanceCents: number | null }> {
  const today = parisDay(ctx.clock.now());
  const size = AGENT_INVOICES_PAGE_SIZE;
  const found = await invoices.searchInvoices(ctx.pool, townId, search, today, size, (page - 1) * size);
  const balanceCents = search.familyId ? await invoices.familyBalance(ctx.pool, townId, search.familyId) : null;
  return {
    rows: found.rows.map((invoice) => ({
      invoice,
      status: invoiceStatus(invoice, invoice.creditsCents, today),
      dueCents: Math.max(0, invoice.totalCents - invoice.creditsCents),
    })),
    total: found.total,
    pages: Math.max(1, Math.ceil(found.total / size)),
    balanceCents,
  };
}

/** An invoice of the town as agents open it, with its family's balance; 404 for another town's. */
export async function agentInvoice(
  ctx: ServiceContext,
  townId: string,
  invoiceId: string,
): Promise<InvoiceView & { balanceCents: number }> {
  const invoice = await invoices.findInvoice(ctx.pool, townId, invoiceId);
  if (!invoice) throw new NotFoundError();
  const today = parisDay(ctx.clock.now());
  const [lines, creditNotes, balanceCents] = await Promise.all([
    invoices.listInvoiceLines(ctx.pool, townId, invoice.id),
    invoices.listCreditNotes(ctx.pool, townId, invoice.id),
    invoices.familyBalance(ctx.pool, townId, invoice.familyId),
  ]);
  return {
    invoice,
    status: invoiceStatus(invoice, invoice.creditsCents, today),
    dueCents: Math.max(0, invoice.totalCents - invoice.creditsCents),
    lines,
    creditNotes,
    balanceCents,
  };
}

// ---------------------------------------------------------------- parents' documents (bill-parents)
// "Édition de documents": what the attestations of a parent say, from the invoices this
// parent may see (a separated parent's attestation counts their own invoices and the
// family's). The rules are in attestations.ts.

type Viewer = { familyId: string; accountId: string };

/** The attestation fiscale of a calendar year: childcare paid in the year for the children under 6 on 1 January. */
export async function familyTaxAttestation(ctx: ServiceContext, townId: string, viewer: Viewer, year: number): Promise<TaxAttestation> {
  const from = parisInstant(`${year}-01-01`);
  const to = parisInstant(`${year + 1}-01-01`);
  const paid = await invoices.listPaidFamilyInvoices(ctx.pool, townId, viewer.familyId, viewer.accountId, from, to);
  const lines = await invoices.listGardeLines(
    ctx.pool,
    townId,
    paid.map((i) => i.id),
  );
  return taxAttestation(year, paid, lines);
}

/** The attestation of payment of a period (days in Paris, both included). */
export async function familyPaymentAttestation(
  ctx: ServiceContext,
  townId: string,
  viewer: Viewer,
  period: { from: string; to: string },
): Promise<{ payments: PaymentRow[]; totalCents: number }> {
  const paid = await invoices.listPaidFamilyInvoices(
    ctx.pool,
    townId,
    viewer.familyId,
    viewer.accountId,
    parisInstant(period.from),
    parisInstant(addDays(period.to, 1)),
  );
  return paymentAttestation(paid);
}

// ---------------------------------------------------------------- bill-sim: a QF recorded inside a request's decision

/** What is wrong with a QF to record, in French (empty: it can be recorded). */
export function quotientErrors(q: { qf: number; effectiveFrom: string }): string[] {
  const errors: string[] = [];
  if (!Number.isSafeInteger(q.qf) || q.qf < 0 || q.qf > 100_000)
    errors.push('Le quotient familial est un nombre entier d’euros, de 0 à 100 000.');
  if (!parseDay(q.effectiveFrom)) errors.push('Indiquez la date d’effet du quotient familial.');
  return errors;
}

/**
 * Records a checked QF and its audit row in the caller's transaction: `recordQuotient`'s,
 * or an agent's acceptance of a parent's declaration, whose status change must commit with
 * it. False when the family is not the town's.
 */
export async function recordQuotientIn(
  db: Queryable,
  townId: string,
  actor: Actor,
  q: { familyId: string; qf: number; effectiveFrom: string; source: QuotientSource; requestId?: string | null },
  now: Date,
): Promise<boolean> {
  const saved = await tariffs.saveQuotient(db, townId, { ...q, requestId: q.requestId ?? null, recordedBy: actor.agentId });
  if (!saved) return false;
  await audit(db, {
    townId,
    ...actor,
    action: 'quotient.record',
    targetType: 'family',
    targetId: q.familyId,
    details: { qf: q.qf, effectiveFrom: q.effectiveFrom, source: q.source, ...(q.requestId ? { requestId: q.requestId } : {}) },
    at: now,
  });
  return true;
}
