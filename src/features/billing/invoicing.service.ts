import crypto from 'node:crypto';
import type { ServiceContext } from '../../deps.js';
import { withTransaction, type Queryable } from '../../db/pool.js';
import { enqueueJob } from '../../jobs/enqueue.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { eachDay, parisDay, parseMonthKey, shortDate } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { personName } from '../../lib/french.js';
import * as invoices from '../../repositories/billing-invoices.repository.js';
import type { EnrolmentSpan, FamilyBillingRow, InvoicingRun, MonthFact } from '../../repositories/billing-invoices.repository.js';
import * as tariffs from '../../repositories/billing-tariffs.repository.js';
import {
  creditNoteCheck,
  dueDate,
  formatBp,
  groupInvoices,
  inForceOn,
  isResident,
  MissingTariffError,
  priceRecord,
  siblingRanks,
  type DayRecord,
  type FamilyPricing,
  type PricedLine,
  type Tariff,
  total,
} from './pricing.js';
import { recapPrice, type ChildRecapPrice, type DraftChanges } from './recap-price.js';

export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

const LEASE_SECONDS = 120;

// ---------------------------------------------------------------- starting a run

export type StartResult = { ok: true; runId: string; alreadyRunning: boolean } | { ok: false; message: string };

/**
 * Starts the invoicing of a régie's month: a run row and its job, in one transaction. A run
 * of the same month already under way is returned instead of a second one (the agent who
 * clicked twice, or two agents at once, see the same progress). Only a finished month can be
 * invoiced: its attendance sheets are complete.
 */
export async function startInvoicingRun(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  regieId: string,
  monthKey: string,
): Promise<StartResult> {
  const month = parseMonthKey(monthKey);
  if (!month) return { ok: false, message: 'Choisissez un mois, par exemple 2026-11.' };
  const now = ctx.clock.now();
  if (month >= parisDay(now).slice(0, 7)) {
    return { ok: false, message: 'Ce mois n’est pas terminé : il pourra être facturé à partir du 1er du mois suivant.' };
  }
  return withTransaction(ctx.pool, async (db) => {
    const regie = await tariffs.findRegie(db, townId, regieId);
    if (!regie) throw new NotFoundError();
    const jobId = crypto.randomUUID();
    const runId = await invoices.insertRun(db, { townId, regieId, month: `${month}-01`, ...actor, jobId, now });
    if (!runId) {
      const active = await invoices.findActiveRun(db, townId, regieId, `${month}-01`);
      // The other run finished between our insert and this read: start again (safe: nothing was written).
      if (!active) throw Object.assign(new Error('run finished meanwhile'), { code: '40001' });
      return { ok: true, runId: active.id, alreadyRunning: true };
    }
    await audit(db, {
      townId,
      ...actor,
      action: 'invoicing.start',
      targetType: 'invoicing_run',
      targetId: runId,
      details: { regie: regie.code, month },
      at: now,
    });
    await enqueueJob(db, 'invoicing', { runId }, { id: jobId });
    return { ok: true, runId, alreadyRunning: false };
  });
}

// ---------------------------------------------------------------- running it

/** The run is held by another worker whose lease still runs: the queue tries again later. */
export class RunHeldError extends Error {}
/** The run was taken over by another worker (our lease ran out): stop, the other one goes on. */
class RunLostError extends Error {}

export interface RunOptions {
  /** Families per transaction (500: the reads of a batch cost about the same for 100 or 500, ADR 0015). */
  batchSize?: number;
  leaseSeconds?: number;
}

/**
 * The job of the queue "invoicing": prices every family of the month and issues their
 * invoices, a batch of families per transaction, the run's counters moving with each batch
 * (the progress page). Safe to run again, or twice at once: each batch takes the series'
 * lock before checking which families are already invoiced for the month, and skips them;
 * the unique index on invoices refuses a second invoice whatever happens, rolling the batch
 * back with its numbers, so the series keeps no gap.
 */
