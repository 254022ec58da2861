import type { Queryable } from '../db/pool.js';

/**
 * The agents' roster of one activity and day beyond the reservations: who is enrolled that
 * day, who was reported absent (absence_days, filled by the absence requests), and the
 * attendance sheet. Every query filters on the town.
 */

export interface EnrolledChild {
  childId: string;
  enrolmentId: string;
  firstNames: string;
  lastName: string;
  className: string;
  familyName: string;
  /** The reservation of that day, if any. */
  reservation: 'booked' | 'waiting' | null;
}

/**
 * One class of one school: the part of a day's sheet an agent takes at a time when the day
 * holds too many children for one form (a large canteen). '' is "no class" / "no school".
 */
export interface SheetGroup {
  school: string;
  className: string;
}

/**
 * `and` the children `c` of `group`, its values from parameter $`from`; nothing without a group.
 * The town is $1, as in every query here: with it the class index is read from its start
 * (a class of 25 of 180,000 children: 1 ms without it, a few hundredths with it).
 */
export function groupFilter(group: SheetGroup | undefined, from: number): { sql: string; params: string[] } {
  if (!group) return { sql: '', params: [] };
  return {
    sql: ` and c.town_id = $1 and c.school = $${from} and c.class_name = $${from + 1}`,
    params: [group.school, group.className],
  };
}

/** Children whose enrolment covers `day`, with their reservation of that day; of one group if given. */
export async function listDayEnrolled(
  db: Queryable,
  townId: string,
  activityId: string,
  day: string,
  group?: SheetGroup,
): Promise<EnrolledChild[]> {
  const g = groupFilter(group, 4);
  const { rows } = await db.query<EnrolledChild>(
    `select c.id as "childId", e.id as "enrolmentId", c.first_names as "firstNames", c.last_name as "lastName",
            c.class_name as "className", f.name as "familyName", r.status as reservation
       from enrolments e
       join children c on c.id = e.child_id and c.town_id = e.town_id
       join families f on f.id = c.family_id
       left join reservations r on r.activity_id = e.activity_id and r.child_id = e.child_id and r.day = $3
      where e.town_id = $1 and e.activity_id = $2 and $3::date between e.start_date and e.end_date${g.sql}
      order by c.last_name, c.first_names, c.id`,
    [townId, activityId, day, ...g.params],
  );
  return rows;
}

export interface DayGroup extends SheetGroup {
  /** Enrolled that day (booked, waiting or neither). */
  enrolled: number;
  booked: number;
  /** Children of the group already on a recorded sheet. */
  recorded: number;
}

