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
}

/** A new payment and its invoices, in the caller's transaction. */
export async function insertPayment(db: Queryable, p: NewPayment): Promise<Payment> {
  const amount = p.invoices.reduce((sum, i) => sum + i.amountCents, 0);
  const { rows } = await db.query<Payment>(
    `insert into payments as p (town_id, regie_id, family_id, account_id, provider, method, amount_cents, status, reference, note, agent_id, actor_label)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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

export interface PaymentEvent {
  townId: string;
  paymentId: string | null;
  provider: string;
  channel: 'notification' | 'return' | 'check' | 'agent';
  outcome: 'applied' | 'replay' | 'forged' | 'mismatch' | 'unknown' | 'waiting' | 'error';
  status?: string | null;
  detail?: string;
  remoteAddress?: string | null;
}

/** One line of a payment's trail (notifications, returns, checks), forged ones included. */
export async function recordPaymentEvent(db: Queryable, e: PaymentEvent): Promise<void> {
  await db.query(
    `insert into payment_events (town_id, payment_id, provider, channel, outcome, status, detail, remote_address)
     values ($1, $2, $3, $4, $5, $6, left($7, 2000), $8)`,
    [e.townId, e.paymentId, e.provider, e.channel, e.outcome, e.status ?? null, e.detail ?? '', e.remoteAddress ?? null],
  );
}
