import type { Queryable } from '../db/pool.js';

export interface Agent {
  id: string;
  townId: string;
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  role: 'agent' | 'admin';
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  failedSignIns: number;
  lastFailedSignInAt: Date | null;
  lockedUntil: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, town_id as "townId", username, display_name as "displayName", email, password_hash as "passwordHash", role,
  disabled_at as "disabledAt", last_sign_in_at as "lastSignInAt", failed_sign_ins as "failedSignIns",
  last_failed_sign_in_at as "lastFailedSignInAt", locked_until as "lockedUntil", created_at as "createdAt"`;

export async function insertAgent(
  db: Queryable,
  a: { townId: string; username: string; displayName: string; email?: string | null; passwordHash: string; role: Agent['role'] },
): Promise<Agent> {
  const { rows } = await db.query<Agent>(
    `insert into agents (town_id, username, display_name, email, password_hash, role) values ($1, $2, $3, $4, $5, $6) returning ${COLUMNS}`,
    [a.townId, a.username, a.displayName, a.email ?? null, a.passwordHash, a.role],
  );
  return rows[0]!;
}

export async function findAgentById(db: Queryable, townId: string, id: string): Promise<Agent | undefined> {
  const { rows } = await db.query<Agent>(`select ${COLUMNS} from agents where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

export async function findAgentByUsername(db: Queryable, townId: string, username: string): Promise<Agent | undefined> {
  const { rows } = await db.query<Agent>(`select ${COLUMNS} from agents where town_id = $1 and lower(username) = lower($2)`, [
    townId,
    username,
  ]);
  return rows[0];
}

export async function listAgents(db: Queryable, townId: string): Promise<Agent[]> {
  const { rows } = await db.query<Agent>(
    `select ${COLUMNS} from agents where town_id = $1 order by disabled_at nulls first, lower(display_name)`,
    [townId],
  );
  return rows;
}

export async function recordAgentSignIn(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(
    `update agents set last_sign_in_at = $2, failed_sign_ins = 0, last_failed_sign_in_at = null, locked_until = null where id = $1`,
    [id, now],
  );
}

export async function setAgentDisabled(db: Queryable, townId: string, id: string, disabledAt: Date | null): Promise<boolean> {
  const { rowCount } = await db.query(`update agents set disabled_at = $3, updated_at = now() where town_id = $1 and id = $2`, [
    townId,
    id,
    disabledAt,
  ]);
  return (rowCount ?? 0) > 0;
}

/** Ends every session of an agent at once (disabling, password change). */
export async function deleteAgentSessions(db: Queryable, agentId: string): Promise<void> {
  await db.query(`delete from session where (sess::jsonb ->> 'agentId') = $1`, [agentId]);
}
