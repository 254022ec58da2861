import { groupFilter, type SheetGroup } from './attendance.repository.js';
import type { Queryable } from '../db/pool.js';
import {
  findFamilyEnrolmentContext,
  type ActivityRow,
  type ClosureRow,
  type EnrolmentRow,
  type FamilyEnrolmentContextRow,
} from './activities.repository.js';

export interface ReservationRow {
  id: string;
  childId: string;
  enrolmentId: string;
  day: string;
  status: 'booked' | 'waiting';
  confirmed: boolean;
  /** Rank on the waiting list (waiting rows only). */
  position: number | null;
  submissionId: string | null;
}

/** Some children's days in one activity, from `from` to `to` included. */
export interface ReservationScope {
  activityId: string;
  childIds: string[];
  from: string;
  to: string;
}

/** Reservations of some children in one activity between two days, with waiting ranks. */
export async function listReservations(
  db: Queryable,
  townId: string,
  { activityId, childIds, from, to }: ReservationScope,
): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow>(
    `select r.id, r.child_id as "childId", r.enrolment_id as "enrolmentId", r.day, r.status, r.confirmed_at is not null as confirmed,
            r.submission_id as "submissionId",
            case when r.status = 'waiting' then
              (select count(*)::int from reservations w where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
            end as position
       from reservations r
      where r.town_id = $1 and r.activity_id = $2 and r.child_id = any($3::uuid[]) and r.day between $4 and $5
      order by r.day`,
    [townId, activityId, childIds, from, to],
  );
  return rows;
}

/**
 * The child's reservations and the activity's day counters in one statement (one snapshot, one round trip):
 * what every grid page and the save read together.
 */
export async function listReservationsWithCounts(
  db: Queryable,
  townId: string,
  { activityId, childIds, from, to }: ReservationScope,
): Promise<{ reservations: ReservationRow[]; counts: DayCountRow[] }> {
  const { rows } = await db.query<{ reservations: ReservationRow[]; counts: DayCountRow[] }>(
    `select coalesce((
              select json_agg(json_build_object('id', r.id, 'childId', r.child_id, 'enrolmentId', r.enrolment_id, 'day', r.day,
                'status', r.status, 'confirmed', r.confirmed_at is not null, 'submissionId', r.submission_id,
                'position', case when r.status = 'waiting' then
                  (select count(*)::int from reservations w where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
                end) order by r.day)
                from reservations r
               where r.town_id = $1 and r.activity_id = $2 and r.child_id = any($3::uuid[]) and r.day between $4 and $5
            ), '[]'::json) as reservations,
            coalesce((
              select json_agg(json_build_object('day', d.day, 'capacity', d.capacity, 'booked', d.booked) order by d.day)
                from activity_days d where d.activity_id = $2 and d.day between $4 and $5
            ), '[]'::json) as counts`,
    [townId, activityId, childIds, from, to],
  );
  return rows[0]!;
}

/** The days a grid page shows: the family's reservations in the enrolment's activity and its counters. */
export interface EnrolmentDaysRows {
  /** Every child of the family enrolled in the activity (brothers and sisters share a grid post and a recap). */
  reservations: ReservationRow[];
  counts: DayCountRow[];
}

/**
 * The enrolment context of findFamilyEnrolmentContext and, in the same statement, the family's
 * reservations in the enrolment's activity and the activity's counters from `from` to `to`:
 * a grid page is then one round trip, not two.
 */