/** How many children are enrolled on `day` (the enrolments alone: an index-only count). */
export async function countDayEnrolled(db: Queryable, townId: string, activityId: string, day: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from enrolments e
      where e.town_id = $1 and e.activity_id = $2 and $3::date between e.start_date and e.end_date`,
    [townId, activityId, day],
  );
  return rows[0]!.n;
}

/** The day's children by school and class, with their counts: the sheet's table of contents. */
export async function listDayGroups(db: Queryable, townId: string, activityId: string, day: string): Promise<DayGroup[]> {
  const { rows } = await db.query<DayGroup>(
    `select c.school, c.class_name as "className", count(*)::int as enrolled,
            count(*) filter (where r.status = 'booked')::int as booked, count(a.child_id)::int as recorded
       from enrolments e
       -- Each child by its key (offset 0 keeps the subquery apart): joined as a table, the
       -- planner reads all the town's children in parallel for a canteen's 2,500 (80 ms
       -- against 16 on 100,000 families).
       cross join lateral (select c.school, c.class_name from children c where c.id = e.child_id and c.town_id = e.town_id offset 0) c
       left join reservations r on r.activity_id = e.activity_id and r.child_id = e.child_id and r.day = $3
       left join attendance a on a.activity_id = e.activity_id and a.child_id = e.child_id and a.day = $3
      where e.town_id = $1 and e.activity_id = $2 and $3::date between e.start_date and e.end_date
      group by c.school, c.class_name
      order by c.school, c.class_name`,
    [townId, activityId, day],
  );
  return rows;
}

export type AbsenceState = 'justified' | 'pending' | 'refused';

export interface DayAbsence {
  childId: string;
  requestId: string;
  firstNames: string;
  lastName: string;
  familyName: string;
  wasReserved: boolean;
  state: AbsenceState;
}

/**
 * One line per child reported absent on the day. A child may have several absence requests
 * for the same day (a refused one, then a new one with a justificatif): the line shows the
 * one that matters most, justified first, then one still pending, then the latest refused.
 */
export async function listDayAbsences(
  db: Queryable,
  townId: string,
  activityId: string,
  day: string,
  group?: SheetGroup,
): Promise<DayAbsence[]> {
  const g = groupFilter(group, 4);
  const { rows } = await db.query<DayAbsence>(
    `select * from (
       select distinct on (ad.child_id)
              ad.child_id as "childId", ad.request_id as "requestId", c.first_names as "firstNames", c.last_name as "lastName",
              f.name as "familyName", ad.was_reserved as "wasReserved",
              case when ad.justified or r.status = 'accepted' then 'justified'
                   when r.status = 'refused' then 'refused'
                   else 'pending' end as state
         from absence_days ad
         join requests r on r.town_id = ad.town_id and r.id = ad.request_id and r.type = 'absence'
         join children c on c.id = ad.child_id
         join families f on f.id = c.family_id
        where ad.town_id = $1 and ad.activity_id = $2 and ad.day = $3${g.sql}
        order by ad.child_id,
                 case when ad.justified or r.status = 'accepted' then 0 when r.status = 'refused' then 2 else 1 end,
                 r.created_at desc
     ) a
     order by a."lastName", a."firstNames"`,
    [townId, activityId, day, ...g.params],
  );
  return rows;
}

export interface AttendanceRow {
  childId: string;
  present: boolean;
  reserved: boolean;
  recordedAt: Date;
  /** The agent's name, or null once that agent has been removed. */
  recordedBy: string | null;
}

export async function listDayAttendance(
  db: Queryable,
  townId: string,
  activityId: string,
  day: string,
  group?: SheetGroup,
): Promise<AttendanceRow[]> {
  const g = groupFilter(group, 4);
  const { rows } = await db.query<AttendanceRow>(
    `select a.child_id as "childId", a.present, a.reserved, a.recorded_at as "recordedAt", g.display_name as "recordedBy"
       from attendance a join children c on c.id = a.child_id left join agents g on g.id = a.recorded_by
      where a.town_id = $1 and a.activity_id = $2 and a.day = $3${g.sql}`,
    [townId, activityId, day, ...g.params],
  );
  return rows;
}

export interface AttendanceLine {
  childId: string;
  enrolmentId: string;
  present: boolean;
  reserved: boolean;
}

/** Writes the day's sheet: one statement, a row per child, a second recording overwrites the first. */
export async function upsertAttendance(
  db: Queryable,
  townId: string,
  activityId: string,
  day: string,
  agentId: string | null,
  at: Date,
  lines: AttendanceLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await db.query(
    `insert into attendance (town_id, activity_id, day, child_id, enrolment_id, present, reserved, recorded_by, recorded_at)
     select $1, $2, $3, l.child_id, l.enrolment_id, l.present, l.reserved, $4, $5
       from unnest($6::uuid[], $7::uuid[], $8::boolean[], $9::boolean[]) as l(child_id, enrolment_id, present, reserved)
      order by l.child_id
     on conflict (activity_id, day, child_id) do update
        set enrolment_id = excluded.enrolment_id, present = excluded.present, reserved = excluded.reserved,
            recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
    [
      townId,
      activityId,
      day,
      agentId,
      at,
      lines.map((l) => l.childId),
      lines.map((l) => l.enrolmentId),
      lines.map((l) => l.present),
      lines.map((l) => l.reserved),
    ],
  );
}

export interface MonthDayFigures {
  day: string;
  /** Children reported absent (any state of their request). */
  absences: number;
  /** Null when no sheet was recorded that day. */
  present: number | null;
}

/** Per day of a month: reported absences and, where a sheet exists, how many were present. */
export async function monthFigures(
  db: Queryable,
  townId: string,
  activityId: string,
  from: string,
  to: string,
): Promise<MonthDayFigures[]> {
  const { rows } = await db.query<MonthDayFigures>(
    `select coalesce(a.day, p.day) as day, coalesce(a.absences, 0) as absences, p.present
       from (select day, count(distinct child_id)::int as absences from absence_days
              where town_id = $1 and activity_id = $2 and day between $3 and $4 group by day) a
       full join (select day, count(*) filter (where present)::int as present from attendance
                   where town_id = $1 and activity_id = $2 and day between $3 and $4 group by day) p on p.day = a.day
      order by 1`,
    [townId, activityId, from, to],
  );
  return rows;
}
