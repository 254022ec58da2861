import type { Queryable } from '../db/pool.js';
import {
  PAYMENT_COLUMNS,
  type Payment,
  type PaymentEventChannel,
  type PaymentEventOutcome,
  type PaymentMethod,
  type PaymentProviderName,
  type PaymentStatus,
} from './payments.repository.js';

/**
 * What the back-office reads of payments (issue 15, the agents' side): the payments of a
 * period with the invoices each settled, their totals, one payment's trail, what the daily
 * reconciliation lists, and what the town hall's counter needs (the family's unpaid invoices,
 * locked while a payment is recorded, and the methods the counter takes). Every query filters
 * on the town. Payments are created and settled by payments.repository.ts only.
 */

export interface PaymentInvoiceRef {
  id: string;
  number: string;
  /** False: this payment did not mark it paid (another payment had, or a debit was rejected). */
  applied: boolean;
}

export type PaymentListRow = Payment & { familyName: string; regieName: string; invoices: PaymentInvoiceRef[] };

/** The payment's day: when it was paid, or ended (refused, abandoned, failed), or started for one still open (migration 0023's index). */
const PAYMENT_INSTANT = 'coalesce(p.paid_at, p.settled_at, p.created_at)';

/** The payments of these ids with their family, régie and invoices, in the ids' order. */
async function listRows(db: Queryable, townId: string, ids: string[]): Promise<PaymentListRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<PaymentListRow>(
    `select ${PAYMENT_COLUMNS}, f.name as "familyName", r.name as "regieName",
            coalesce((select json_agg(json_build_object('id', i.id, 'number', i.number, 'applied', pi.applied) order by i.number)
                        from payment_invoices pi join invoices i on i.town_id = pi.town_id and i.id = pi.invoice_id
                       where pi.town_id = p.town_id and pi.payment_id = p.id), '[]'::json) as invoices
       from unnest($2::uuid[]) with ordinality as o (id, n)
       join payments p on p.town_id = $1 and p.id = o.id
       join families f on f.town_id = p.town_id and f.id = p.family_id
       join regies r on r.town_id = p.town_id and r.id = p.regie_id
      order by o.n`,
    [townId, ids],
  );
  return rows;
}

export interface PaymentSearch {
  /** The period, `from` included, `to` excluded (the Paris days' bounds). */
  from: Date;
  to: Date;
  providers?: PaymentProviderName[];
  method?: PaymentMethod;
  statuses?: PaymentStatus[];
  familyId?: string;
}

const SEARCH_WHERE = `p.town_id = $1 and ${PAYMENT_INSTANT} >= $2 and ${PAYMENT_INSTANT} < $3
  and ($4::text[] is null or p.provider = any($4)) and ($5::text is null or p.method = $5)
  and ($6::text[] is null or p.status = any($6)) and ($7::uuid is null or p.family_id = $7)`;

const searchParams = (townId: string, s: PaymentSearch) => [
  townId,
  s.from,
  s.to,
  s.providers ?? null,
  s.method ?? null,
  s.statuses ?? null,
  s.familyId ?? null,
];

/** The town's payments of a period, newest first, a page at a time (limit null: all of them, for the CSV). */
export async function searchPayments(
  db: Queryable,
  townId: string,
  s: PaymentSearch,
  limit: number | null,
  offset: number,
): Promise<{ rows: PaymentListRow[]; total: number }> {
  const { rows } = await db.query<{ id: string; total: number }>(
    `select p.id, count(*) over ()::int as total from payments p
      where ${SEARCH_WHERE}
      order by ${PAYMENT_INSTANT} desc, p.id
      limit $8 offset $9`,
    [...searchParams(townId, s), limit, offset],
  );
  if (rows.length === 0 && offset > 0) {
    const count = await searchPayments(db, townId, s, 1, 0);
    return { rows: [], total: count.total };
  }
  return {
    rows: await listRows(
      db,
      townId,
      rows.map((r) => r.id),
    ),
    total: rows[0]?.total ?? 0,
  };
}