export async function findFamilyEnrolmentWithDays(
  db: Queryable,
  townId: string,
  familyId: string,
  childId: string,
  enrolmentId: string,
  from: string,
  to: string,
): Promise<(FamilyEnrolmentContextRow & { days: EnrolmentDaysRows }) | undefined> {
  // The activity of the family's enrolment, or none (then the page is a 404 and the days are empty).
  const activityOf = `(select e.activity_id from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
                        where e.town_id = $1 and c.family_id = $2 and e.id = $4)`;
  return findFamilyEnrolmentContext<{ days: EnrolmentDaysRows }>(db, townId, familyId, childId, enrolmentId, {
    columns: `json_build_object(
              'reservations', coalesce((
                select json_agg(json_build_object('id', r.id, 'childId', r.child_id, 'enrolmentId', r.enrolment_id, 'day', r.day,
                  'status', r.status, 'confirmed', r.confirmed_at is not null, 'submissionId', r.submission_id,
                  'position', case when r.status = 'waiting' then
                    (select count(*)::int from reservations w where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
                  end) order by r.day)
                  from reservations r join children c on c.id = r.child_id and c.town_id = r.town_id
                 where r.town_id = $1 and c.family_id = $2 and r.activity_id = ${activityOf} and r.day between $5 and $6
              ), '[]'::json),
              'counts', coalesce((
                select json_agg(json_build_object('day', d.day, 'capacity', d.capacity, 'booked', d.booked) order by d.day)
                  from activity_days d where d.activity_id = ${activityOf} and d.day between $5 and $6
              ), '[]'::json)) as days`,
    values: [from, to],
  });
}

export interface DayCountRow {
  day: string;
  capacity: number | null;
  booked: number;
}

/**
 * Creates the missing day rows and locks them all, in day order: whoever books or cancels
 * these days after us waits for our commit, and two batches lock in the same order, so
 * they cannot deadlock. Returns the counters as they are under the lock.
 */
export async function lockDays(
  db: Queryable,
  activityId: string,
  capacity: number | null,
  days: string[],
  options: { allExist?: boolean } = {},
): Promise<DayCountRow[]> {
  // Day rows are never deleted (but with their activity): a caller that has seen them all
  // may skip creating them, one round trip less under the locks.
  if (!options.allExist) await lockDaysCreate(db, activityId, capacity, days);
  const { rows } = await db.query<DayCountRow>(
    `select day, capacity, booked from activity_days where activity_id = $1 and day = any($2::date[]) order by day for update`,
    [activityId, days],
  );
  return rows;
}

async function lockDaysCreate(db: Queryable, activityId: string, capacity: number | null, days: string[]): Promise<void> {
  await db.query(
    `insert into activity_days (activity_id, day, capacity)
     select $1, d, $2 from unnest($3::date[]) d order by d
     on conflict (activity_id, day) do nothing`,
    [activityId, capacity, days],
  );
}

export interface NewReservation {
  enrolmentId: string;
  childId: string;
  day: string;
  status: 'booked' | 'waiting';
}

/** Inserts lines; a line that already exists (same child and day) is left as it is. */
export async function insertReservations(
  db: Queryable,
  townId: string,
  activityId: string,
  submissionId: string | null,
  confirmedAt: Date | null,
  lines: NewReservation[],
): Promise<number> {
  if (lines.length === 0) return 0;
  const { rowCount } = await db.query(
    `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at, submission_id)
     select $1, $2, l.enrolment_id, l.child_id, l.day, l.status, $3, $4
       from unnest($5::uuid[], $6::uuid[], $7::date[], $8::text[]) as l(enrolment_id, child_id, day, status)
      order by l.day
     on conflict (activity_id, child_id, day) do nothing`,
    [
      townId,
      activityId,
      confirmedAt,
      submissionId,
      lines.map((l) => l.enrolmentId),
      lines.map((l) => l.childId),
      lines.map((l) => l.day),
      lines.map((l) => l.status),
    ],
  );
  return rowCount ?? 0;
}

/** Removes lines; returns what was removed (the booked ones free a place). */
export async function deleteReservations(
  db: Queryable,
  townId: string,
  activityId: string,
  lines: { childId: string; day: string }[],
): Promise<{ childId: string; day: string; status: 'booked' | 'waiting' }[]> {
  if (lines.length === 0) return [];
  const { rows } = await db.query<{ childId: string; day: string; status: 'booked' | 'waiting' }>(
    `delete from reservations r using unnest($3::uuid[], $4::date[]) as l(child_id, day)
      where r.town_id = $1 and r.activity_id = $2 and r.child_id = l.child_id and r.day = l.day
      returning r.child_id as "childId", r.day, r.status`,
    [townId, activityId, lines.map((l) => l.childId), lines.map((l) => l.day)],
  );
  return rows;
}

