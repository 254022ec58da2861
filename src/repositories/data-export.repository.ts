import type { Queryable } from '../db/pool.js';

/**
 * What "Télécharger mes données" reads (GDPR art. 15): the account, and — when the
 * account is linked to a family file — that file's data. Rows come as JSON (`to_jsonb`),
 * so columns other features add later are exported without touching this file; the
 * columns that are secrets are removed in SQL and again by `withoutSecrets`. Tables of
 * features that may not exist yet are guarded with `to_regclass`. Every query filters on
 * the town and on this account or this family: nothing of another family can come out.
 */
export type Json = Record<string, unknown>;

export interface ExportScope {
  townId: string;
  accountId: string;
  /** Only when the account may see its family (validated and linked). */
  familyId: string | null;
}

/** Keys never exported, whatever table they are in: credentials, not personal data. */
const SECRET_KEY = /password|token|secret|cle_enfance|hash$/i;

export function withoutSecrets(row: Json): Json {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !SECRET_KEY.test(key)));
}

async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`public.${table}`]);
  return rows[0]!.ok;
}

async function jsonRows(db: Queryable, sql: string, params: unknown[]): Promise<Json[]> {
  const { rows } = await db.query<{ row: Json }>(sql, params);
  return rows.map((r) => withoutSecrets(r.row));
}

/**
 * The town's rows of a table a later migration adds (none while the table does not exist
 * yet): `where` and `orderBy` name the row `x`; `$1` is always the town.
 */
async function jsonRowsIfTable(db: Queryable, table: string, where: string, orderBy: string, params: unknown[]): Promise<Json[]> {
  if (!(await tableExists(db, table))) return [];
  return jsonRows(db, `select to_jsonb(x) as row from ${table} x where x.town_id = $1 and ${where} order by ${orderBy}`, params);
}

export interface AccountExport {
  account: Json;
  photo: { content: Buffer; type: string } | null;
}

export async function exportAccount(db: Queryable, scope: ExportScope): Promise<AccountExport> {
  const { rows } = await db.query<{ row: Json; photo: Buffer | null; photo_type: string | null }>(
    `select to_jsonb(a) - 'password_hash' - 'photo' as row, a.photo, a.photo_type
       from accounts a where a.town_id = $1 and a.id = $2`,
    [scope.townId, scope.accountId],
  );
  const row = rows[0];
  if (!row) throw new Error('account not found for export');
  return { account: withoutSecrets(row.row), photo: row.photo && row.photo_type ? { content: row.photo, type: row.photo_type } : null };
}

export interface FamilyExport {
  family: Json | null;
  children: Json[];
  /** The other adults of the file: who they are, nothing more (their contact details are theirs). */
  adults: Json[];
  authorisedPersons: Json[];
  enrolments: Json[];
  reservations: Json[];
  reservationSubmissions: Json[];
}

