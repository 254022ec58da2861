import type { Queryable } from '../db/pool.js';

/** The audit log: rows are added (through lib/audit.ts, which names the actions) and read, one town at a time; never changed. */

export interface AuditRow {
  id: number;
  createdAt: Date;
  agentId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditFilter {
  action: string | null;
  agentId: string | null;
  /** Inclusive lower bound. */
  from: Date | null;
  /** Exclusive upper bound. */
  to: Date | null;
}

/** Newest first, with the number of rows the filter matches. */
export async function listAuditRows(
  db: Queryable,
  townId: string,
  filter: AuditFilter,
  limit: number,
  offset: number,
): Promise<{ rows: AuditRow[]; total: number }> {
  const where = `town_id = $1 and ($2::text is null or action = $2) and ($3::uuid is null or agent_id = $3)
    and ($4::timestamptz is null or created_at >= $4) and ($5::timestamptz is null or created_at < $5)`;
  const params = [townId, filter.action, filter.agentId, filter.from, filter.to];
  const [list, count] = await Promise.all([
    db.query<AuditRow>(
      `select id, created_at as "createdAt", agent_id as "agentId", actor_label as "actorLabel", action,
              target_type as "targetType", target_id as "targetId", details, ip
         from audit_log where ${where}
        order by created_at desc, id desc
        limit $6 offset $7`,
      [...params, limit, offset],
    ),
    db.query<{ n: number }>(`select count(*)::int as n from audit_log where ${where}`, params),
  ]);
  return { rows: list.rows, total: count.rows[0]!.n };
}

/** The most recent rows of the town, for the agents' home page. */
export async function recentAuditRows(db: Queryable, townId: string, limit: number): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `select id, created_at as "createdAt", agent_id as "agentId", actor_label as "actorLabel", action,
            target_type as "targetType", target_id as "targetId", details, ip
       from audit_log where town_id = $1 order by created_at desc, id desc limit $2`,
    [townId, limit],
  );
  return rows;
}

/** The details of the latest row of an action on a target: what an allocation read, for its replay (enrolment.service.ts). */
export async function latestAuditDetails(
  db: Queryable,
  townId: string,
  action: string,
  targetId: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<{ details: Record<string, unknown> }>(
    `select details from audit_log where town_id = $1 and action = $2 and target_id = $3 order by created_at desc, id desc limit 1`,
    [townId, action, targetId],
  );
  return rows[0]?.details;
}

/** A row to add; `action` is one of lib/audit.ts's AUDIT_ACTIONS. */
export interface NewAuditRow {
  townId: string;
  agentId: string | null;
  actorLabel: string;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
  at: Date;
}

/** One statement whatever the number of rows (an import writes one per family it creates). */
export async function insertAuditRows(db: Queryable, rows: NewAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `insert into audit_log (town_id, agent_id, actor_label, action, target_type, target_id, details, ip, created_at)
     select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::timestamptz[])`,
    [
      rows.map((e) => e.townId),
      rows.map((e) => e.agentId),
      rows.map((e) => e.actorLabel),
      rows.map((e) => e.action),
      rows.map((e) => e.targetType ?? null),
      rows.map((e) => e.targetId ?? null),
      rows.map((e) => JSON.stringify(e.details ?? {})),
      rows.map((e) => e.ip ?? null),
      rows.map((e) => e.at),
    ],
  );
}
