import type { Queryable } from '../db/pool.js';
import { ACCOUNT_COLUMNS, type Account } from './accounts.repository.js';
import { AGENT_COLUMNS, type Agent } from './agents.repository.js';

/** A stored session as express-session wrote it, with the parent or agent it names, read at the same time. */
export interface StoredSession {
  sess: Record<string, unknown>;
  /** The signed-in parent the session names, if it names one and the account still exists. */
  account: Account | null;
  /** The signed-in agent the session names, if it names one and the agent still exists. */
  agent: Agent | null;
}

/** A session's id field as a uuid, or null: a value that is not one must not fail the whole read. */
const uuidOf = (field: string) =>
  `case when s.sess->>'${field}' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (s.sess->>'${field}')::uuid end`;

// Rows come back as arrays: the account's and the agent's columns share names (id, email…), so
// each part is found after its marker column.
const READ = `select s.sess, null as "account:", a.*, null as "agent:", g.*
    from session s
    left join lateral (select ${ACCOUNT_COLUMNS} from accounts
                        where id = ${uuidOf('accountId')} and town_id = ${uuidOf('townId')}) a on true
    left join lateral (select ${AGENT_COLUMNS} from agents
                        where id = ${uuidOf('agentId')} and town_id = ${uuidOf('townId')}) g on true
   where s.sid = $1 and s.expire >= to_timestamp($2)`;

function part<T>(names: string[], values: unknown[], from: number, to: number): T | null {
  const row: Record<string, unknown> = {};
  for (let i = from; i < to; i++) row[names[i]!] = values[i];
  return row.id === null || row.id === undefined ? null : (row as T); // no id: the join found no row
}

/**
 * The unexpired session `sid` and, in the same statement, the account or agent it is signed in
 * as: one round trip per request instead of two (docs/performance.md). `nowSeconds` is the
 * expiry's reference, as connect-pg-simple's own read takes it.
 */
export async function readSessionWithPrincipal(db: Queryable, sid: string, nowSeconds: number): Promise<StoredSession | undefined> {
  const { rows, fields } = await db.query<unknown[]>({ text: READ, values: [sid, nowSeconds], rowMode: 'array' });
  const values = rows[0];
  if (!values) return undefined;
  const names = fields.map((f) => f.name);
  const accountAt = names.indexOf('account:') + 1;
  const agentAt = names.indexOf('agent:') + 1;
  const sess = values[0];
  if (typeof sess !== 'object' || sess === null) return undefined; // not a session express-session wrote
  return {
    sess: sess as Record<string, unknown>,
    account: part<Account>(names, values, accountAt, agentAt - 1),
    agent: part<Agent>(names, values, agentAt, names.length),
  };
}