export async function runInvoicing(ctx: ServiceContext, runId: string, options: RunOptions = {}): Promise<void> {
  const townId = await invoices.runTown(ctx.pool, runId);
  if (!townId) return; // deleted with its town
  const token = crypto.randomUUID();
  const leaseSeconds = options.leaseSeconds ?? LEASE_SECONDS;
  const run = await invoices.claimRun(ctx.pool, townId, runId, token, ctx.clock.now(), leaseSeconds);
  if (!run) {
    const current = await invoices.findRun(ctx.pool, townId, runId);
    if (current && (current.status === 'pending' || current.status === 'running'))
      throw new RunHeldError(`run ${runId} is held by another worker`);
    return; // done or failed already
  }
  try {
    await issueRun(ctx, run, token, options.batchSize ?? 500, leaseSeconds);
  } catch (err) {
    if (err instanceof RunLostError) return;
    throw err; // left running: the queue retries, and the next claim resumes after the lease
  }
}

/**
 * Closes a run its job has given up on (the last retry failed): otherwise it would stay
 * "running" and no agent could start the month again. What was issued stays issued; a new
 * run issues the rest.
 */
export async function giveUpInvoicingRun(ctx: ServiceContext, runId: string): Promise<void> {
  const townId = await invoices.runTown(ctx.pool, runId);
  const run = townId ? await invoices.findRun(ctx.pool, townId, runId) : undefined;
  if (!run) return;
  await finish(ctx, run, null, 'failed', GAVE_UP);
}

const GAVE_UP = 'La facturation s’est arrêtée sur une erreur technique. Relancez-la : les factures déjà émises ne seront pas refaites.';

/**
 * Closes the runs whose job ended without closing them (its process died or its lease expired
 * on the last attempt, or that attempt found the run still held): part of the recurring task
 * "purge-expired", so the month can be started again within minutes.
 */
export async function closeAbandonedInvoicingRuns(ctx: Pick<ServiceContext, 'pool' | 'clock'>): Promise<void> {
  for (const run of await invoices.listAbandonedRuns(ctx.pool, ctx.clock.now())) await finish(ctx, run, null, 'failed', GAVE_UP);
}

async function issueRun(ctx: ServiceContext, run: InvoicingRun, token: string, batchSize: number, leaseSeconds: number): Promise<void> {
  const { townId, regieId } = run;
  const monthKey = run.month.slice(0, 7);
  const from = run.month;
  const days = eachDay(from, lastDayOfMonth(monthKey));
  const to = days[days.length - 1]!;
  const regie = await tariffs.findRegie(ctx.pool, townId, regieId);
  if (!regie) return;
  const activityIds = await invoices.listRegieActivityIds(ctx.pool, townId, regieId);
  const tariffsByActivity = await tariffs.listTariffs(ctx.pool, townId, activityIds);
  const settings = await tariffs.getBillingSettings(ctx.pool, townId);

  const families = await invoices.listFamiliesToInvoice(ctx.pool, townId, regieId, from, to);
  // A resumed run goes on with the families not yet invoiced, not from a position in the list:
  // a family that became billable since may come anywhere in id order. The counters restart
  // from what is committed, so they hold however far the previous attempt got.
  const invoiced = await invoices.invoicedFamilies(ctx.pool, townId, regieId, run.month, families);
  const byThisRun = await invoices.familiesInvoicedByRun(ctx.pool, townId, run.id);
  const todo = families.filter((id) => !invoiced.has(id));
  const counters = {
    totalFamilies: families.length,
    processedFamilies: invoiced.size,
    familiesSkipped: [...invoiced].filter((id) => !byThisRun.has(id)).length,
  };
  if (!(await invoices.setRunStart(ctx.pool, townId, run.id, token, counters))) return;

  // A day to bill without a tariff would be billed 0 or not at all: the run stops before issuing anything.
  const missing = await missingTariff(ctx.pool, townId, regieId, from, to, tariffsByActivity);
  if (missing) {
    await finish(ctx, run, token, 'failed', `L’activité « ${missing.name} » n’a pas de tarif en vigueur le ${shortDate(missing.day)}.`);
    return;
  }

  const issuedOn = parisDay(ctx.clock.now());
  const invoice = {
    year: Number(issuedOn.slice(0, 4)),
    issuedOn,
    dueOn: dueDate(monthKey, issuedOn, settings.invoiceDueDay),
  };
  for (let start = 0; start < todo.length; start += batchSize) {
    const batch = todo.slice(start, start + batchSize);
    await withTransaction(ctx.pool, async (db) => {
      const outcome = await invoiceBatch(db, { run, regieCode: regie.code, from, to, tariffsByActivity, settings, invoice }, batch);
      const ok = await invoices.advanceRun(db, townId, run.id, token, {
        ...outcome,
        families: batch.length,
        now: ctx.clock.now(),
        leaseSeconds,
      });
      if (!ok) throw new RunLostError();
    });
  }
  await finish(ctx, run, token, 'done', null);
}

