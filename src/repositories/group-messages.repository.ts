import type { Queryable } from '../db/pool.js';

/**
 * Messages to a group of families (issue 19): who a target reaches, the message sent and its
 * recipients. Every query filters on the town: an activity, school or family of another town
 * is never matched.
 */

export type TargetKind = 'activity' | 'site' | 'school' | 'class';
export type DatesKind = 'day' | 'period';

/** A target as the form names it: an activity's or a school's id, a site's name, a school and a class. */
export interface Target {
  kind: TargetKind;
  activityId?: string;
  site?: string;
  schoolId?: string;
  className?: string;
}

export interface RecipientFamily {
  familyId: string;
  familyName: string;
  /** The children through whom the family is reached, "Léa MARTIN, Tom MARTIN". */
  childNames: string;
  /** The validated, active parents' accounts of the family, one per address: each is mailed, each reads the thread. */
  accounts: { email: string; civility: 'M' | 'Mme'; lastName: string }[];
}

/**
 * The families a target reaches over [first, last]. Activity and site: a child booked
 * ('booked', not on the waiting list) on one of those days when `dates` is 'day', a child
 * enrolled over part of the period when it is 'period'. School and class: a child of the
 * school (children keep their school by name, as ACTUALITÉS do) and class today.
 */
export async function findRecipients(
  db: Queryable,
  townId: string,
  target: Target,
  dates: DatesKind,
  first: string,
  last: string,
): Promise<RecipientFamily[]> {
  const { rows } = await db.query<RecipientFamily>(
    `with reached as (
       select c.family_id, c.id as child_id
         from children c
        where c.town_id = $1
          and (
            ($2 in ('activity', 'site') and $8 = 'day' and exists (
               select 1 from reservations r join activities a on a.id = r.activity_id and a.town_id = r.town_id
                where r.town_id = $1 and r.child_id = c.id and r.status = 'booked' and r.day between $6::date and $7::date
                  and (($2 = 'activity' and a.id = $3::uuid) or ($2 = 'site' and a.site = $4))))
            or ($2 in ('activity', 'site') and $8 = 'period' and exists (
               select 1 from enrolments e join activities a on a.id = e.activity_id and a.town_id = e.town_id
                where e.town_id = $1 and e.child_id = c.id and e.start_date <= $7::date and e.end_date >= $6::date
                  and (($2 = 'activity' and a.id = $3::uuid) or ($2 = 'site' and a.site = $4))))
            or ($2 in ('school', 'class') and exists (
               select 1 from schools s where s.town_id = $1 and s.id = $5::uuid and s.name = c.school
                  and ($2 = 'school' or c.class_name = $9)))
          )
     )
     select f.id as "familyId", f.name as "familyName",
            (select string_agg(c.first_names || ' ' || upper(c.last_name), ', ' order by c.first_names)
               from children c where c.id in (select child_id from reached where family_id = f.id)) as "childNames",
            coalesce((select json_agg(json_build_object('email', x.email, 'civility', x.civility, 'lastName', x.last_name) order by x.email)
                        from (select distinct on (a.email) a.email, a.civility, a.last_name from accounts a
                               where a.town_id = $1 and a.family_id = f.id and a.validation_status = 'validated' and a.disabled_at is null
                               order by a.email, a.created_at) x),
                     '[]') as accounts
       from families f
      where f.town_id = $1 and f.id in (select family_id from reached)
      order by f.name, f.id`,
    [
      townId,
      target.kind,
      target.activityId ?? null,
      target.site ?? null,
      target.schoolId ?? null,
      first,
      last,
      dates,
      target.className ?? null,
    ],
  );
  return rows;
}

/** The sites of the town's activities, for the form. */
export async function listSites(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ site: string }>(
    `select distinct site from activities where town_id = $1 and site <> '' order by site`,
    [townId],
  );
  return rows.map((r) => r.site);
}

/** The classes of the town's schools, as the children's files name them. */
export async function listClasses(db: Queryable, townId: string): Promise<{ schoolId: string; schoolName: string; className: string }[]> {
  const { rows } = await db.query<{ schoolId: string; schoolName: string; className: string }>(
    `select distinct s.id as "schoolId", s.name as "schoolName", c.class_name as "className"
       from schools s join children c on c.town_id = s.town_id and c.school = s.name
      where s.town_id = $1 and c.class_name <> ''
      order by s.name, c.class_name`,
    [townId],
  );
  return rows;
}

