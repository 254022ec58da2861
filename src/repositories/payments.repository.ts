import type { Queryable } from '../db/pool.js';

/**
 * Payments and the invoices they settle (migrations/0019_payments.sql). Every path that
 * takes money — online providers, the town hall's counter, direct debit — creates its payment
 * with `insertPayment` and moves it with `settlePayment`, which is the one place where an
 * invoice becomes paid, exactly once. Every query filters on the town.
 */

export type PaymentProviderName = 'builtin' | 'payfip' | 'counter' | 'direct_debit';
export type PaymentMethod = 'card' | 'cash' | 'cheque' | 'cesu' | 'direct_debit';
export type PaymentStatus = 'created' | 'pending' | 'paid' | 'refused' | 'abandoned' | 'failed';
export type FinalStatus = 'paid' | 'refused' | 'abandoned' | 'failed';

export interface Payment {
  id: string;
  townId: string;
  regieId: string;
  familyId: string;
  accountId: string | null;
  provider: PaymentProviderName;
  method: PaymentMethod;
  amountCents: number;
  status: PaymentStatus;
  reference: string;
  providerPaymentId: string | null;
  providerDetails: Record<string, string>;
  failure: string | null;
  note: string | null;
  actorLabel: string | null;
  createdAt: Date;
  paidAt: Date | null;
  settledAt: Date | null;
  lastCheckedAt: Date | null;
  checkAttempts: number;
}

export const PAYMENT_COLUMNS = `p.id, p.town_id as "townId", p.regie_id as "regieId", p.family_id as "familyId", p.account_id as "accountId",
  p.provider, p.method, p.amount_cents as "amountCents", p.status, p.reference, p.provider_payment_id as "providerPaymentId",
  p.provider_details as "providerDetails", p.failure, p.note, p.actor_label as "actorLabel", p.created_at as "createdAt",
  p.paid_at as "paidAt", p.settled_at as "settledAt", p.last_checked_at as "lastCheckedAt", p.check_attempts as "checkAttempts"`;

export interface NewPayment {
  townId: string;
  regieId: string;
  familyId: string;
  accountId: string | null;
  provider: PaymentProviderName;
  method: PaymentMethod;
  reference: string;
  /** Each invoice with what it owes now (total less credit notes); the payment's amount is their sum. */
  invoices: { invoiceId: string; amountCents: number }[];
  note?: string | null;
  agentId?: string | null;
  actorLabel?: string | null;
  status?: 'created' | 'pending';
  /** The service's clock (default: the database's): the 20-minute block and the scheduled check count from it. */
  createdAt?: Date;
}

/** A new payment and its invoices, in the caller's transaction. */
export async function insertPayment(db: Queryable, p: NewPayment): Promise<Payment> {
  const amount = p.invoices.reduce((sum, i) => sum + i.amountCents, 0);
  const { rows } = await db.query<Payment>(
    `insert into payments as p (town_id, regie_id, family_id, account_id, provider, method, amount_cents, status, reference, note, agent_id, actor_label,
                                created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now()))
     returning ${PAYMENT_COLUMNS}`,
    [
      p.townId,
      p.regieId,
      p.familyId,
      p.accountId,
      p.provider,
      p.method,
      amount,
      p.status ?? 'created',
      p.reference,
      p.note ?? null,
      p.agentId ?? null,
      p.actorLabel ?? null,
      p.createdAt ?? null,
    ],
  );
  const payment = rows[0]!;
  await db.query(
    `insert into payment_invoices (town_id, payment_id, invoice_id, amount_cents)
     select $1, $2, i.invoice_id, i.amount_cents
       from unnest($3::uuid[], $4::bigint[]) as i (invoice_id, amount_cents)`,
    [p.townId, payment.id, p.invoices.map((i) => i.invoiceId), p.invoices.map((i) => i.amountCents)],
  );
  return payment;
}

export interface Settlement {
  /** True when this call moved the payment (false: it had already reached a final status — a replay). */
  changed: boolean;
  payment: Payment;
  /** The invoices this call marked paid. */
  invoicesPaid: string[];
  /** Invoices of the payment another payment had already paid (paid twice: for the reconciliation). */
  invoicesAlreadyPaid: string[];
}

/**
 * Moves a payment that is still created or pending to its final status, and when it is
 * paid marks its invoices paid — in the caller's transaction, exactly once: the update is
 * guarded by the current status, so a replayed notification, a browser return racing the
 * notification and the scheduled check all find it done and change nothing. Undefined when
 * the payment is not of the town.
 */
