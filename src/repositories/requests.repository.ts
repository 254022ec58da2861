import type { Queryable } from '../db/pool.js';
import type { RequestActor, RequestStatus } from '../features/requests/request-state.js';
import { personName } from '../lib/french.js';

/**
 * Requests (demandes), their history, their conversation and attachments. Every query
 * filters on the town; the parent's reads also filter on what the parent may see
 * (`ParentScope`), so a request of another family is simply not found.
 */

export type RequestType =
  | 'child_update'
  | 'add_member'
  | 'contact_change'
  | 'reservation'
  | 'absence'
  | 'enrolment'
  | 'invoice_contest'
  | 'quotient_declaration'
  | 'renewal'
  | 'school_enrolment'
  | 'town_form'
  | 'town_message';

export interface RequestRow {
  id: string;
  townId: string;
  familyId: string | null;
  accountId: string | null;
  childId: string | null;
  type: RequestType;
  status: RequestStatus;
  summary: string;
  payload: Record<string, unknown>;
  outcome: Record<string, unknown>;
  agentId: string | null;
  createdAt: Date;
  updatedAt: Date;
  decidedAt: Date | null;
}

const COLUMNS = `r.id, r.town_id as "townId", r.family_id as "familyId", r.account_id as "accountId", r.child_id as "childId",
  r.type, r.status, r.summary, r.payload, r.outcome, r.agent_id as "agentId", r.created_at as "createdAt",
  r.updated_at as "updatedAt", r.decided_at as "decidedAt"`;

/**
 * What a signed-in parent may see: the requests they made, and those of their family file
 * except the types that are personal (a change of one parent's contact details is not the
 * other parent's business — separated parents may share a file).
 */
export interface ParentScope {
  accountId: string;
  /** Only when the account is validated and linked to a family file. */
  familyId: string | null;
}

// A contested invoice line: the invoice may be one separated parent's own (split invoicing).
// A QF declaration carries the declarant's CAF attestation (their income, their household):
// only the QF an agent accepts from it is the family's.
export const PERSONAL_TYPES: readonly RequestType[] = ['contact_change', 'invoice_contest', 'quotient_declaration'];

/** The SQL condition of a ParentScope on alias `r`, with its parameters starting at `$n`. */
function scopeSql(scope: ParentScope, n: number): { sql: string; params: unknown[] } {
  return {
    sql: `(r.account_id = $${n} or (r.family_id = $${n + 1}::uuid and r.type <> all($${n + 2}::text[])))`,
    params: [scope.accountId, scope.familyId, PERSONAL_TYPES],
  };
}

export interface NewRequest {
  townId: string;
  familyId: string | null;
  accountId: string | null;
  childId?: string | null;
  type: RequestType;
  status: RequestStatus;
  summary: string;
  payload: Record<string, unknown>;
  now: Date;
}

export async function insertRequest(db: Queryable, r: NewRequest): Promise<RequestRow> {
  const { rows } = await db.query<RequestRow>(
    `insert into requests as r (town_id, family_id, account_id, child_id, type, status, summary, payload, created_at, updated_at, decided_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, case when $6 in ('accepted', 'refused') then $9::timestamptz end)
     returning ${COLUMNS}`,
    [r.townId, r.familyId, r.accountId, r.childId ?? null, r.type, r.status, r.summary, r.payload, r.now],
  );
  return rows[0]!;
}

/**
 * A new request and its first history line in one statement (a request is never without it):
 * one round trip instead of two on every request a parent makes, VALIDER's included.
 */
export async function insertRequestWithEvent(
  db: Queryable,
  r: NewRequest,
  e: Pick<NewEvent, 'actor' | 'accountId' | 'agentId' | 'actorLabel' | 'comment'>,
): Promise<RequestRow> {
  const { rows } = await db.query<RequestRow>(
    `with inserted as (
       insert into requests as r (town_id, family_id, account_id, child_id, type, status, summary, payload, created_at, updated_at, decided_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, case when $6 in ('accepted', 'refused') then $9::timestamptz end)
       returning ${COLUMNS}
     ), event as (
       insert into request_events (town_id, request_id, from_status, to_status, actor_kind, account_id, agent_id, actor_label, comment, created_at)
       select $1, inserted.id, null, $6, $10, $11, $12, $13, $14, $9 from inserted
     )
     select * from inserted`,
    [
      r.townId,
      r.familyId,
      r.accountId,
      r.childId ?? null,
      r.type,
      r.status,
      r.summary,
      r.payload,
      r.now,
      e.actor,
      e.accountId,
      e.agentId,
      e.actorLabel,
      e.comment,
    ],
  );
  return rows[0]!;
}

