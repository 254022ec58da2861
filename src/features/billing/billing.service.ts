import { withTransaction, type Queryable } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { eachDay, parisDay, parseDay, parseMonthKey } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import * as invoices from '../../repositories/billing-invoices.repository.js';
import type { CreditNote, Invoice, InvoiceLine } from '../../repositories/billing-invoices.repository.js';
import * as tariffs from '../../repositories/billing-tariffs.repository.js';
import type { BillingSettings, NewTariff, QuotientSource } from '../../repositories/billing-tariffs.repository.js';
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
