import type { Queryable } from '../db/pool.js';

export interface Agent {
  id: string;
  townId: string;
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  role: 'agent' | 'admin';
  /** The password was chosen by an admin: the agent must choose their own before anything else. */
  mustChangePassword: boolean;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  failedSignIns: number;
  lastFailedSignInAt: Date | null;
  lockedUntil: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, town_id as "townId", username, display_name as "displayName", email, password_hash as "passwordHash", role,
  must_change_password as "mustChangePassword",
  disabled_at as "disabledAt", last_sign_in_at as "lastSignInAt", failed_sign_ins as "failedSignIns",
  last_failed_sign_in_at as "lastFailedSignInAt", locked_until as "lockedUntil", created_at as "createdAt"`;

/** The columns of `Agent`, for the session store's read of the session with its agent (sessions.repository.ts). */
export const AGENT_COLUMNS = COLUMNS;

export async function insertAgent(
  db: Queryable,
  a: {
    townId: string;
    username: string;
    displayName: string;
    email?: string | null;
    passwordHash: string;
    role: Agent['role'];
    mustChangePassword?: boolean;
  },
): Promise<Agent> {
  const { rows } = await db.query<Agent>(
    `insert into agents (town_id, username, display_name, email, password_hash, role, must_change_password)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
    [a.townId, a.username, a.displayName, a.email ?? null, a.passwordHash, a.role, a.mustChangePassword ?? false],
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

/**
 * A new password hash; `mustChange` says whether the agent must replace it at their next
 * sign-in (an admin chose it). A reset also lifts a lock: the owner has a new password.
 */
export async function setAgentPassword(
  db: Queryable,
  townId: string,
  id: string,
  passwordHash: string,
  mustChange: boolean,
): Promise<void> {
  await db.query(
    `update agents set password_hash = $3, must_change_password = $4, failed_sign_ins = 0, last_failed_sign_in_at = null,
            locked_until = null, updated_at = now()
      where town_id = $1 and id = $2`,
    [townId, id, passwordHash, mustChange],
  );
}

/** Ends every session of an agent at once (disabling, password change), but `keepSid`'s if given. */
export async function deleteAgentSessions(db: Queryable, agentId: string, keepSid?: string): Promise<void> {
  await db.query(`delete from session where (sess::jsonb ->> 'agentId') = $1 and sid is distinct from $2`, [agentId, keepSid ?? null]);
}
