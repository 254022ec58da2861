import type { Queryable } from '../db/pool.js';

/** An activity as its form writes it; rules are raw JSON here, parsed by the reservations feature. */
export interface ActivityInput {
  name: string;
  site: string;
  unit: string;
  startDate: string;
  endDate: string;
  weekdays: number[];
  runsDuring: 'school_weeks' | 'school_holidays' | 'all';
  capacity: number | null;
  bookingRule: unknown;
  cancellationRule: unknown;
  confirmation: 'immediate' | 'agent';
  /** Declared to the CAF (prestation de service), counted in hours (hours per day present) or actes. */
  cafDeclared?: boolean;
  cafUnit?: 'heures' | 'actes';
  cafHoursPerDay?: number | null;
}

/** An activity row. */
export interface ActivityRow extends ActivityInput {
  id: string;
}

const ACTIVITY_COLUMNS = `a.id, a.name, a.site, a.unit, a.start_date as "startDate", a.end_date as "endDate", a.weekdays,
  a.runs_during as "runsDuring", a.capacity, a.booking_rule as "bookingRule", a.cancellation_rule as "cancellationRule",
  a.confirmation, a.caf_declared as "cafDeclared", a.caf_unit as "cafUnit", a.caf_hours_per_day::float8 as "cafHoursPerDay"`;

export async function listActivities(db: Queryable, townId: string): Promise<(ActivityRow & { enrolled: number })[]> {
  const { rows } = await db.query<ActivityRow & { enrolled: number }>(
    `select ${ACTIVITY_COLUMNS}, (select count(*) from enrolments e where e.activity_id = a.id)::int as enrolled
       from activities a where a.town_id = $1 order by a.start_date desc, a.name, a.site`,
    [townId],
  );
  return rows;
}

export async function findActivity(db: Queryable, townId: string, id: string): Promise<ActivityRow | undefined> {
  const { rows } = await db.query<ActivityRow>(`select ${ACTIVITY_COLUMNS} from activities a where a.town_id = $1 and a.id = $2`, [
    townId,
    id,
  ]);
  return rows[0];
}

/** The activity's columns in the order both the insert and the update list them. */
function activityValues(a: ActivityInput): unknown[] {
  return [
    a.name,
    a.site,
    a.unit,
    a.startDate,
    a.endDate,
    a.weekdays,
    a.runsDuring,
    a.capacity,
    a.bookingRule,
    a.cancellationRule,
    a.confirmation,
    a.cafDeclared ?? false,
    a.cafUnit ?? 'heures',
    a.cafHoursPerDay ?? null,
  ];
}