export interface PaidTotalRow {
  /** 'YYYY-MM-DD', the Paris day it was paid. */
  day: string;
  provider: PaymentProviderName;
  method: PaymentMethod;
  count: number;
  amountCents: number;
}

/**
 * What was paid in the period, by day, provider and method, among the payments the search
 * finds (only paid ones count: money actually received). `timeZone` is the calendar's
 * (src/lib/calendar PARIS), so a payment at 00:30 in Paris counts on its French day.
 */
export async function paidTotals(db: Queryable, townId: string, s: PaymentSearch, timeZone: string): Promise<PaidTotalRow[]> {
  const { rows } = await db.query<PaidTotalRow>(
    `select (p.paid_at at time zone $8)::date as day, p.provider, p.method, count(*)::int as count, sum(p.amount_cents)::bigint as "amountCents"
       from payments p
      where ${SEARCH_WHERE} and p.status = 'paid'
      group by 1, 2, 3
      order by 1 desc, 2, 3`,
    [...searchParams(townId, s), timeZone],
  );
  return rows;
}

// ---------------------------------------------------------------- one payment

export type PaymentDetail = Payment & { familyName: string; regieName: string; regieCode: string };

export async function findPaymentDetail(db: Queryable, townId: string, paymentId: string): Promise<PaymentDetail | undefined> {
  const { rows } = await db.query<PaymentDetail>(
    `select ${PAYMENT_COLUMNS}, f.name as "familyName", r.name as "regieName", r.code as "regieCode"
       from payments p
       join families f on f.town_id = p.town_id and f.id = p.family_id
       join regies r on r.town_id = p.town_id and r.id = p.regie_id
      where p.town_id = $1 and p.id = $2`,
    [townId, paymentId],
  );
  return rows[0];
}

export interface PaymentInvoiceLine {
  id: string;
  number: string;
  month: string;
  /** What the invoice owed when the payment started (what this payment carries for it). */
  amountCents: number;
  applied: boolean;
  invoiceStatus: 'issued' | 'paid';
}

export async function listPaymentInvoices(db: Queryable, townId: string, paymentId: string): Promise<PaymentInvoiceLine[]> {
  const { rows } = await db.query<PaymentInvoiceLine>(
    `select i.id, i.number, i.month, pi.amount_cents as "amountCents", pi.applied, i.status as "invoiceStatus"
       from payment_invoices pi join invoices i on i.town_id = pi.town_id and i.id = pi.invoice_id
      where pi.town_id = $1 and pi.payment_id = $2
      order by i.number`,
    [townId, paymentId],
  );
  return rows;
}

export interface PaymentEventRow {
  id: number;
  paymentId: string | null;
  provider: string;
  channel: PaymentEventChannel;
  outcome: PaymentEventOutcome;
  status: string | null;
  detail: string;
  remoteAddress: string | null;
  createdAt: Date;
}

const EVENT_COLUMNS = `e.id, e.payment_id as "paymentId", e.provider, e.channel, e.outcome, e.status, e.detail,
  e.remote_address as "remoteAddress", e.created_at as "createdAt"`;

/** A payment's trail, oldest first. */
export async function listPaymentEvents(db: Queryable, townId: string, paymentId: string): Promise<PaymentEventRow[]> {
  const { rows } = await db.query<PaymentEventRow>(
    `select ${EVENT_COLUMNS} from payment_events e where e.town_id = $1 and e.payment_id = $2 order by e.created_at, e.id`,
    [townId, paymentId],
  );
  return rows;
}

// ---------------------------------------------------------------- the daily reconciliation

/**
 * Payments not settled yet (still at the provider, or never sent), oldest first: whatever the
 * day looked at, they are open now, and the oldest are the ones to look into.
 */