export async function exportFamily(db: Queryable, scope: ExportScope): Promise<FamilyExport> {
  const empty: FamilyExport = {
    family: null,
    children: [],
    adults: [],
    authorisedPersons: [],
    enrolments: [],
    reservations: [],
    reservationSubmissions: [],
  };
  if (!scope.familyId) return empty;
  const p = [scope.townId, scope.familyId];
  const [family] = await jsonRows(db, `select to_jsonb(f) as row from families f where f.town_id = $1 and f.id = $2`, p);
  const children = await jsonRows(
    db,
    `select to_jsonb(c) as row from children c where c.town_id = $1 and c.family_id = $2 order by c.birth_date nulls last, c.first_names`,
    p,
  );
  // The town's record of the file's adults (where that table exists), plus the accounts
  // linked to the file that this record does not list.
  const accountAdult = `jsonb_build_object('civility', a.civility, 'last_name', a.last_name, 'first_names', a.first_names,
                                             'has_account', true, 'is_me', a.id = $3::uuid)`;
  const adults = (await tableExists(db, 'family_adults'))
    ? await jsonRows(
        db,
        `select row from (
           select jsonb_build_object('civility', fa.civility, 'last_name', fa.last_name, 'first_names', fa.first_names,
                                     'has_account', fa.account_id is not null,
                                     'is_me', fa.account_id is not distinct from $3::uuid) as row, fa.created_at
             from family_adults fa where fa.town_id = $1 and fa.family_id = $2
           union all
           select ${accountAdult} as row, a.created_at
             from accounts a
            where a.town_id = $1 and a.family_id = $2 and a.disabled_at is null
              and not exists (select 1 from family_adults fa where fa.town_id = $1 and fa.family_id = $2 and fa.account_id = a.id)
         ) adults order by created_at`,
        [...p, scope.accountId],
      )
    : await jsonRows(
        db,
        `select ${accountAdult} as row from accounts a
          where a.town_id = $1 and a.family_id = $2 and a.disabled_at is null order by a.created_at`,
        [...p, scope.accountId],
      );
  const childrenOf = `select c.id from children c where c.town_id = $1 and c.family_id = $2`;
  const authorisedPersons = await jsonRowsIfTable(
    db,
    'child_authorised_persons',
    `x.child_id in (${childrenOf})`,
    'x.child_id, x.position',
    p,
  );
  const enrolments = await jsonRowsIfTable(db, 'enrolments', `x.child_id in (${childrenOf})`, 'x.child_id', p);
  const reservations = await jsonRowsIfTable(db, 'reservations', `x.child_id in (${childrenOf})`, 'x.day, x.child_id', p);
  const reservationSubmissions = await jsonRowsIfTable(db, 'reservation_submissions', `x.family_id = $2`, 'x.created_at', p);
  return { family: family ?? null, children, adults, authorisedPersons, enrolments, reservations, reservationSubmissions };
}

export interface AttachmentRef {
  id: string;
  requestId: string;
  position: number;
  fileName: string;
}

export interface RequestsExport {
  requests: Json[];
  events: Json[];
  messages: Json[];
  /** Metadata in the JSON; the bytes are fetched one at a time while the ZIP streams. */
  attachments: Json[];
  attachmentRefs: AttachmentRef[];
}

/** The requests the family (or, without one, the account) made, with their history and conversation. */
const REQUESTS_OF = `select r.id from requests r where r.town_id = $1 and (r.account_id = $2 or ($3::uuid is not null and r.family_id = $3::uuid))`;

export async function exportRequests(db: Queryable, scope: ExportScope): Promise<RequestsExport> {
  const none: RequestsExport = { requests: [], events: [], messages: [], attachments: [], attachmentRefs: [] };
  if (!(await tableExists(db, 'requests'))) return none;
  const p = [scope.townId, scope.accountId, scope.familyId];
  const requests = await jsonRows(db, `select to_jsonb(r) as row from requests r where r.id in (${REQUESTS_OF}) order by r.created_at`, p);
  const events = await jsonRowsIfTable(db, 'request_events', `x.request_id in (${REQUESTS_OF})`, 'x.request_id, x.id', p);
  const messages = await jsonRowsIfTable(db, 'request_messages', `x.request_id in (${REQUESTS_OF})`, 'x.created_at', p);
  let attachments: Json[] = [];
  let attachmentRefs: AttachmentRef[] = [];
  if (await tableExists(db, 'request_attachments')) {
    attachments = await jsonRows(
      db,
      `select to_jsonb(x) - 'content' as row from request_attachments x
        where x.town_id = $1 and x.request_id in (${REQUESTS_OF}) order by x.request_id, x.message_id, x.position`,
      p,
    );
    attachmentRefs = attachments.map((a) => ({
      id: String(a.id),
      requestId: String(a.request_id),
      position: Number(a.position),
      fileName: String(a.file_name),
    }));
  }
  return { requests, events, messages, attachments, attachmentRefs };
}

/** One request attachment's bytes, still checked against the same scope. */
export async function requestAttachmentContent(db: Queryable, scope: ExportScope, attachmentId: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ content: Buffer }>(
    `select x.content from request_attachments x where x.town_id = $1 and x.id = $4 and x.request_id in (${REQUESTS_OF})`,
    [scope.townId, scope.accountId, scope.familyId, attachmentId],
  );
  return rows[0]?.content;
}