async function finish(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  run: InvoicingRun,
  token: string | null,
  status: 'done' | 'failed',
  failure: string | null,
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    if (!(await invoices.finishRun(db, run.townId, run.id, token, { status, failure, now }))) return;
    const done = await invoices.findRun(db, run.townId, run.id);
    await audit(db, {
      townId: run.townId,
      agentId: null,
      actorLabel: 'système',
      action: 'invoicing.finish',
      targetType: 'invoicing_run',
      targetId: run.id,
      details: {
        status,
        failure,
        month: run.month.slice(0, 7),
        invoices: done?.invoicesCreated ?? 0,
        skipped: done?.familiesSkipped ?? 0,
        amountCents: done?.amountCents ?? 0,
      },
      at: now,
    });
  });
}

interface BatchSetup {
  run: InvoicingRun;
  regieCode: string;
  from: string;
  to: string;
  tariffsByActivity: Map<string, Tariff[]>;
  settings: tariffs.BillingSettings;
  invoice: { year: number; issuedOn: string; dueOn: string };
}

async function invoiceBatch(
  db: Queryable,
  s: BatchSetup,
  familyIds: string[],
): Promise<{ invoices: number; skipped: number; amountCents: number }> {
  const { townId, regieId } = s.run;
  // The series' lock first: whoever issued invoices of this régie before us has committed
  // (or rolled back) by now, so the check below sees every invoice already issued.
  await invoices.takeNumbers(db, townId, regieId, 'invoice', s.invoice.year, 0);
  const already = await invoices.invoicedFamilies(db, townId, regieId, s.run.month, familyIds);
  const todo = familyIds.filter((id) => !already.has(id));
  const skipped = familyIds.length - todo.length;
  if (todo.length === 0) return { invoices: 0, skipped, amountCents: 0 };

  const facts = await invoices.listMonthFacts(db, townId, regieId, todo, s.from, s.to);
  const spans = await invoices.listEnrolmentSpans(db, townId, { regieId }, todo, s.from, s.to);
  const families = await invoices.listFamiliesForBilling(db, townId, todo);
  const quotients = await tariffs.listQuotients(db, townId, todo);
  const names = await invoices.listNames(
    db,
    townId,
    [...new Set(facts.map((f) => f.childId))],
    [...new Set(facts.map((f) => f.activityId))],
  );

  const factsByFamily = groupBy(facts, (f) => f.familyId);
  const spansByFamily = groupBy(spans, (sp) => sp.familyId);
  // Numbers follow the families' id order, then the payer's within a family.
  const drafts: { family: FamilyBillingRow; group: ReturnType<typeof groupInvoices>[number] }[] = [];
  for (const family of [...families].sort((a, b) => a.id.localeCompare(b.id))) {
    const pricing: FamilyPricing = {
      tariffs: s.tariffsByActivity,
      quotients: quotients.get(family.id) ?? [],
      resident: isResident(family.postalCode, s.settings.residentPostalCodes),
      surchargeBp: s.settings.unreservedSurchargeBp,
      rank: rankFrom(spansByFamily.get(family.id) ?? []),
    };
    const lines = (factsByFamily.get(family.id) ?? [])
      .map((f) => priceRecord(toRecord(f), pricing))
      .filter((l): l is PricedLine => l !== null);
    for (const group of groupInvoices(lines, family.splitInvoicing)) drafts.push({ family, group });
  }
  if (drafts.length === 0) return { invoices: 0, skipped, amountCents: 0 };

  const payers = new Map(
    (await invoices.listAccountPayers(db, townId, [...new Set(drafts.flatMap((d) => (d.group.accountId ? [d.group.accountId] : [])))])).map(
      (a) => [a.id, a],
    ),
  );
  const last = await invoices.takeNumbers(db, townId, regieId, 'invoice', s.invoice.year, drafts.length);
  const first = last - drafts.length + 1;
  const ids = await invoices.insertInvoices(
    db,
    townId,
    drafts.map(({ family, group }, i) => {
      const payer = group.accountId ? payers.get(group.accountId) : undefined;
      return {
        regieId,
        runId: s.run.id,
        familyId: family.id,
        accountId: group.accountId,
        split: group.accountId !== null,
        payerAdultId: payer ? null : family.payerAdultId,
        payerName: payer
          ? personName(payer.firstNames, payer.lastName)
          : family.payerFirstNames !== null && family.payerLastName !== null
            ? personName(family.payerFirstNames, family.payerLastName)
            : `Famille ${family.name}`,
        payerAddress: payer?.address ?? family.address,
        month: s.run.month,
        numberYear: s.invoice.year,
        numberSeq: first + i,
        number: invoiceNumber(s.regieCode, s.invoice.year, first + i),
        issuedOn: s.invoice.issuedOn,
        dueOn: s.invoice.dueOn,
        totalCents: group.totalCents,
      };
    }),
  );
  await invoices.insertLines(
    db,
    townId,
    drafts.flatMap(({ group }, i) =>
      group.lines.map((l) => {
        const child = names.children.get(l.childId);
        return {
          ...l,
          invoiceId: ids.get(first + i)!,
          childName: child ? personName(child.firstNames, child.lastName) : '',
          activityName: names.activities.get(l.activityId) ?? '',
        };
      }),
    ),
  );
  return { invoices: drafts.length, skipped, amountCents: total(drafts.map((d) => ({ amountCents: d.group.totalCents }))) };
}