export async function settlePayment(
  db: Queryable,
  townId: string,
  paymentId: string,
  outcome: {
    status: FinalStatus;
    at: Date;
    providerDetails?: Record<string, string>;
    failure?: string | null;
  },
): Promise<Settlement | undefined> {
  const { rows } = await db.query<Payment>(
    `update payments p set status = $3, settled_at = $4, paid_at = case when $3 = 'paid' then $4::timestamptz end,
            provider_details = p.provider_details || $5::jsonb, failure = coalesce($6, p.failure)
      where p.town_id = $1 and p.id = $2 and p.status in ('created', 'pending')
      returning ${PAYMENT_COLUMNS}`,
    [townId, paymentId, outcome.status, outcome.at, JSON.stringify(outcome.providerDetails ?? {}), outcome.failure ?? null],
  );
  if (rows.length === 0) {
    const current = await findPayment(db, townId, paymentId);
    return current && { changed: false, payment: current, invoicesPaid: [], invoicesAlreadyPaid: [] };
  }
  const payment = rows[0]!;
  if (outcome.status !== 'paid') return { changed: true, payment, invoicesPaid: [], invoicesAlreadyPaid: [] };
  // Only invoices still unpaid are marked; the others were paid by another payment meanwhile.
  const { rows: paid } = await db.query<{ id: string }>(
    `update invoices i set status = 'paid', paid_at = $3
       from payment_invoices pi
      where pi.town_id = $1 and pi.payment_id = $2 and i.town_id = $1 and i.id = pi.invoice_id and i.status = 'issued'
      returning i.id`,
    [townId, paymentId, outcome.at],
  );
  const invoicesPaid = paid.map((r) => r.id);
  await db.query(`update payment_invoices set applied = true where town_id = $1 and payment_id = $2 and invoice_id = any($3::uuid[])`, [
    townId,
    paymentId,
    invoicesPaid,
  ]);
  const { rows: others } = await db.query<{ invoiceId: string }>(
    `select invoice_id as "invoiceId" from payment_invoices where town_id = $1 and payment_id = $2 and not (invoice_id = any($3::uuid[]))`,
    [townId, paymentId, invoicesPaid],
  );
  return { changed: true, payment, invoicesPaid, invoicesAlreadyPaid: others.map((r) => r.invoiceId) };
}

/**
 * Undoes a paid payment whose money did not arrive after all (a direct debit rejected by
 * the bank): the payment becomes refused and the invoices it had paid are "à payer" again.
 * Exactly once, like `settlePayment`. Returns the invoices reopened.
 */
export async function reversePayment(
  db: Queryable,
  townId: string,
  paymentId: string,
  outcome: { at: Date; failure: string; providerDetails?: Record<string, string> },
): Promise<string[] | undefined> {
  const { rowCount } = await db.query(
    `update payments p set status = 'refused', paid_at = null, settled_at = $3, failure = $4,
            provider_details = p.provider_details || $5::jsonb
      where p.town_id = $1 and p.id = $2 and p.status = 'paid'`,
    [townId, paymentId, outcome.at, outcome.failure, JSON.stringify(outcome.providerDetails ?? {})],
  );
  if (rowCount !== 1) return undefined;
  const { rows } = await db.query<{ invoiceId: string }>(
    `update payment_invoices set applied = false where town_id = $1 and payment_id = $2 and applied returning invoice_id as "invoiceId"`,
    [townId, paymentId],
  );
  const reopened = rows.map((r) => r.invoiceId);
  await db.query(`update invoices set status = 'issued', paid_at = null where town_id = $1 and id = any($2::uuid[]) and status = 'paid'`, [
    townId,
    reopened,
  ]);
  return reopened;
}

/** A payment of the town (undefined for another town's). */
export async function findPayment(db: Queryable, townId: string, paymentId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<Payment>(`select ${PAYMENT_COLUMNS} from payments p where p.town_id = $1 and p.id = $2`, [
    townId,
    paymentId,
  ]);
  return rows[0];
}

/** A payment by the provider's operation id (PayFiP's idOp), within the town. */
export async function findPaymentByProviderId(
  db: Queryable,
  townId: string,
  provider: PaymentProviderName,
  providerPaymentId: string,
): Promise<Payment | undefined> {
  const { rows } = await db.query<Payment>(
    `select ${PAYMENT_COLUMNS} from payments p where p.town_id = $1 and p.provider = $2 and p.provider_payment_id = $3`,
    [townId, provider, providerPaymentId],
  );
  return rows[0];
}

/** Where a line of a payment's trail came from, and what came of it (payment_events' checks). */
export type PaymentEventChannel = 'notification' | 'return' | 'check' | 'agent';
export type PaymentEventOutcome = 'applied' | 'replay' | 'forged' | 'mismatch' | 'unknown' | 'waiting' | 'error';