export interface NewGroupMessage {
  townId: string;
  targetKind: TargetKind;
  targetRef: string;
  targetLabel: string;
  datesKind: DatesKind;
  firstDay: string;
  lastDay: string;
  subject: string;
  body: string;
  agentId: string | null;
  authorLabel: string;
  now: Date;
}

export async function insertGroupMessage(db: Queryable, m: NewGroupMessage): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into group_messages (town_id, target_kind, target_ref, target_label, dates_kind, first_day, last_day, subject, body,
                                 agent_id, author_label, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id`,
    [
      m.townId,
      m.targetKind,
      m.targetRef,
      m.targetLabel,
      m.datesKind,
      m.firstDay,
      m.lastDay,
      m.subject,
      m.body,
      m.agentId,
      m.authorLabel,
      m.now,
    ],
  );
  return rows[0]!.id;
}

export interface NewRecipient {
  familyId: string;
  familyName: string;
  requestId: string;
  emails: string[];
  mailIds: string[];
}

/** Every recipient in one statement, whatever their number. */
export async function insertRecipients(db: Queryable, townId: string, messageId: string, list: NewRecipient[]): Promise<void> {
  if (list.length === 0) return;
  await db.query(
    `insert into group_message_recipients (group_message_id, town_id, family_id, family_name, request_id, emails, mail_ids)
     select $1, $2, r.family_id, r.family_name, r.request_id, r.emails, r.mail_ids
       from jsonb_to_recordset($3::jsonb) as r(family_id uuid, family_name text, request_id uuid, emails text[], mail_ids uuid[])`,
    [
      messageId,
      townId,
      JSON.stringify(
        list.map((r) => ({
          family_id: r.familyId,
          family_name: r.familyName,
          request_id: r.requestId,
          emails: r.emails,
          mail_ids: r.mailIds,
        })),
      ),
    ],
  );
}

export interface GroupMessageRow {
  id: string;
  targetKind: TargetKind;
  targetLabel: string;
  datesKind: DatesKind;
  firstDay: string;
  lastDay: string;
  subject: string;
  body: string;
  authorLabel: string;
  createdAt: Date;
  recipients: number;
}

const COLUMNS = `m.id, m.target_kind as "targetKind", m.target_label as "targetLabel", m.dates_kind as "datesKind",
  m.first_day as "firstDay", m.last_day as "lastDay", m.subject, m.body, m.author_label as "authorLabel", m.created_at as "createdAt",
  (select count(*)::int from group_message_recipients r where r.group_message_id = m.id) as recipients`;

/** Newest first. */
export async function listGroupMessages(db: Queryable, townId: string, limit: number): Promise<GroupMessageRow[]> {
  const { rows } = await db.query<GroupMessageRow>(
    `select ${COLUMNS} from group_messages m where m.town_id = $1 order by m.created_at desc, m.id limit $2`,
    [townId, limit],
  );
  return rows;
}

export async function findGroupMessage(db: Queryable, townId: string, id: string): Promise<GroupMessageRow | undefined> {
  const { rows } = await db.query<GroupMessageRow>(`select ${COLUMNS} from group_messages m where m.town_id = $1 and m.id = $2`, [
    townId,
    id,
  ]);
  return rows[0];
}

export interface RecipientRow {
  familyId: string;
  familyName: string;
  requestId: string | null;
  emails: string[];
  /** Per mail: 'pending', 'sent' or 'failed' (the outbox's status). */
  mailStatuses: string[];
  /** When a parent of the family first opened the message; null while unread. */
  readAt: Date | null;
  /** Messages the family wrote back on the thread. */
  replies: number;
}

export async function listRecipients(db: Queryable, townId: string, messageId: string): Promise<RecipientRow[]> {
  const { rows } = await db.query<RecipientRow>(
    `select r.family_id as "familyId", r.family_name as "familyName", r.request_id as "requestId", r.emails,
            coalesce((select array_agg(o.status order by o.status) from mail_outbox o where o.id = any(r.mail_ids)), '{}') as "mailStatuses",
            (select min(m.read_at) from request_messages m where m.request_id = r.request_id and m.author_kind = 'agent') as "readAt",
            (select count(*)::int from request_messages m where m.request_id = r.request_id and m.author_kind = 'parent') as replies
       from group_message_recipients r
      where r.town_id = $1 and r.group_message_id = $2
      order by r.family_name, r.family_id`,
    [townId, messageId],
  );
  return rows;
}