export function invoiceNumber(regieCode: string, year: number, seq: number): string {
  return `${regieCode}-${year}-${String(seq).padStart(6, '0')}`;
}

export function creditNoteNumber(regieCode: string, year: number, seq: number): string {
  return `AV-${regieCode}-${year}-${String(seq).padStart(6, '0')}`;
}

function toRecord(f: MonthFact): DayRecord {
  return {
    childId: f.childId,
    activityId: f.activityId,
    day: f.day,
    booked: f.reservationId !== null,
    attendance: f.present === null || f.reserved === null ? null : { present: f.present, reserved: f.reserved },
    justifiedAbsence: f.absenceRequestId !== null,
    reservationId: f.reservationId,
    bookedBy: f.bookedBy,
    absenceRequestId: f.absenceRequestId,
  };
}

/** Sibling ranks from the family's enrolments: the children enrolled in the activity on the day, eldest first. */
function rankFrom(spans: readonly EnrolmentSpan[]): FamilyPricing['rank'] {
  const memo = new Map<string, Map<string, number>>();
  return (childId, activityId, day) => {
    const key = `${activityId}|${day}`;
    let ranks = memo.get(key);
    if (!ranks) {
      const enrolled = new Map<string, string | null>();
      for (const sp of spans) {
        if (sp.activityId === activityId && sp.startDate <= day && sp.endDate >= day) enrolled.set(sp.childId, sp.birthDate);
      }
      ranks = siblingRanks([...enrolled.entries()].map(([id, birthDate]) => ({ childId: id, birthDate })));
      memo.set(key, ranks);
    }
    return ranks.get(childId) ?? 1;
  };
}