/** Locks the request for a transition: two agents clicking at once are applied one after the other. */
export async function lockRequest(db: Queryable, townId: string, id: string): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>(`select ${COLUMNS} from requests r where r.town_id = $1 and r.id = $2 for update`, [
    townId,
    id,
  ]);
  return rows[0];
}

export async function updateRequestStatus(
  db: Queryable,
  townId: string,
  id: string,
  change: { status: RequestStatus; agentId: string | null; outcome?: Record<string, unknown>; now: Date },
): Promise<void> {
  await db.query(
    `update requests set status = $3, agent_id = coalesce($4, agent_id), outcome = outcome || $5::jsonb, updated_at = $6,
       decided_at = case when $3 in ('accepted', 'refused') then $6::timestamptz end
      where town_id = $1 and id = $2`,
    [townId, id, change.status, change.agentId, change.outcome ?? {}, change.now],
  );
}

export async function touchRequest(db: Queryable, townId: string, id: string, now: Date): Promise<void> {
  await db.query(`update requests set updated_at = $3 where town_id = $1 and id = $2`, [townId, id, now]);
}

export interface NewEvent {
  townId: string;
  requestId: string;
  from: RequestStatus | null;
  to: RequestStatus;
  actor: RequestActor;
  accountId: string | null;
  agentId: string | null;
  actorLabel: string;
  comment: string;
  now: Date;
}

export async function insertEvent(db: Queryable, e: NewEvent): Promise<void> {
  await db.query(
    `insert into request_events (town_id, request_id, from_status, to_status, actor_kind, account_id, agent_id, actor_label, comment, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [e.townId, e.requestId, e.from, e.to, e.actor, e.accountId, e.agentId, e.actorLabel, e.comment, e.now],
  );
}

export interface RequestEvent {
  id: number;
  from: RequestStatus | null;
  to: RequestStatus;
  actor: RequestActor;
  accountId: string | null;
  actorLabel: string;
  comment: string;
  createdAt: Date;
}

export async function listEvents(db: Queryable, townId: string, requestId: string): Promise<RequestEvent[]> {
  const { rows } = await db.query<RequestEvent>(
    `select id, from_status as "from", to_status as "to", actor_kind as actor, account_id as "accountId", actor_label as "actorLabel", comment,
            created_at as "createdAt"
       from request_events where town_id = $1 and request_id = $2 order by id`,
    [townId, requestId],
  );
  return rows;
}

// ---------------------------------------------------------------- the parent's side

export async function findRequestForParent(db: Queryable, townId: string, scope: ParentScope, id: string): Promise<RequestRow | undefined> {
  const s = scopeSql(scope, 3);
  const { rows } = await db.query<RequestRow>(`select ${COLUMNS} from requests r where r.town_id = $1 and r.id = $2 and ${s.sql}`, [
    townId,
    id,
    ...s.params,
  ]);
  return rows[0];
}

export interface ParentRequestListRow extends RequestRow {
  unread: number;
  messageCount: number;
}

/** "Dernières demandes": newest first. */
export async function listRequestsForParent(
  db: Queryable,
  townId: string,
  scope: ParentScope,
  limit: number,
  offset = 0,
): Promise<{ rows: ParentRequestListRow[]; total: number }> {
  const s = scopeSql(scope, 4);
  const { rows } = await db.query<ParentRequestListRow & { total: number }>(
    `select ${COLUMNS},
            (select count(*)::int from request_messages m where m.request_id = r.id and m.author_kind = 'agent' and m.read_at is null) as unread,
            (select count(*)::int from request_messages m where m.request_id = r.id) as "messageCount",
            count(*) over ()::int as total
       from requests r
      where r.town_id = $1 and ${s.sql}
      order by r.created_at desc, r.id
      limit $2 offset $3`,
    [townId, limit, offset, ...s.params],
  );
  return { rows: rows.map(({ total: _t, ...r }) => r), total: rows[0]?.total ?? 0 };
}

export async function countUnreadForParent(db: Queryable, townId: string, scope: ParentScope): Promise<number> {
  const s = scopeSql(scope, 2);
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from request_messages m join requests r on r.id = m.request_id
      where r.town_id = $1 and m.author_kind = 'agent' and m.read_at is null and ${s.sql}`,
    [townId, ...s.params],
  );
  return rows[0]!.n;
}