export async function insertActivity(db: Queryable, townId: string, a: ActivityInput): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into activities (town_id, name, site, unit, start_date, end_date, weekdays, runs_during, capacity, booking_rule, cancellation_rule, confirmation,
                             caf_declared, caf_unit, caf_hours_per_day)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id`,
    [townId, ...activityValues(a)],
  );
  return rows[0]!.id;
}

export async function updateActivity(db: Queryable, townId: string, id: string, a: ActivityInput): Promise<boolean> {
  const { rowCount } = await db.query(
    `update activities set name = $3, site = $4, unit = $5, start_date = $6, end_date = $7, weekdays = $8, runs_during = $9,
            capacity = $10, booking_rule = $11, cancellation_rule = $12, confirmation = $13,
            caf_declared = $14, caf_unit = $15, caf_hours_per_day = $16, updated_at = now()
      where town_id = $1 and id = $2`,
    [townId, id, ...activityValues(a)],
  );
  return (rowCount ?? 0) > 0;
}

/** True when another activity of the town already has this name, site and first day. */
export async function activityNameTaken(
  db: Queryable,
  townId: string,
  a: Pick<ActivityInput, 'name' | 'site' | 'startDate'>,
  exceptId?: string,
) {
  const { rows } = await db.query(
    `select 1 from activities where town_id = $1 and name = $2 and site = $3 and start_date = $4 and id is distinct from $5::uuid`,
    [townId, a.name, a.site, a.startDate, exceptId ?? null],
  );
  return rows.length > 0;
}

export interface ClosureRow {
  kind: 'closure' | 'school_holiday';
  label: string;
  startDate: string;
  endDate: string;
}

export async function listClosures(db: Queryable, townId: string): Promise<ClosureRow[]> {
  const { rows } = await db.query<ClosureRow>(
    `select kind, label, start_date as "startDate", end_date as "endDate" from town_closures where town_id = $1 order by start_date`,
    [townId],
  );
  return rows;
}

export interface EnrolmentRow {
  id: string;
  activityId: string;
  childId: string;
  familyId: string;
  childFirstNames: string;
  childLastName: string;
  startDate: string;
  endDate: string;
}

const ENROLMENT_COLUMNS = `e.id, e.activity_id as "activityId", e.child_id as "childId", c.family_id as "familyId",
  c.first_names as "childFirstNames", c.last_name as "childLastName", e.start_date as "startDate", e.end_date as "endDate"`;

/** The enrolments of a family's children (`familyId` is the session's: another family's id finds nothing). */
export async function listFamilyEnrolments(db: Queryable, townId: string, familyId: string, childId?: string): Promise<EnrolmentRow[]> {
  const { rows } = await db.query<EnrolmentRow>(
    `select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
      where e.town_id = $1 and c.family_id = $2 and ($3::uuid is null or e.child_id = $3)
      order by e.start_date, e.id`,
    [townId, familyId, childId ?? null],
  );
  return rows;
}

/** A reservation line as the agenda shows it. */
export interface AgendaReservation {
  activityId: string;
  day: string;
  status: 'booked' | 'waiting';
  confirmed: boolean;
  /** Rank on the waiting list (waiting lines only). */
  position: number | null;
}

/**
 * The agenda's one query: the child (only if of this family), each enrolment with its
 * activity and the activity's counters between two days (and, when asked, the child's
 * reservations).
 */
export async function findChildAgendaRows(
  db: Queryable,
  townId: string,
  familyId: string,
  childId: string,
  from: string,
  to: string,
  options: { reservations?: boolean; counts?: boolean } = {},
): Promise<
  | {
      child: FamilyChild;
      entries: { enrolment: EnrolmentRow; activity: ActivityRow; counts: { day: string; capacity: number | null; booked: number }[] }[];
      /** The child's reservations between the days, all activities (only when asked). */
      reservations: AgendaReservation[];
    }
  | undefined
> {
  // The agenda's reservations ride along in the same statement: one round trip less on the
  // busiest page (each costs more main-thread CPU than the page's own work).
  const reservations = options.reservations
    ? `coalesce((
              select json_agg(json_build_object('activityId', r.activity_id, 'day', r.day, 'status', r.status,
                'confirmed', r.confirmed_at is not null,
                'position', case when r.status = 'waiting' then
                  (select count(*)::int from reservations w where w.activity_id = r.activity_id and w.day = r.day and w.status = 'waiting' and w.seq <= r.seq)
                end) order by r.day)
              from reservations r where r.town_id = c.town_id and r.child_id = c.id and r.day between $4 and $5
            ), '[]'::json)`
    : `'[]'::json`;
  // Without counters (the choice of enrolment), the days are not read: `from` and `to` may be anything.
  const counts =
    options.counts === false
      ? `'[]'::json`
      : `coalesce((select json_agg(json_build_object('day', d.day, 'capacity', d.capacity, 'booked', d.booked))
                                      from activity_days d where d.activity_id = a.id and d.day between $4 and $5), '[]'::json)`;
  const { rows } = await db.query<
    FamilyChild & {
      entries: { enrolment: EnrolmentRow; activity: ActivityRow; counts: { day: string; capacity: number | null; booked: number }[] }[];
      reservations: AgendaReservation[];
    }
  >(
    `select c.id, c.family_id as "familyId", c.first_names as "firstNames", c.last_name as "lastName",
            coalesce((
              select json_agg(json_build_object(
                'enrolment', json_build_object('id', e.id, 'activityId', e.activity_id, 'childId', e.child_id, 'familyId', c.family_id,
                  'childFirstNames', c.first_names, 'childLastName', c.last_name, 'startDate', e.start_date, 'endDate', e.end_date),
                'activity', json_build_object('id', a.id, 'name', a.name, 'site', a.site, 'unit', a.unit, 'startDate', a.start_date,
                  'endDate', a.end_date, 'weekdays', a.weekdays, 'runsDuring', a.runs_during, 'capacity', a.capacity,
                  'bookingRule', a.booking_rule, 'cancellationRule', a.cancellation_rule, 'confirmation', a.confirmation),
                'counts', ${counts}
              ) order by e.start_date, e.id)
              from enrolments e join activities a on a.id = e.activity_id and a.town_id = e.town_id
             where e.town_id = c.town_id and e.child_id = c.id
            ), '[]'::json) as entries,
            ${reservations} as reservations
       from children c where c.town_id = $1 and c.family_id = $2 and c.id = $3`,
    options.counts === false && !options.reservations ? [townId, familyId, childId] : [townId, familyId, childId, from, to],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { entries, reservations: lines, ...child } = row;
  return { child, entries, reservations: lines };
}

/** An activity of the town and some of the family's enrolments (by id), in one round trip. */
export async function findActivityWithFamilyEnrolments(
  db: Queryable,
  townId: string,
  familyId: string,
  activityId: string,
  enrolmentIds: string[],
): Promise<{ activity: ActivityRow | null; enrolments: EnrolmentRow[] }> {
  const { rows } = await db.query<{ activity: ActivityRow | null; enrolments: EnrolmentRow[] }>(
    `select (select row_to_json(y) from (select ${ACTIVITY_COLUMNS} from activities a where a.town_id = $1 and a.id = $2) y) as activity,
            coalesce((select json_agg(x) from (
              select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
               where e.town_id = $1 and c.family_id = $3 and e.id = any($4::uuid[])) x), '[]'::json) as enrolments`,
    [townId, activityId, familyId, enrolmentIds],
  );
  return rows[0]!;
}

export async function findFamilyEnrolment(
  db: Queryable,
  townId: string,
  familyId: string,
  enrolmentId: string,
): Promise<EnrolmentRow | undefined> {
  const { rows } = await db.query<EnrolmentRow>(
    `select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
      where e.town_id = $1 and c.family_id = $2 and e.id = $3`,
    [townId, familyId, enrolmentId],
  );
  return rows[0];
}

export async function listActivityEnrolments(db: Queryable, townId: string, activityId: string): Promise<EnrolmentRow[]> {
  const { rows } = await db.query<EnrolmentRow>(
    `select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
      where e.town_id = $1 and e.activity_id = $2 order by c.last_name, c.first_names, e.start_date`,
    [townId, activityId],
  );
  return rows;
}

export async function insertEnrolment(
  db: Queryable,
  townId: string,
  e: { activityId: string; childId: string; startDate: string; endDate: string; createdBy: string | null },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `insert into enrolments (town_id, activity_id, child_id, start_date, end_date, created_by)
     select $1, $2, c.id, $4, $5, $6 from children c where c.town_id = $1 and c.id = $3
     on conflict (activity_id, child_id, start_date) do nothing
     returning id`,
    [townId, e.activityId, e.childId, e.startDate, e.endDate, e.createdBy],
  );
  return rows[0]?.id;
}

/** Whether the child already has an enrolment in the activity overlapping these dates. */
export async function enrolmentOverlaps(
  db: Queryable,
  townId: string,
  activityId: string,
  childId: string,
  startDate: string,
  endDate: string,
) {
  const { rows } = await db.query(
    `select 1 from enrolments where town_id = $1 and activity_id = $2 and child_id = $3 and start_date <= $5 and end_date >= $4`,
    [townId, activityId, childId, startDate, endDate],
  );
  return rows.length > 0;
}

export interface TownChild {
  id: string;
  firstNames: string;
  lastName: string;
  familyName: string;
  cleEnfance: string;
}

export async function listTownChildren(db: Queryable, townId: string): Promise<TownChild[]> {
  const { rows } = await db.query<TownChild>(
    `select c.id, c.first_names as "firstNames", c.last_name as "lastName", f.name as "familyName", f.cle_enfance as "cleEnfance"
       from children c join families f on f.id = c.family_id
      where c.town_id = $1 order by c.last_name, c.first_names, f.cle_enfance limit 2000`,
    [townId],
  );
  return rows;
}

export interface FamilyChild {
  id: string;
  familyId: string;
  firstNames: string;
  lastName: string;
}

export interface FamilyEnrolmentContextRow {
  child: FamilyChild;
  enrolment: EnrolmentRow | null;
  activity: ActivityRow | null;
  familyEnrolments: EnrolmentRow[];
}

/**
 * A child of the family, its enrolment and the enrolment's activity, in one round trip (every
 * page of the reservation grid starts with them), with all the family's enrolments (brothers
 * and sisters, pending changes). The enrolment is found among the family's only; the caller
 * checks it is this child's. `extra` adds columns to the same statement (the grid's days, see
 * reservations.repository.ts): `$1` is the town, `$2` the family, `$4` the enrolment, and its
 * values follow from `$5`.
 */
export async function findFamilyEnrolmentContext<Extra extends object = object>(
  db: Queryable,
  townId: string,
  familyId: string,
  childId: string,
  enrolmentId: string,
  extra?: { columns: string; values: unknown[] },
): Promise<(FamilyEnrolmentContextRow & Extra) | undefined> {
  const { rows } = await db.query<FamilyEnrolmentContextRow & Extra>(
    `select json_build_object('id', k.id, 'familyId', k.family_id, 'firstNames', k.first_names, 'lastName', k.last_name) as child,
            (select row_to_json(x) from (
               select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
                where e.town_id = $1 and c.family_id = $2 and e.id = $4) x) as enrolment,
            (select row_to_json(y) from (
               select ${ACTIVITY_COLUMNS} from activities a join enrolments e on e.activity_id = a.id and e.town_id = a.town_id
                 join children c on c.id = e.child_id and c.town_id = e.town_id
                where a.town_id = $1 and c.family_id = $2 and e.id = $4) y) as activity,
            coalesce((select json_agg(z order by z."startDate", z.id) from (
               select ${ENROLMENT_COLUMNS} from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
                where e.town_id = $1 and c.family_id = $2) z), '[]'::json) as "familyEnrolments"${extra ? `, ${extra.columns}` : ''}
       from children k where k.town_id = $1 and k.family_id = $2 and k.id = $3`,
    [townId, familyId, childId, enrolmentId, ...(extra?.values ?? [])],
  );
  return rows[0];
}

/** A child of the family, or nothing: the family filter is what keeps other families out. */
export async function findFamilyChild(db: Queryable, townId: string, familyId: string, childId: string): Promise<FamilyChild | undefined> {
  const { rows } = await db.query<FamilyChild>(
    `select id, family_id as "familyId", first_names as "firstNames", last_name as "lastName"
       from children where town_id = $1 and family_id = $2 and id = $3`,
    [townId, familyId, childId],
  );
  return rows[0];
}

/**
 * A new capacity for the activity's days from `from` on, never below what is already booked
 * on a day. Returns those days, so the caller can offer the places it freed.
 */
export async function setCapacityFrom(
  db: Queryable,
  townId: string,
  activityId: string,
  from: string,
  capacity: number | null,
): Promise<{ day: string; capacity: number | null; booked: number }[]> {
  const { rows } = await db.query<{ day: string; capacity: number | null; booked: number }>(
    `update activity_days d set capacity = case when $4::int is null then null else greatest($4::int, d.booked) end
       from activities a
      where a.id = d.activity_id and a.town_id = $1 and d.activity_id = $2 and d.day >= $3
      returning d.day, d.capacity, d.booked`,
    [townId, activityId, from, capacity],
  );
  return rows;
}
