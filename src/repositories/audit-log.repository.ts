import type { Queryable } from '../db/pool.js';

/** Reading the audit log (writing is lib/audit.ts). Rows of one town only; nothing here changes them. */

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
