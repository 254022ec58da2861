import type { Queryable } from '../db/pool.js';

/** The raw counts of one activity over a period (docs/statistiques-et-caf.md). */
export interface ActivityCounts {
  activityId: string;
  name: string;
  site: string;
  /** Places booked over the period. */
  booked: number;
  /** Places booked on days before today, the ones an attendance rate can speak of. */
  bookedPast: number;
  /** Children present on a booked place (past days with a sheet). */
  presentBooked: number;
  /** Children present without a booked place ("venu sans réservation"). */
  walkIns: number;
  justifiedAbsences: number;
  unjustifiedAbsences: number;
  waiting: number;
  /** Booked places on the days with a capacity, and the sum of those capacities. */
  bookedOnLimitedDays: number;
  capacity: number;
}

export async function activityCounts(
  db: Queryable,
  townId: string,
  period: { from: string; to: string; today: string; activityId: string | null },
): Promise<ActivityCounts[]> {
  const { rows } = await db.query<ActivityCounts>(
    `select a.id as "activityId", a.name, a.site,
       (select count(*) from reservations r where r.activity_id = a.id and r.status = 'booked' and r.day between $2 and $3)::int as booked,
       (select count(*) from reservations r where r.activity_id = a.id and r.status = 'booked' and r.day between $2 and $3 and r.day < $4)::int as "bookedPast",
       (select count(*) from attendance t where t.activity_id = a.id and t.present and t.reserved and t.day between $2 and $3 and t.day < $4)::int as "presentBooked",
       (select count(*) from attendance t where t.activity_id = a.id and t.present and not t.reserved and t.day between $2 and $3)::int as "walkIns",
       (select count(*) from absence_days b where b.activity_id = a.id and b.justified and b.day between $2 and $3)::int as "justifiedAbsences",
       (select count(*) from absence_days b where b.activity_id = a.id and not b.justified and b.day between $2 and $3)::int as "unjustifiedAbsences",
       (select count(*) from reservations r where r.activity_id = a.id and r.status = 'waiting' and r.day between $2 and $3)::int as waiting,
       (select coalesce(sum(d.booked), 0) from activity_days d where d.activity_id = a.id and d.capacity is not null and d.day between $2 and $3)::int as "bookedOnLimitedDays",
       (select coalesce(sum(d.capacity), 0) from activity_days d where d.activity_id = a.id and d.capacity is not null and d.day between $2 and $3)::int as capacity
     from activities a
     where a.town_id = $1 and a.start_date <= $3 and a.end_date >= $2 and ($5::uuid is null or a.id = $5)
     order by a.name, a.site`,
    [townId, period.from, period.to, period.today, period.activityId],
  );
  return rows;
}

/** The town's requests created in the period, with when they were decided. */
export async function requestsOfPeriod(
  db: Queryable,
  townId: string,
  from: string,
  to: string,
): Promise<{ type: string; createdAt: Date; decidedAt: Date | null }[]> {
  const { rows } = await db.query<{ type: string; createdAt: Date; decidedAt: Date | null }>(
    `select type, created_at as "createdAt", decided_at as "decidedAt" from requests
      where town_id = $1 and (created_at at time zone 'Europe/Paris')::date between $2 and $3
      order by created_at`,
    [townId, from, to],
  );
  return rows;
}

/** The accounts the services validated in the period, from when they waited for them. */
export async function accountsValidatedInPeriod(
  db: Queryable,
  townId: string,
  from: string,
  to: string,
): Promise<{ waitingSince: Date; validatedAt: Date }[]> {
  const { rows } = await db.query<{ waitingSince: Date; validatedAt: Date }>(
    `select coalesce(email_confirmed_at, created_at) as "waitingSince", validated_at as "validatedAt" from accounts
      where town_id = $1 and validation_status = 'validated' and validated_at is not null
        and (validated_at at time zone 'Europe/Paris')::date between $2 and $3`,
    [townId, from, to],
  );
  return rows;
}

/** One child's day present at an activity declared to the CAF, with what the return needs. */
export interface CafAttendance {
  activityId: string;
  name: string;
  site: string;
  unit: 'heures' | 'actes';
  hoursPerDay: number | null;
  day: string;
  birthDate: string | null;
  /** The family's QF in force that day, if billing knows one. */
  qf: number | null;
}

export async function cafAttendance(db: Queryable, townId: string, from: string, to: string): Promise<CafAttendance[]> {
  const { rows } = await db.query<CafAttendance>(
    `select a.id as "activityId", a.name, a.site, a.caf_unit as unit, a.caf_hours_per_day::float8 as "hoursPerDay",
            to_char(t.day, 'YYYY-MM-DD') as day, to_char(c.birth_date, 'YYYY-MM-DD') as "birthDate",
            (select q.qf from family_quotients q where q.town_id = c.town_id and q.family_id = c.family_id and q.effective_from <= t.day
              order by q.effective_from desc limit 1) as qf
       from attendance t
       join activities a on a.id = t.activity_id and a.town_id = t.town_id
       join children c on c.id = t.child_id and c.town_id = t.town_id
      where t.town_id = $1 and a.caf_declared and t.present and t.day between $2 and $3
      order by a.name, a.site, t.day`,
    [townId, from, to],
  );
  return rows;
}

/** Activities declared to the CAF, to list those with nothing in the month too. */
export async function cafActivities(
  db: Queryable,
  townId: string,
  from: string,
  to: string,
): Promise<{ id: string; name: string; site: string; unit: 'heures' | 'actes'; hoursPerDay: number | null }[]> {
  const { rows } = await db.query<{ id: string; name: string; site: string; unit: 'heures' | 'actes'; hoursPerDay: number | null }>(
    `select id, name, site, caf_unit as unit, caf_hours_per_day::float8 as "hoursPerDay" from activities
      where town_id = $1 and caf_declared and start_date <= $3 and end_date >= $2 order by name, site`,
    [townId, from, to],
  );
  return rows;
}

/**
 * Per activity, the lower bounds (euros) of its tariff by brackets in force on `day` (the
 * latest tariff effective by then); activities without one are absent from the map.
 */
export async function activityBracketBounds(db: Queryable, townId: string, day: string): Promise<Map<string, number[]>> {
  const { rows } = await db.query<{ activityId: string; bounds: number[] }>(
    `select distinct on (t.activity_id) t.activity_id as "activityId",
            array(select b.qf_min from tariff_brackets b where b.tariff_id = t.id order by b.qf_min) as bounds
       from tariffs t
      where t.town_id = $1 and t.model = 'brackets' and t.effective_from <= $2
      order by t.activity_id, t.effective_from desc`,
    [townId, day],
  );
  return new Map(rows.map((r) => [r.activityId, r.bounds]));
}

export async function townActivities(db: Queryable, townId: string): Promise<{ id: string; name: string; site: string }[]> {
  const { rows } = await db.query<{ id: string; name: string; site: string }>(
    `select id, name, site from activities where town_id = $1 order by name, site, start_date desc`,
    [townId],
  );
  return rows;
}
