import type { Queryable } from '../db/pool.js';

/** The host's operators (ADR 0024): no town, their own sign-in. */
export interface Operator {
  id: string;
  username: string;
  displayName: string;
  disabledAt: Date | null;
}

const COLUMNS = `id, username, display_name as "displayName", disabled_at as "disabledAt"`;

export async function insertOperator(db: Queryable, o: { username: string; displayName: string; passwordHash: string }): Promise<Operator> {
  const { rows } = await db.query<Operator>(
    `insert into operators (username, display_name, password_hash) values ($1, $2, $3) returning ${COLUMNS}`,
    [o.username, o.displayName, o.passwordHash],
  );
  return rows[0]!;
}

export async function findOperatorById(db: Queryable, id: string): Promise<Operator | undefined> {
  const { rows } = await db.query<Operator>(`select ${COLUMNS} from operators where id = $1`, [id]);
  return rows[0];
}

export async function findOperatorCredentials(db: Queryable, username: string): Promise<(Operator & { passwordHash: string }) | undefined> {
  const { rows } = await db.query<Operator & { passwordHash: string }>(
    `select ${COLUMNS}, password_hash as "passwordHash" from operators where username = $1`,
    [username],
  );
  return rows[0];
}

export async function recordOperatorSignIn(db: Queryable, id: string, at: Date, newHash?: string): Promise<void> {
  await db.query(`update operators set last_sign_in_at = $2, password_hash = coalesce($3, password_hash) where id = $1`, [
    id,
    at,
    newHash ?? null,
  ]);
}

export type OperatorAction =
  'operator.create' | 'operator.sign_in' | 'operator.sign_in_failed' | 'operator.sign_out' | 'town.create' | 'town.export' | 'town.remove';

export async function insertOperatorEvent(
  db: Queryable,
  e: {
    operatorId: string | null;
    actorLabel: string;
    action: OperatorAction;
    townSlug?: string | null;
    details?: Record<string, unknown>;
    ip?: string | null;
    at: Date;
  },
): Promise<void> {
  await db.query(
    `insert into operator_events (operator_id, actor_label, action, town_slug, details, ip, created_at) values ($1, $2, $3, $4, $5, $6, $7)`,
    [e.operatorId, e.actorLabel, e.action, e.townSlug ?? null, e.details ?? {}, e.ip ?? null, e.at],
  );
}