export async function listOpenPayments(db: Queryable, townId: string): Promise<PaymentListRow[]> {
  const { rows } = await db.query<{ id: string }>(
    `select p.id from payments p where p.town_id = $1 and p.status in ('created', 'pending')
      order by p.created_at, p.id limit 500`,
    [townId],
  );
  return listRows(
    db,
    townId,
    rows.map((r) => r.id),
  );
}

/** Payments refused, abandoned or failed in the period. */
export async function listFailedPayments(db: Queryable, townId: string, from: Date, to: Date): Promise<PaymentListRow[]> {
  const { rows } = await db.query<{ id: string }>(
    `select p.id from payments p
      where p.town_id = $1 and p.status in ('refused', 'abandoned', 'failed') and p.settled_at >= $2 and p.settled_at < $3
      order by p.settled_at, p.id limit 500`,
    [townId, from, to],
  );
  return listRows(
    db,
    townId,
    rows.map((r) => r.id),
  );
}

/** Payments received in the period with an invoice another payment had already paid: money to give back. */
export async function listPaidTwice(db: Queryable, townId: string, from: Date, to: Date): Promise<PaymentListRow[]> {
  const { rows } = await db.query<{ id: string }>(
    `select p.id from payments p
      where p.town_id = $1 and p.status = 'paid' and p.paid_at >= $2 and p.paid_at < $3
        and exists (select 1 from payment_invoices pi where pi.town_id = p.town_id and pi.payment_id = p.id and not pi.applied)
      order by p.paid_at, p.id limit 500`,
    [townId, from, to],
  );
  return listRows(
    db,
    townId,
    rows.map((r) => r.id),
  );
}

export interface RejectedDebit {
  paymentId: string;
  batchId: string;
  invoiceId: string;
  invoiceNumber: string;
  familyId: string;
  familyName: string;
  amountCents: number;
  rejectCode: string;
  rejectedAt: Date;
}

/** Direct debits the bank rejected (R-transactions) in the period. */
export async function listRejectedDebits(db: Queryable, townId: string, from: Date, to: Date): Promise<RejectedDebit[]> {
  const { rows } = await db.query<RejectedDebit>(
    `select d.payment_id as "paymentId", d.batch_id as "batchId", d.invoice_id as "invoiceId", i.number as "invoiceNumber",
            i.family_id as "familyId", f.name as "familyName", d.amount_cents as "amountCents", d.reject_code as "rejectCode",
            d.rejected_at as "rejectedAt"
       from direct_debit_items d
       join invoices i on i.town_id = d.town_id and i.id = d.invoice_id
       join families f on f.town_id = i.town_id and f.id = i.family_id
      where d.town_id = $1 and d.rejected_at >= $2 and d.rejected_at < $3
      order by d.rejected_at, i.number limit 500`,
    [townId, from, to],
  );
  return rows;
}

/**
 * Notifications, returns and checks of the period that went wrong: forged, not matching, unknown,
 * the provider unreachable — or the provider saying paid a payment the portal had already closed
 * (a replay whose status is 'paid' on a payment that is not: money taken, invoices still to pay).
 */
export async function listAlertEvents(db: Queryable, townId: string, from: Date, to: Date): Promise<PaymentEventRow[]> {
  const { rows } = await db.query<PaymentEventRow>(
    `select ${EVENT_COLUMNS} from payment_events e
      where e.town_id = $1 and e.created_at >= $2 and e.created_at < $3
        and (e.outcome in ('forged', 'mismatch', 'unknown', 'error')
             or (e.outcome = 'replay' and e.status = 'paid'
                 and exists (select 1 from payments p where p.town_id = e.town_id and p.id = e.payment_id and p.status <> 'paid')))
      order by e.created_at, e.id limit 500`,
    [townId, from, to],
  );
  return rows;
}

// ---------------------------------------------------------------- the counter