export interface InboxRow {
  id: string;
  requestId: string;
  requestSummary: string;
  requestStatus: RequestStatus;
  authorLabel: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

/** "Échanges à lire": the services' messages to the family, unread first, then newest first. */
export async function listInboxForParent(
  db: Queryable,
  townId: string,
  scope: ParentScope,
  limit: number,
  offset = 0,
): Promise<{ rows: InboxRow[]; total: number }> {
  const s = scopeSql(scope, 4);
  const { rows } = await db.query<InboxRow & { total: number }>(
    `select m.id, r.id as "requestId", r.summary as "requestSummary", r.status as "requestStatus", m.author_label as "authorLabel",
            m.body, m.created_at as "createdAt", m.read_at as "readAt", count(*) over ()::int as total
       from request_messages m join requests r on r.id = m.request_id
      where r.town_id = $1 and m.author_kind = 'agent' and ${s.sql}
      order by (m.read_at is null) desc, m.created_at desc, m.id
      limit $2 offset $3`,
    [townId, limit, offset, ...s.params],
  );
  return { rows: rows.map(({ total: _t, ...r }) => r), total: rows[0]?.total ?? 0 };
}

/** Opening a request marks the services' messages on it read (once: the first reading is kept). */
export async function markAgentMessagesRead(db: Queryable, townId: string, requestId: string, now: Date): Promise<number> {
  const { rowCount } = await db.query(
    `update request_messages set read_at = $3 where town_id = $1 and request_id = $2 and author_kind = 'agent' and read_at is null`,
    [townId, requestId, now],
  );
  return rowCount ?? 0;
}

// ---------------------------------------------------------------- messages and attachments

export interface NewMessage {
  townId: string;
  requestId: string;
  author: 'parent' | 'agent';
  accountId: string | null;
  agentId: string | null;
  authorLabel: string;
  body: string;
  now: Date;
}

export async function insertMessage(db: Queryable, m: NewMessage): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into request_messages (town_id, request_id, author_kind, account_id, agent_id, author_label, body, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [m.townId, m.requestId, m.author, m.accountId, m.agentId, m.authorLabel, m.body, m.now],
  );
  return rows[0]!.id;
}