/** A save's lines as a key: child, day and status of each, in one order whatever the reading. */
export function linesKey(rows: { childId: string; day: string; status: string }[]): string {
  return rows
    .map((r) => `${r.childId}:${r.day}:${r.status}`)
    .sort()
    .join(',');
}

/**
 * A lock-late save's writes in one statement, under its day locks: removes and inserts lines
 * only if the children's reservations between the days are still those the save decided
 * from (`expected`, from `linesKey`), which no re-read then needs to confirm. Says whether
 * they were, what was removed and how many lines went in.
 */
export async function writeReservationsIfUnchanged(
  db: Queryable,
  townId: string,
  scope: ReservationScope,
  expected: string,
  change: { remove: { childId: string; day: string }[]; submissionId: string; confirmedAt: Date | null; insert: NewReservation[] },
): Promise<{ unchanged: boolean; removed: { childId: string; day: string; status: 'booked' | 'waiting' }[]; inserted: number }> {
  const { rows } = await db.query<{
    unchanged: boolean;
    removed: { childId: string; day: string; status: 'booked' | 'waiting' }[];
    inserted: number;
  }>(
    `with seen as (
       select coalesce(string_agg(r.child_id::text || ':' || r.day::text || ':' || r.status, ',' order by r.child_id::text || ':' || r.day::text || ':' || r.status collate "C"), '') = $6 as unchanged
         from reservations r
        where r.town_id = $1 and r.activity_id = $2 and r.child_id = any($3::uuid[]) and r.day between $4 and $5
     ), removed as (
       delete from reservations r using unnest($7::uuid[], $8::date[]) as l(child_id, day)
        where (select unchanged from seen) and r.town_id = $1 and r.activity_id = $2 and r.child_id = l.child_id and r.day = l.day
        returning r.child_id as "childId", r.day, r.status
     ), inserted as (
       insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at, submission_id)
       select $1, $2, l.enrolment_id, l.child_id, l.day, l.status, $9, $10
         from unnest($11::uuid[], $12::uuid[], $13::date[], $14::text[]) as l(enrolment_id, child_id, day, status)
        where (select unchanged from seen)
        order by l.day
       on conflict (activity_id, child_id, day) do nothing
       returning 1
     )
     select (select unchanged from seen) as unchanged,
            coalesce((select json_agg(json_build_object('childId', x."childId", 'day', x.day, 'status', x.status)) from removed x), '[]'::json) as removed,
            (select count(*)::int from inserted) as inserted`,
    [
      townId,
      scope.activityId,
      scope.childIds,
      scope.from,
      scope.to,
      expected,
      change.remove.map((l) => l.childId),
      change.remove.map((l) => l.day),
      change.confirmedAt,
      change.submissionId,
      change.insert.map((l) => l.enrolmentId),
      change.insert.map((l) => l.childId),
      change.insert.map((l) => l.day),
      change.insert.map((l) => l.status),
    ],
  );
  return rows[0]!;
}

export interface Promoted {
  id: string;
  childId: string;
  day: string;
  familyId: string;
  firstNames: string;
}

/**
 * Gives free places of locked days to the first children waiting, in arrival order, for
 * all the days in one statement (a cancelled month frees up to 31 days, and every round
 * trip is made holding their locks). The caller holds the days' locks, so each `free` is
 * exact. A line an agent already confirmed stays confirmed; otherwise `confirmedAt` (null
 * when an agent must still confirm).
 */