export interface UnpaidInvoice {
  id: string;
  regieId: string;
  regieName: string;
  number: string;
  month: string;
  issuedOn: string;
  dueOn: string;
  totalCents: number;
  creditsCents: number;
  /** What it owes: its total less its credit notes. */
  owedCents: number;
  status: 'issued' | 'paid';
  /** Every line is childcare ('garde'): the only invoices a CESU may pay. */
  childcareOnly: boolean;
  /** A payment of it is under way elsewhere (the family at the bank, a debit sent): taking money now may take it twice. */
  paymentUnderWay: boolean;
}

const UNPAID_COLUMNS = `i.id, i.regie_id as "regieId", r.name as "regieName", i.number, i.month, i.issued_on as "issuedOn", i.due_on as "dueOn", i.total_cents as "totalCents",
  c.credits as "creditsCents", (i.total_cents - c.credits)::bigint as "owedCents", i.status,
  coalesce((select bool_and(l.category = 'garde') from invoice_lines l where l.town_id = i.town_id and l.invoice_id = i.id), false) as "childcareOnly",
  exists (select 1 from payment_invoices pi join payments p on p.town_id = pi.town_id and p.id = pi.payment_id
           where pi.town_id = i.town_id and pi.invoice_id = i.id and p.status in ('created', 'pending')) as "paymentUnderWay"`;

const UNPAID_FROM = `invoices i
  join regies r on r.town_id = i.town_id and r.id = i.regie_id
  cross join lateral (select coalesce(sum(cn.amount_cents), 0)::bigint as credits from credit_notes cn
                       where cn.town_id = i.town_id and cn.invoice_id = i.id) c`;

/** The family's invoices that still owe something, the oldest due first. */
export async function listUnpaidInvoices(db: Queryable, townId: string, familyId: string): Promise<UnpaidInvoice[]> {
  const { rows } = await db.query<UnpaidInvoice>(
    `select ${UNPAID_COLUMNS} from ${UNPAID_FROM}
      where i.town_id = $1 and i.family_id = $2 and i.status = 'issued' and i.total_cents - c.credits > 0
      order by i.due_on, i.number`,
    [townId, familyId],
  );
  return rows;
}

/**
 * These invoices of the family, locked until the transaction ends (paid or not): a payment
 * recorded at the counter and one arriving online for the same invoice are decided one after
 * the other. Ids of another family or town are simply not returned.
 */
export async function lockFamilyInvoices(db: Queryable, townId: string, familyId: string, ids: string[]): Promise<UnpaidInvoice[]> {
  await db.query(`select 1 from invoices where town_id = $1 and family_id = $2 and id = any($3::uuid[]) order by id for update`, [
    townId,
    familyId,
    ids,
  ]);
  const { rows } = await db.query<UnpaidInvoice>(
    `select ${UNPAID_COLUMNS} from ${UNPAID_FROM}
      where i.town_id = $1 and i.family_id = $2 and i.id = any($3::uuid[])
      order by i.due_on, i.number`,
    [townId, familyId, ids],
  );
  return rows;
}

export type CounterMethod = 'cash' | 'cheque' | 'cesu' | 'card';

/** What the town hall's counter accepts (the migration's default for a town without settings). */
export async function getCounterMethods(db: Queryable, townId: string): Promise<CounterMethod[]> {
  const { rows } = await db.query<{ methods: CounterMethod[] }>(
    `select coalesce(s.counter_methods, '{cash,cheque}') as methods from towns t left join billing_settings s on s.town_id = t.id where t.id = $1`,
    [townId],
  );
  return rows[0]?.methods ?? ['cash', 'cheque'];
}

export async function saveCounterMethods(db: Queryable, townId: string, methods: CounterMethod[], now: Date): Promise<void> {
  await db.query(
    `insert into billing_settings (town_id, counter_methods, updated_at) values ($1, $2, $3)
     on conflict (town_id) do update set counter_methods = excluded.counter_methods, updated_at = excluded.updated_at`,
    [townId, methods, now],
  );
}