export interface AttachmentInfo {
  id: string;
  messageId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

export interface RequestMessage {
  id: string;
  author: 'parent' | 'agent';
  accountId: string | null;
  authorLabel: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
  attachments: AttachmentInfo[];
}

export async function listMessages(db: Queryable, townId: string, requestId: string): Promise<RequestMessage[]> {
  const { rows } = await db.query<Omit<RequestMessage, 'attachments'>>(
    `select id, author_kind as author, account_id as "accountId", author_label as "authorLabel", body, created_at as "createdAt",
            read_at as "readAt"
       from request_messages where town_id = $1 and request_id = $2 order by created_at, id`,
    [townId, requestId],
  );
  const files = await listAttachments(db, townId, requestId);
  return rows.map((m) => ({ ...m, attachments: files.filter((f) => f.messageId === m.id) }));
}

export async function insertAttachment(
  db: Queryable,
  a: {
    townId: string;
    requestId: string;
    messageId: string;
    position: number;
    fileName: string;
    contentType: string;
    size: number;
    sha256: string;
    content: Buffer;
    now: Date;
  },
): Promise<void> {
  await db.query(
    `insert into request_attachments (town_id, request_id, message_id, position, file_name, content_type, size_bytes, sha256, content, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [a.townId, a.requestId, a.messageId, a.position, a.fileName, a.contentType, a.size, a.sha256, a.content, a.now],
  );
}

export async function listAttachments(db: Queryable, townId: string, requestId: string): Promise<AttachmentInfo[]> {
  const { rows } = await db.query<AttachmentInfo>(
    `select id, message_id as "messageId", file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes"
       from request_attachments where town_id = $1 and request_id = $2 order by message_id, position`,
    [townId, requestId],
  );
  return rows;
}

/** One attachment of one request (the caller has already checked who may see the request). */
export async function getAttachment(
  db: Queryable,
  townId: string,
  requestId: string,
  id: string,
): Promise<(AttachmentInfo & { content: Buffer }) | undefined> {
  const { rows } = await db.query<AttachmentInfo & { content: Buffer }>(
    `select id, message_id as "messageId", file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes", content
       from request_attachments where town_id = $1 and request_id = $2 and id = $3`,
    [townId, requestId, id],
  );
  return rows[0];
}

// ---------------------------------------------------------------- the agents' side

export async function findRequest(db: Queryable, townId: string, id: string): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>(`select ${COLUMNS} from requests r where r.town_id = $1 and r.id = $2`, [townId, id]);
  return rows[0];
}

export interface QueueFilters {
  types: RequestType[];
  statuses: RequestStatus[];
  /** Matched, without case or accents, against the family file's name and the author's names. */
  search: string;
}

export interface QueueRow {
  id: string;
  type: RequestType;
  status: RequestStatus;
  summary: string;
  createdAt: Date;
  updatedAt: Date;
  familyName: string | null;
  authorName: string | null;
  agentName: string | null;
  /** Messages from the family since the services last wrote (or since the request was made). */
  newFromFamily: number;
}

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The queue's filters as SQL, on `requests r`, from parameter $2 (types), $3 (statuses) and $4 (search). */
const QUEUE_WHERE = `r.town_id = $1
          and (cardinality($2::text[]) = 0 or r.type = any($2::text[]))
          and (cardinality($3::text[]) = 0 or r.status = any($3::text[]))
          and ($4::text is null
               or exists (select 1 from families f where f.id = r.family_id and fold_text(f.name) like fold_text($4))
               or exists (select 1 from accounts a where a.id = r.account_id
                            and (fold_text(a.last_name) like fold_text($4) or fold_text(a.first_names || ' ' || a.last_name) like fold_text($4))))`;

/** The queue: oldest first, so nobody waits behind newer requests. */
export async function listQueue(
  db: Queryable,
  townId: string,
  filters: QueueFilters,
  limit: number,
  offset: number,
): Promise<{ rows: QueueRow[]; total: number }> {
  const filterParams = [townId, filters.types, filters.statuses, filters.search ? likePattern(filters.search) : null];
  // The count apart from the page: counted in the page's query (`count(*) over ()`), every
  // request waiting would be read and sorted to show 50 (4,600 in a large town, 10 ms); apart,
  // the page walks requests_to_process_idx (migration 0040) in order and stops at 50, and the
  // count reads requests_open_idx alone.
  const [{ rows }, count] = await Promise.all([
    db.query<Omit<QueueRow, 'authorName'> & { authorFirstNames: string | null; authorLastName: string | null }>(
      // The page of requests first: joined before the limit, every open request of a large
      // town would be joined to its family and author.
      `with page as (
         select r.id, r.type, r.status, r.summary, r.created_at, r.updated_at, r.family_id, r.account_id, r.agent_id
           from requests r
          where ${QUEUE_WHERE}
          order by r.created_at, r.id
          limit $5 offset $6
       )
       select p.id, p.type, p.status, p.summary, p.created_at as "createdAt", p.updated_at as "updatedAt",
              f.name as "familyName",
              a.first_names as "authorFirstNames", a.last_name as "authorLastName",
              g.display_name as "agentName",
              (select count(*)::int from request_messages m
                where m.request_id = p.id and m.author_kind = 'parent'
                  and m.created_at > coalesce((select max(m2.created_at) from request_messages m2
                                                where m2.request_id = p.id and m2.author_kind = 'agent'), '-infinity')) as "newFromFamily"
         from page p
         left join families f on f.id = p.family_id
         left join accounts a on a.id = p.account_id
         left join agents g on g.id = p.agent_id
        order by p.created_at, p.id`,
      [...filterParams, limit, offset],
    ),
    db.query<{ n: number }>(`select count(*)::int as n from requests r where ${QUEUE_WHERE}`, filterParams),
  ]);
  return {
    rows: rows.map(({ authorFirstNames, authorLastName, ...r }) => ({
      ...r,
      authorName: authorFirstNames === null || authorLastName === null ? null : personName(authorFirstNames, authorLastName),
    })),
    total: count.rows[0]!.n,
  };
}

/** Per type and status, for the queue's summary table and the agents' home. */
export async function countByTypeAndStatus(
  db: Queryable,
  townId: string,
): Promise<{ type: RequestType; status: RequestStatus; n: number }[]> {
  const { rows } = await db.query<{ type: RequestType; status: RequestStatus; n: number }>(
    `select type, status, count(*)::int as n from requests where town_id = $1 and status not in ('accepted', 'refused')
      group by type, status`,
    [townId],
  );
  return rows;
}

export async function countToProcess(db: Queryable, townId: string, type?: RequestType): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from requests where town_id = $1 and status in ('sent', 'in_progress') and ($2::text is null or type = $2)`,
    [townId, type ?? null],
  );
  return rows[0]!.n;
}

/** A child's requests the parent may see, newest first (the child's page lists them). */
export async function listChildRequestsForParent(
  db: Queryable,
  townId: string,
  scope: ParentScope,
  childId: string,
  limit: number,
): Promise<RequestRow[]> {
  const s = scopeSql(scope, 4);
  const { rows } = await db.query<RequestRow>(
    `select ${COLUMNS} from requests r where r.town_id = $1 and r.child_id = $2 and ${s.sql} order by r.created_at desc, r.id limit $3`,
    [townId, childId, limit, ...s.params],
  );
  return rows;
}
