import type { Queryable } from '../db/pool.js';

/**
 * The built-in demonstration bank's own books (migrations/0020_builtin_bank.sql): what it
 * was asked to take and what the family decided on its page. Only the built-in provider and
 * its bank page read or write them; the portal's payments are never touched here.
 */

export type BankDecision = 'paid' | 'refused' | 'abandoned';

export interface BankOperation {
  id: string;
  townId: string;
  paymentId: string;
  reference: string;
  amountCents: number;
  label: string;
  returnPath: string;
  decision: BankDecision | null;
  decidedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, town_id as "townId", payment_id as "paymentId", reference, amount_cents as "amountCents", label,
  return_path as "returnPath", decision, decided_at as "decidedAt", created_at as "createdAt"`;

export async function insertBankOperation(
  db: Queryable,
  o: { id: string; townId: string; paymentId: string; reference: string; amountCents: number; label: string; returnPath: string; at: Date },
): Promise<void> {
  await db.query(
    `insert into builtin_bank_operations (id, town_id, payment_id, reference, amount_cents, label, return_path, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [o.id, o.townId, o.paymentId, o.reference, o.amountCents, o.label, o.returnPath, o.at],
  );
}

export async function findBankOperation(db: Queryable, id: string): Promise<BankOperation | undefined> {
  const { rows } = await db.query<BankOperation>(`select ${COLUMNS} from builtin_bank_operations where id = $1`, [id]);
  return rows[0];
}

/** The operation opened for a payment of the town (the bank page's URL names the payment). */
export async function findBankOperationOfPayment(db: Queryable, townId: string, paymentId: string): Promise<BankOperation | undefined> {
  const { rows } = await db.query<BankOperation>(`select ${COLUMNS} from builtin_bank_operations where town_id = $1 and payment_id = $2`, [
    townId,
    paymentId,
  ]);
  return rows[0];
}

/**
 * Records the family's decision, once: a second click (or a second tab) finds it decided and
 * changes nothing. Returns the operation as it now stands.
 */
export async function decideBankOperation(
  db: Queryable,
  townId: string,
  id: string,
  decision: BankDecision,
  at: Date,
): Promise<{ changed: boolean; operation: BankOperation | undefined }> {
  const { rows } = await db.query<BankOperation>(
    `update builtin_bank_operations set decision = $3, decided_at = $4
      where town_id = $1 and id = $2 and decision is null
      returning ${COLUMNS}`,
    [townId, id, decision, at],
  );
  if (rows[0]) return { changed: true, operation: rows[0] };
  const { rows: current } = await db.query<BankOperation>(`select ${COLUMNS} from builtin_bank_operations where town_id = $1 and id = $2`, [
    townId,
    id,
  ]);
  return { changed: false, operation: current[0] };
}