export interface PaymentEvent {
  townId: string;
  paymentId: string | null;
  provider: string;
  channel: PaymentEventChannel;
  outcome: PaymentEventOutcome;
  status?: string | null;
  detail?: string;
  remoteAddress?: string | null;
  /** From the injected clock: the day's reconciliation lists events by this time. */
  at: Date;
}

/** One line of a payment's trail (notifications, returns, checks), forged ones included. */
export async function recordPaymentEvent(db: Queryable, e: PaymentEvent): Promise<void> {
  await db.query(
    `insert into payment_events (town_id, payment_id, provider, channel, outcome, status, detail, remote_address, created_at)
     values ($1, $2, $3, $4, $5, $6, left($7, 2000), $8, $9)`,
    [e.townId, e.paymentId, e.provider, e.channel, e.outcome, e.status ?? null, e.detail ?? '', e.remoteAddress ?? null, e.at],
  );
}

// ---------------------------------------------------------------- online payments (pay-core)

/** How the town takes online payments, and whether its mandated families are debited instead. */
export async function paymentSettings(
  db: Queryable,
  townId: string,
): Promise<{ provider: 'none' | 'builtin' | 'payfip'; payfipMode: 'T' | 'X' | 'W'; sepaEnabled: boolean }> {
  const { rows } = await db.query<{ provider: 'none' | 'builtin' | 'payfip'; payfipMode: 'T' | 'X' | 'W'; sepaEnabled: boolean }>(
    `select payment_provider as provider, payfip_mode as "payfipMode", sepa_enabled as "sepaEnabled" from billing_settings where town_id = $1`,
    [townId],
  );
  // A town without a settings row has the migration's defaults.
  return rows[0] ?? { provider: 'builtin', payfipMode: 'T', sepaEnabled: false };
}

/** An invoice as a payment needs it: what it owes now (total less credit notes), its régie, its number. */
export interface PayableInvoice {
  id: string;
  regieId: string;
  regieName: string;
  number: string;
  numberYear: number;
  month: string;
  dueOn: string;
  status: 'issued' | 'paid';
  owedCents: number;
  /** A payment still at the provider (created or pending since `since`) that names this invoice. */
  pendingPaymentId: string | null;
}

const PAYABLE_COLUMNS = `i.id, i.regie_id as "regieId", r.name as "regieName", i.number, i.number_year as "numberYear", i.month,
  i.due_on as "dueOn", i.status,
  greatest(0, i.total_cents - coalesce((select sum(cn.amount_cents) from credit_notes cn where cn.invoice_id = i.id), 0))::bigint as "owedCents",
  (select p.id from payment_invoices pi join payments p on p.id = pi.payment_id
    where pi.invoice_id = i.id and p.status in ('created', 'pending') and p.created_at >= $4
    order by p.created_at desc limit 1) as "pendingPaymentId"`;

/**
 * The invoices one parent may pay (the rule of `listFamilyInvoices`: the family's own and
 * their own split ones) among `ids`, locked until the transaction ends so that two payments
 * started at once on the same invoice are decided one after the other.
 */
export async function lockPayableInvoices(
  db: Queryable,
  townId: string,
  viewer: { familyId: string; accountId: string },
  ids: string[],
  since: Date,
): Promise<PayableInvoice[]> {
  await db.query(
    `select 1 from invoices i where i.town_id = $1 and i.family_id = $2 and (not i.split or i.account_id = $3) and i.id = any($4::uuid[])
      order by i.id for update`,
    [townId, viewer.familyId, viewer.accountId, ids],
  );
  const { rows } = await db.query<PayableInvoice>(
    `select ${PAYABLE_COLUMNS} from invoices i join regies r on r.town_id = i.town_id and r.id = i.regie_id
      where i.town_id = $1 and i.family_id = $2 and (not i.split or i.account_id = $3) and i.id = any($5::uuid[])
      order by i.month, i.number`,
    [townId, viewer.familyId, viewer.accountId, since, ids],
  );
  return rows;
}

/** The parent's invoices still to pay (issued, owing something), by régie then month: the "Payer en ligne" page. */
export async function listPayableInvoices(
  db: Queryable,
  townId: string,
  viewer: { familyId: string; accountId: string },
  since: Date,
): Promise<PayableInvoice[]> {
  const { rows } = await db.query<PayableInvoice>(
    `select * from (select ${PAYABLE_COLUMNS} from invoices i join regies r on r.town_id = i.town_id and r.id = i.regie_id
      where i.town_id = $1 and i.family_id = $2 and (not i.split or i.account_id = $3) and i.status = 'issued') x
      where x."owedCents" > 0 order by x."regieName", x.month, x.number`,
    [townId, viewer.familyId, viewer.accountId, since],
  );
  return rows;
}

