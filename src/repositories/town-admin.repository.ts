import type { Queryable } from '../db/pool.js';
import type { PasswordPolicy } from './towns.repository.js';

/**
 * The host's side of towns (issue 20): creating one, reading all of one town's rows for its
 * export, removing one. The export and the removal find a town's tables in the catalogue
 * (every base table with a `town_id` column) rather than from a list kept here: a table added
 * by a later migration is exported and checked without anyone remembering this file.
 */

export interface TownSummary {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
  families: number;
  accounts: number;
  agents: number;
}

export async function insertTown(
  db: Queryable,
  t: { slug: string; name: string; passwordPolicy: PasswordPolicy; deadlineRules: Record<string, unknown> },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into towns (slug, name, password_policy, deadline_rules) values ($1, $2, $3, $4) returning id`,
    [t.slug, t.name, t.passwordPolicy, t.deadlineRules],
  );
  return rows[0]!.id;
}

/** The town's first legal texts (version 1), which sign-up asks families to accept. */
export async function insertFirstTexts(db: Queryable, townId: string, texts: { cgu: string; mentionsLegales: string }): Promise<void> {
  await db.query(`insert into town_texts (town_id, kind, version, body) values ($1, 'cgu', 1, $2), ($1, 'mentions_legales', 1, $3)`, [
    townId,
    texts.cgu,
    texts.mentionsLegales,
  ]);
}

export async function listTownSummaries(db: Queryable): Promise<TownSummary[]> {
  const { rows } = await db.query<TownSummary>(
    `select t.id, t.slug, t.name, t.created_at as "createdAt",
            (select count(*) from families f where f.town_id = t.id)::int as families,
            (select count(*) from accounts a where a.town_id = t.id)::int as accounts,
            (select count(*) from agents g where g.town_id = t.id)::int as agents
       from towns t order by t.name, t.slug`,
  );
  return rows;
}

export interface TableColumns {
  table: string;
  columns: { name: string; type: string }[];
}

/**
 * Every base table of the public schema that holds a town's data: `towns` itself, then the
 * tables with a `town_id` column, by name. Each with its columns in their order.
 */
export async function townTables(db: Queryable): Promise<TableColumns[]> {
  const { rows } = await db.query<{ table: string; name: string; type: string }>(
    `select c.table_name as table, c.column_name as name, c.data_type as type
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and (c.table_name = 'towns' or exists (
          select 1 from information_schema.columns k
           where k.table_schema = 'public' and k.table_name = c.table_name and k.column_name = 'town_id'))
      order by c.table_name <> 'towns', c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, TableColumns>();
  for (const r of rows) {
    let t = tables.get(r.table);
    if (!t) tables.set(r.table, (t = { table: r.table, columns: [] }));
    t.columns.push({ name: r.name, type: r.type });
  }
  return [...tables.values()];
}

// Names come from the catalogue, never from a user; quoted all the same.
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const townFilter = (table: string) => (table === 'towns' ? 'id = $1' : 'town_id = $1');

export async function countTownRows(db: Queryable, table: string, townId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${ident(table)} where ${townFilter(table)}`, [townId]);
  return rows[0]!.n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A cursor over a table's rows for the town, in the caller's transaction: one pass whatever the
 * table's size (pages by offset or by key would read a large table again for each page). Each
 * column comes as its text form (null stays null); a `bytea` column gives its size instead of
 * its bytes, which are read one by one (`readTownBytes`). DECLARE takes no bind parameter: the
 * town's id, a uuid checked here, is written into the statement.
 */
export async function openTownCursor(db: Queryable, cursor: string, t: TableColumns, townId: string): Promise<void> {
  if (!UUID.test(townId)) throw new Error('not a town id');
  const select = t.columns.map((c) => (c.type === 'bytea' ? `octet_length(${ident(c.name)})::text` : `${ident(c.name)}::text`));
  const filter = townFilter(t.table).replace('$1', `'${townId}'::uuid`);
  await db.query(
    `declare ${ident(cursor)} no scroll cursor for
       select ctid::text as ctid, array[${select.join(', ')}]::text[] as v from ${ident(t.table)} where ${filter}`,
  );
}

export async function fetchTownCursor(
  db: Queryable,
  cursor: string,
  count: number,
): Promise<{ ctid: string; values: (string | null)[] }[]> {
  const { rows } = await db.query<{ ctid: string; v: (string | null)[] }>(`fetch forward ${Math.trunc(count)} from ${ident(cursor)}`);
  return rows.map((r) => ({ ctid: r.ctid, values: r.v }));
}

export async function closeTownCursor(db: Queryable, cursor: string): Promise<void> {
  await db.query(`close ${ident(cursor)}`);
}

/** One stored file's bytes, by the row's ctid in the export's snapshot. */
export async function readTownBytes(db: Queryable, table: string, column: string, townId: string, ctid: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ b: Buffer | null }>(
    `select ${ident(column)} as b from ${ident(table)} where ${townFilter(table)} and ctid = $2::tid`,
    [townId, ctid],
  );
  return rows[0]?.b ?? null;
}

/**
 * Removes a town. What names it without a foreign key goes first: its sessions (a signed-in
 * parent or agent would otherwise keep a session naming a town that is gone), its mails (the
 * outbox keeps town_id `on delete set null` for mails of no town: a removed town's mails must
 * not be sent, and they hold addresses), its sign-in counters and rate limits. Then the town's
 * row: every table with town_id references it `on delete cascade` (checked by the tests), so
 * one statement removes the rest. Returns false when no such town.
 */
export async function deleteTown(db: Queryable, townId: string): Promise<boolean> {
  await db.query(`delete from session where sess::jsonb ->> 'townId' = $1::text`, [townId]);
  await db.query(`delete from mail_outbox where town_id = $1::uuid`, [townId]);
  await db.query(
    `delete from sign_in_throttle
      where key like 'unknown:' || $1::text || ':%'
         or key in (select 'parent:' || id from accounts where town_id = $1::uuid
                    union all select 'agent:' || id from agents where town_id = $1::uuid)`,
    [townId],
  );
  await db.query(`delete from rate_limits where position($1::text in key) > 0`, [townId]);
  const { rowCount } = await db.query(`delete from towns where id = $1`, [townId]);
  return (rowCount ?? 0) > 0;
}

/** Serialises the removals and creations of one slug (the transaction's own lock). */
export async function lockTownSlug(db: Queryable, slug: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtext('town-admin:' || $1))`, [slug]);
}