export async function promoteWaitingOnDays(
  db: Queryable,
  activityId: string,
  days: { day: string; free: number }[],
  confirmedAt: Date | null,
): Promise<Promoted[]> {
  const open = days.filter((d) => d.free > 0);
  if (open.length === 0) return [];
  const { rows } = await db.query<Promoted>(
    `with next as (
       select w.id
         from unnest($2::date[], $3::int[]) as f(day, free)
         cross join lateral (
           select id from reservations where activity_id = $1 and day = f.day and status = 'waiting' order by seq limit f.free
         ) w
     )
     update reservations r set status = 'booked', confirmed_at = coalesce(r.confirmed_at, $4), updated_at = now()
       from next, children c
      where r.id = next.id and c.id = r.child_id
      returning r.id, r.child_id as "childId", r.day, c.family_id as "familyId", c.first_names as "firstNames"`,
    [activityId, open.map((d) => d.day), open.map((d) => d.free), confirmedAt],
  );
  return rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

export async function insertSubmission(
  db: Queryable,
  s: { townId: string; familyId: string; accountId: string; activityId: string; key: string; createdAt: Date },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `insert into reservation_submissions (town_id, family_id, account_id, activity_id, idempotency_key, status, created_at)
     values ($1, $2, $3, $4, $5, 'confirmed', $6)
     on conflict (town_id, idempotency_key) do nothing
     returning id`,
    [s.townId, s.familyId, s.accountId, s.activityId, s.key, s.createdAt],
  );
  return rows[0]?.id;
}

/** What VALIDER decides from when it locks late, read in the statement that records its submission. */
export interface SubmissionWithDays {
  /** Undefined when the key was already used: the save was made before. */
  submissionId: string | undefined;
  activity: ActivityRow | null;
  /** Those of the asked enrolments that are the family's. */
  enrolments: EnrolmentRow[];
  closures: ClosureRow[];
  /** The reservations of the enrolments' children in the activity, and its counters, between the days. */
  reservations: ReservationRow[];
  counts: DayCountRow[];
}

/**
 * Records a submission (nothing if its key was used) and reads, in the same statement, what a
 * save decides from before it locks anything: the activity, the family's enrolments among those
 * asked, the town's closures, the reservations and the day counters. One round trip instead of
 * four at the start of every VALIDER.
 */
export async function insertSubmissionWithDays(
  db: Queryable,
  s: { townId: string; familyId: string; accountId: string; activityId: string; key: string; createdAt: Date },
  enrolmentIds: string[],
  from: string,
  to: string,
): Promise<SubmissionWithDays> {
  const { rows } = await db.query<SubmissionWithDays>(
    `with submission as (
       insert into reservation_submissions (town_id, family_id, account_id, activity_id, idempotency_key, status, created_at)
       values ($1, $2, $3, $4, $5, 'confirmed', $6)
       on conflict (town_id, idempotency_key) do nothing
       returning id
     ), asked as (
       select e.id, e.activity_id, e.child_id, c.family_id, c.first_names, c.last_name, e.start_date, e.end_date
         from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
        where e.town_id = $1 and c.family_id = $2 and e.id = any($7::uuid[])
     )
     select (select id from submission) as "submissionId",
            (select json_build_object('id', a.id, 'name', a.name, 'site', a.site, 'unit', a.unit, 'startDate', a.start_date,
                      'endDate', a.end_date, 'weekdays', a.weekdays, 'runsDuring', a.runs_during, 'capacity', a.capacity,
                      'bookingRule', a.booking_rule, 'cancellationRule', a.cancellation_rule, 'confirmation', a.confirmation)
               from activities a where a.town_id = $1 and a.id = $4) as activity,
            coalesce((select json_agg(json_build_object('id', x.id, 'activityId', x.activity_id, 'childId', x.child_id,
                        'familyId', x.family_id, 'childFirstNames', x.first_names, 'childLastName', x.last_name,
                        'startDate', x.start_date, 'endDate', x.end_date))
                        from asked x), '[]'::json) as enrolments,
            coalesce((select json_agg(json_build_object('kind', k.kind, 'label', k.label, 'startDate', k.start_date, 'endDate', k.end_date)
                        order by k.start_date)
                        from town_closures k where k.town_id = $1), '[]'::json) as closures,
            coalesce((select json_agg(json_build_object('id', r.id, 'childId', r.child_id, 'enrolmentId', r.enrolment_id, 'day', r.day,
                        'status', r.status, 'confirmed', r.confirmed_at is not null, 'submissionId', r.submission_id,
                        'position', case when r.status = 'waiting' then
                          (select count(*)::int from reservations w where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
                        end) order by r.day)
                        from reservations r
                       where r.town_id = $1 and r.activity_id = $4 and r.day between $8 and $9
                         and r.child_id in (select x.child_id from asked x where x.activity_id = $4)), '[]'::json) as reservations,
            coalesce((select json_agg(json_build_object('day', d.day, 'capacity', d.capacity, 'booked', d.booked) order by d.day)
                        from activity_days d where d.activity_id = $4 and d.day between $8 and $9), '[]'::json) as counts`,
    [s.townId, s.familyId, s.accountId, s.activityId, s.key, s.createdAt, enrolmentIds, from, to],
  );
  const row = rows[0]!;
  return { ...row, submissionId: row.submissionId ?? undefined };
}