/** The provider took the payment: it now waits for the family at the provider. */
export async function setPaymentPending(db: Queryable, townId: string, paymentId: string, providerPaymentId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update payments set status = 'pending', provider_payment_id = $3 where town_id = $1 and id = $2 and status = 'created'`,
    [townId, paymentId, providerPaymentId],
  );
  return rowCount === 1;
}

/** A check that got no final answer: counted, so the reconciliation sees payments stuck at the provider. */
export async function markPaymentChecked(db: Queryable, townId: string, paymentId: string, at: Date): Promise<void> {
  await db.query(`update payments set last_checked_at = $3, check_attempts = check_attempts + 1 where town_id = $1 and id = $2`, [
    townId,
    paymentId,
    at,
  ]);
}

/** Online payments still pending that started before `before`, least recently checked first, every town. */
export async function listPaymentsToCheck(db: Queryable, before: Date, limit: number): Promise<Payment[]> {
  const { rows } = await db.query<Payment>(
    `select ${PAYMENT_COLUMNS} from payments p
      where p.status = 'pending' and p.provider in ('builtin', 'payfip') and p.created_at < $1
      order by p.last_checked_at nulls first, p.created_at limit $2`,
    [before, limit],
  );
  return rows;
}

/** Online payments that never reached the provider (the process stopped between the two steps), every town. */
export async function listStaleCreatedPayments(db: Queryable, before: Date, limit: number): Promise<Payment[]> {
  const { rows } = await db.query<Payment>(
    `select ${PAYMENT_COLUMNS} from payments p
      where p.status = 'created' and p.provider in ('builtin', 'payfip') and p.created_at < $1 order by p.created_at limit $2`,
    [before, limit],
  );
  return rows;
}

export interface PaymentInvoiceRow {
  invoiceId: string;
  number: string;
  month: string;
  amountCents: number;
  applied: boolean;
  split: boolean;
  accountId: string | null;
}

/** The invoices a payment settles, in number order. */
export async function listPaymentInvoices(db: Queryable, townId: string, paymentId: string): Promise<PaymentInvoiceRow[]> {
  const { rows } = await db.query<PaymentInvoiceRow>(
    `select pi.invoice_id as "invoiceId", i.number, i.month, pi.amount_cents as "amountCents", pi.applied, i.split, i.account_id as "accountId"
       from payment_invoices pi join invoices i on i.town_id = pi.town_id and i.id = pi.invoice_id
      where pi.town_id = $1 and pi.payment_id = $2 order by i.number_year, i.number_seq`,
    [townId, paymentId],
  );
  return rows;
}

/** The PayFiP client number of the payment's régie (checked against what PayFiP reports). */
export async function regieNumcli(db: Queryable, townId: string, regieId: string): Promise<string | null> {
  const { rows } = await db.query<{ numcli: string | null }>(`select payfip_numcli as numcli from regies where town_id = $1 and id = $2`, [
    townId,
    regieId,
  ]);
  return rows[0]?.numcli ?? null;
}

/** The receipt of a paid invoice: the payment that marked it paid (none while unpaid or paid before payments existed). */
export async function invoiceReceipt(
  db: Queryable,
  townId: string,
  invoiceId: string,
): Promise<{ paymentId: string; paidAt: Date; amountCents: number; reference: string; method: PaymentMethod } | undefined> {
  const { rows } = await db.query<{ paymentId: string; paidAt: Date; amountCents: number; reference: string; method: PaymentMethod }>(
    `select p.id as "paymentId", p.paid_at as "paidAt", pi.amount_cents as "amountCents", p.reference, p.method
       from payment_invoices pi join payments p on p.town_id = pi.town_id and p.id = pi.payment_id
      where pi.town_id = $1 and pi.invoice_id = $2 and pi.applied and p.status = 'paid'`,
    [townId, invoiceId],
  );
  return rows[0];
}

/** A payment's trail, oldest first (or the town's events naming no payment, with `paymentId` null). */
export async function listPaymentEvents(
  db: Queryable,
  townId: string,
  paymentId: string | null,
): Promise<{ channel: string; outcome: string; status: string | null; detail: string }[]> {
  const { rows } = await db.query<{ channel: string; outcome: string; status: string | null; detail: string }>(
    `select channel, outcome, status, detail from payment_events
      where town_id = $1 and payment_id is not distinct from $2 order by created_at, id`,
    [townId, paymentId],
  );
  return rows;
}