async function missingTariff(
  db: Queryable,
  townId: string,
  regieId: string,
  from: string,
  to: string,
  byActivity: Map<string, Tariff[]>,
): Promise<{ name: string; day: string } | undefined> {
  const firsts = await invoices.firstBillableDays(db, townId, regieId, from, to);
  for (const f of firsts) {
    if (!inForceOn(byActivity.get(f.activityId) ?? [], f.day)) return { name: f.name, day: f.day };
  }
  return undefined;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function lastDayOfMonth(monthKey: string): string {
  const [y, m] = monthKey.split('-').map(Number) as [number, number];
  return `${monthKey}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- credit notes

export type CreditNoteResult = { ok: true; id: string; number: string } | { ok: false; message: string };

/**
 * An avoir on an issued invoice: numbered in the régie's own series of credit notes, with
 * its reason, audited, in one transaction. The invoice is locked while the remaining
 * amount is checked, so two agents cannot credit more than it bills.
 */
export async function createCreditNote(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  invoiceId: string,
  c: { amountCents: number; reason: string },
): Promise<CreditNoteResult> {
  const reason = c.reason.trim();
  if (reason.length === 0) return { ok: false, message: 'Indiquez le motif de l’avoir.' };
  if (reason.length > 500) return { ok: false, message: 'Le motif de l’avoir ne doit pas dépasser 500 caractères.' };
  return withTransaction(ctx.pool, async (db) => {
    const invoice = await invoices.lockInvoice(db, townId, invoiceId);
    if (!invoice) throw new NotFoundError();
    const check = creditNoteCheck(invoice.totalCents, invoice.creditsCents, c.amountCents);
    if (!check.ok) return check;
    const now = ctx.clock.now();
    const issuedOn = parisDay(now);
    const year = Number(issuedOn.slice(0, 4));
    const regie = await tariffs.findRegie(db, townId, invoice.regieId);
    if (!regie) throw new NotFoundError();
    const seq = await invoices.takeNumbers(db, townId, invoice.regieId, 'credit_note', year, 1);
    const number = creditNoteNumber(regie.code, year, seq);
    const id = await invoices.insertCreditNote(db, {
      townId,
      regieId: invoice.regieId,
      invoiceId,
      numberYear: year,
      numberSeq: seq,
      number,
      amountCents: c.amountCents,
      reason,
      issuedOn,
      agentId: actor.agentId,
      actorLabel: actor.actorLabel,
    });
    await audit(db, {
      townId,
      ...actor,
      action: 'credit_note.create',
      targetType: 'invoice',
      targetId: invoiceId,
      details: { creditNote: number, invoice: invoice.number, amountCents: c.amountCents, reason },
      at: now,
    });
    return { ok: true, id, number };
  });
}

// ---------------------------------------------------------------- the recap's price

/**
 * The recap's price for a family's draft (src/features/billing/recap-price.ts), read from
 * the same rows the invoicing reads: the activity's tariffs, the family's QF history, its
 * postal code and the children's enrolments (sibling ranks).
 */
export async function priceDraft(ctx: ServiceContext, townId: string, familyId: string, draft: DraftChanges): Promise<ChildRecapPrice[]> {
  return (await priceDraftWithSurcharge(ctx, townId, familyId, draft)).prices;
}

/** priceDraft, with the town's surcharge for unbooked days that it read on the way (the recap states it). */
async function priceDraftWithSurcharge(
  ctx: ServiceContext,
  townId: string,
  familyId: string,
  draft: DraftChanges,
): Promise<{ prices: ChildRecapPrice[]; surchargeBp: number }> {
  const days = draft.children.flatMap((c) => [...c.added, ...c.cancelled]).sort();
  const from = days[0];
  const to = days[days.length - 1];
  if (!from || !to) {
    const settings = await tariffs.getBillingSettings(ctx.pool, townId);
    return { prices: recapPrice(draft, emptyPricing()), surchargeBp: settings.unreservedSurchargeBp };
  }
  // Five reads that need nothing of each other: at once, the recap waits for the slowest
  // rather than the sum (it was five round trips one after the other).
  const [settings, byActivity, quotients, [family], spans] = await Promise.all([
    tariffs.getBillingSettings(ctx.pool, townId),
    tariffs.listTariffs(ctx.pool, townId, [draft.activityId]),
    tariffs.listQuotients(ctx.pool, townId, [familyId]),
    invoices.listFamiliesForBilling(ctx.pool, townId, [familyId]),
    invoices.listEnrolmentSpans(ctx.pool, townId, [draft.activityId], [familyId], from, to),
  ]);
  if (!family) throw new NotFoundError();
  const prices = recapPrice(draft, {
    tariffs: byActivity,
    quotients: quotients.get(familyId) ?? [],
    resident: isResident(family.postalCode, settings.residentPostalCodes),
    surchargeBp: settings.unreservedSurchargeBp,
    rank: rankFrom(spans),
  });
  return { prices, surchargeBp: settings.unreservedSurchargeBp };
}

function emptyPricing(): FamilyPricing {
  return { tariffs: new Map(), quotients: [], resident: true, surchargeBp: 0, rank: () => 1 };
}

// ---------------------------------------------------------------- bill-sim: the recap's price section

const surchargeWords = (bp: number): string | null => (bp > 0 ? formatBp(bp) : null);

export type RecapPriceView = (
  | { priced: true; children: Map<string, ChildRecapPrice>; totalCents: number }
  /** A day to price has no tariff in force: the recap says "Tarif non communiqué" rather than 0. */
  | { priced: false }
) & {
  /** The town's surcharge for a day attended without a booking ("30 %"), null if none: the recap states it. */
  surcharge: string | null;
};

/**
 * The price of the reservation recap's lines (reservation-recap.controller.ts), per child:
 * the days to book (a waiting-list day is billed only once a place is given, so it is left
 * out) and the days cancelled in time, with `priceDraft`, the invoice's own rules.
 */
export async function recapPriceOf(
  ctx: ServiceContext,
  townId: string,
  familyId: string,
  activityId: string,
  lines: readonly {
    enrolment: { childId: string };
    book: readonly { day: string; full?: boolean }[];
    cancel: readonly { day: string; reservation?: { status: 'booked' | 'waiting'; confirmed: boolean } }[];
  }[],
): Promise<RecapPriceView> {
  const draft: DraftChanges = {
    activityId,
    children: lines.map((l) => ({
      childId: l.enrolment.childId,
      added: l.book.filter((s) => !s.full).map((s) => s.day),
      // Only what invoicing would bill is saved by cancelling: a waiting-list day or a booking
      // still awaiting the agent's confirmation was never going on an invoice.
      cancelled: l.cancel.filter((s) => s.reservation?.status === 'booked' && s.reservation.confirmed).map((s) => s.day),
    })),
  };
  try {
    const { prices, surchargeBp } = await priceDraftWithSurcharge(ctx, townId, familyId, draft);
    return {
      priced: true,
      children: new Map(prices.map((p) => [p.childId, p])),
      totalCents: prices.reduce((s, p) => s + p.netCents, 0),
      surcharge: surchargeWords(surchargeBp),
    };
  } catch (err) {
    if (err instanceof MissingTariffError) {
      return { priced: false, surcharge: surchargeWords((await tariffs.getBillingSettings(ctx.pool, townId)).unreservedSurchargeBp) };
    }
    throw err;
  }
}