export async function findSubmissionByKey(
  db: Queryable,
  townId: string,
  familyId: string,
  key: string,
): Promise<{ id: string } | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `select id from reservation_submissions where town_id = $1 and family_id = $2 and idempotency_key = $3`,
    [townId, familyId, key],
  );
  return rows[0];
}

export interface OutcomeLine {
  childId: string;
  firstNames: string;
  day: string;
  result: 'booked' | 'waiting' | 'cancelled';
}

export interface SubmissionRow {
  id: string;
  familyId: string;
  accountId: string | null;
  activityId: string;
  activityName: string;
  unit: string;
  status: 'confirmed' | 'awaiting_agent' | 'refused';
  outcome: OutcomeLine[];
  refusalReason: string | null;
  createdAt: Date;
  decidedAt: Date | null;
  requestId: string | null;
}

const SUBMISSION_COLUMNS = `s.id, s.family_id as "familyId", s.account_id as "accountId", s.activity_id as "activityId",
  a.name as "activityName", a.unit, s.status, s.outcome, s.refusal_reason as "refusalReason", s.created_at as "createdAt",
  s.decided_at as "decidedAt", s.request_id as "requestId"`;

export async function setSubmissionOutcome(
  db: Queryable,
  id: string,
  status: SubmissionRow['status'],
  outcome: OutcomeLine[],
  requestId: string | null = null,
): Promise<void> {
  await db.query(`update reservation_submissions set status = $2, outcome = $3, request_id = coalesce($4, request_id) where id = $1`, [
    id,
    status,
    JSON.stringify(outcome),
    requestId,
  ]);
}

export async function findFamilySubmission(
  db: Queryable,
  townId: string,
  familyId: string,
  id: string,
): Promise<SubmissionRow | undefined> {
  const { rows } = await db.query<SubmissionRow>(
    `select ${SUBMISSION_COLUMNS} from reservation_submissions s join activities a on a.id = s.activity_id
      where s.town_id = $1 and s.family_id = $2 and s.id = $3`,
    [townId, familyId, id],
  );
  return rows[0];
}

export async function findSubmission(db: Queryable, townId: string, id: string, forUpdate = false): Promise<SubmissionRow | undefined> {
  const { rows } = await db.query<SubmissionRow>(
    `select ${SUBMISSION_COLUMNS} from reservation_submissions s join activities a on a.id = s.activity_id
      where s.town_id = $1 and s.id = $2 ${forUpdate ? 'for update of s' : ''}`,
    [townId, id],
  );
  return rows[0];
}

export async function listAwaitingSubmissions(db: Queryable, townId: string): Promise<(SubmissionRow & { familyName: string })[]> {
  const { rows } = await db.query<SubmissionRow & { familyName: string }>(
    `select ${SUBMISSION_COLUMNS}, f.name as "familyName"
       from reservation_submissions s join activities a on a.id = s.activity_id join families f on f.id = s.family_id
      where s.town_id = $1 and s.status = 'awaiting_agent' order by s.created_at limit 200`,
    [townId],
  );
  return rows;
}

export async function decideSubmission(
  db: Queryable,
  townId: string,
  id: string,
  decision: { status: 'confirmed' | 'refused'; agentId: string | null; at: Date; reason: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update reservation_submissions set status = $3, decided_by = $4, decided_at = $5, refusal_reason = $6
      where town_id = $1 and id = $2 and status = 'awaiting_agent'`,
    [townId, id, decision.status, decision.agentId, decision.at, decision.reason],
  );
  return (rowCount ?? 0) > 0;
}

/** The children of one activity and day, booked then waiting in arrival order (agents). */
export async function listDayRoster(db: Queryable, townId: string, activityId: string, day: string, group?: SheetGroup) {
  type RosterRow = {
    id: string;
    childId: string;
    firstNames: string;
    lastName: string;
    className: string;
    familyName: string;
    status: 'booked' | 'waiting';
    confirmed: boolean;
    /** The place on the day's waiting list (of the whole day, a group shown or not); null when booked. */
    rank: number | null;
  };
  if (group) {
    // One class of a large day: its children first (the class index), their lines by key, and
    // a waiting line's rank counted on the day's waiting index, rather than ranking the day's
    // 2,000 lines to keep 25 (5 ms → 1 ms on a canteen of 100,000 families).
    const g = groupFilter(group, 4);
    const { rows } = await db.query<RosterRow>(
      `select r.id, c.id as "childId", c.first_names as "firstNames", c.last_name as "lastName", c.class_name as "className",
              f.name as "familyName", r.status, r.confirmed_at is not null as confirmed,
              case when r.status = 'waiting' then
                (select count(*) from reservations w
                  where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
              end::int as rank
         from children c
         join reservations r on r.activity_id = $2 and r.child_id = c.id and r.day = $3 and r.town_id = $1
         join families f on f.id = c.family_id
        where true${g.sql}
        order by r.status, rank, c.last_name, c.first_names`,
      [townId, activityId, day, ...g.params],
    );
    return rows;
  }
  const { rows } = await db.query<RosterRow>(
    `select r.id, c.id as "childId", c.first_names as "firstNames", c.last_name as "lastName", c.class_name as "className",
            f.name as "familyName", r.status, r.confirmed_at is not null as confirmed, r.rank
       from (select r.*, case when r.status = 'waiting' then row_number() over (partition by r.status order by r.seq) end::int as rank
               from reservations r where r.town_id = $1 and r.activity_id = $2 and r.day = $3) r
       join children c on c.id = r.child_id join families f on f.id = c.family_id
      order by r.status, r.rank, c.last_name, c.first_names`,
    [townId, activityId, day],
  );
  return rows;
}

/** Booked and waiting counts per day of an activity between two days (occupancy). */
export async function occupancy(db: Queryable, townId: string, activityId: string, from: string, to: string) {
  const { rows } = await db.query<{ day: string; booked: number; waiting: number }>(
    `select day, count(*) filter (where status = 'booked')::int as booked, count(*) filter (where status = 'waiting')::int as waiting
       from reservations where town_id = $1 and activity_id = $2 and day between $3 and $4
      group by day order by day`,
    [townId, activityId, from, to],
  );
  return rows;
}

/** Confirms the held places of a submission (activities confirmed by an agent). */
export async function confirmSubmissionReservations(db: Queryable, submissionId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `update reservations set confirmed_at = $2, updated_at = now() where submission_id = $1 and confirmed_at is null`,
    [submissionId, at],
  );
  return rowCount ?? 0;
}

/** The unconfirmed lines of a submission, for a refusal. */
export async function unconfirmedLines(
  db: Queryable,
  submissionId: string,
): Promise<{ childId: string; day: string; status: 'booked' | 'waiting' }[]> {
  const { rows } = await db.query<{ childId: string; day: string; status: 'booked' | 'waiting' }>(
    `select child_id as "childId", day, status from reservations where submission_id = $1 and confirmed_at is null order by day`,
    [submissionId],
  );
  return rows;
}

/** Addresses of the family's active accounts with a confirmed email, for mails. */
export async function familyRecipients(db: Queryable, townId: string, familyId: string) {
  const { rows } = await db.query<{ email: string; civility: 'M' | 'Mme'; lastName: string }>(
    `select email, civility, last_name as "lastName" from accounts
      where town_id = $1 and family_id = $2 and disabled_at is null and email_confirmed_at is not null and validation_status = 'validated'
      order by created_at`,
    [townId, familyId],
  );
  return rows;
}
