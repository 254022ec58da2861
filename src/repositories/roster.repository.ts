import type { Queryable } from '../db/pool.js';
import type { ActivityRow } from './activities.repository.js';

/** The sites of the town's activities, for the roster's choice of site. */
export async function rosterSites(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ site: string }>(
    `select distinct site from activities where town_id = $1 and site <> '' order by site`,
    [townId],
  );
  return rows.map((r) => r.site);
}

/** The activities of a site whose period covers the day (whether they run that weekday is the sheet's business). */
export async function siteActivities(db: Queryable, townId: string, site: string, day: string): Promise<ActivityRow[]> {
  const { rows } = await db.query<ActivityRow>(
    `select a.id, a.name, a.site, a.unit, a.start_date as "startDate", a.end_date as "endDate", a.weekdays,
            a.runs_during as "runsDuring", a.capacity, a.booking_rule as "bookingRule",
            a.cancellation_rule as "cancellationRule", a.confirmation
       from activities a
      where a.town_id = $1 and a.site = $2 and a.start_date <= $3 and a.end_date >= $3
      order by a.name`,
    [townId, site, day],
  );
  return rows;
}

/** A class of the children enrolled that day in the site's activities, with how many of them. */
export interface SiteClass {
  school: string;
  className: string;
  children: number;
}

/**
 * The classes of the children enrolled on `day` in any of the site's activities (a child of
 * the canteen and of evening care counted once): the roster's filter by class.
 */
export async function siteDayClasses(db: Queryable, townId: string, site: string, day: string): Promise<SiteClass[]> {
  const { rows } = await db.query<SiteClass>(
    `select c.school, c.class_name as "className", count(distinct c.id)::int as children
       from activities a
       join enrolments e on e.activity_id = a.id and e.town_id = a.town_id and $3::date between e.start_date and e.end_date
       join children c on c.id = e.child_id and c.town_id = e.town_id
      where a.town_id = $1 and a.site = $2 and a.start_date <= $3 and a.end_date >= $3
      group by c.school, c.class_name
      order by c.school, c.class_name`,
    [townId, site, day],
  );
  return rows;
}

/** What the staff at the door must know of a child: who may collect them, photos, and health. */
export interface ChildFlags {
  childId: string;
  photoConsent: boolean;
  mayLeaveAlone: boolean;
  authorisedPersons: { fullName: string; relationship: string; phone: string }[];
  pai: boolean;
  paiAllergens: string;
  allergies: string;
  healthNotes: string;
}

export async function childFlags(db: Queryable, townId: string, childIds: readonly string[]): Promise<Map<string, ChildFlags>> {
  if (childIds.length === 0) return new Map();
  const { rows } = await db.query<ChildFlags>(
    `select c.id as "childId", c.photo_consent as "photoConsent", c.may_leave_alone as "mayLeaveAlone",
            c.pai, c.pai_allergens as "paiAllergens", c.allergies, c.health_notes as "healthNotes",
            coalesce((select json_agg(json_build_object('fullName', p.full_name, 'relationship', p.relationship, 'phone', p.phone)
                                order by p.position)
                        from child_authorised_persons p where p.child_id = c.id), '[]'::json) as "authorisedPersons"
       from children c
      where c.town_id = $1 and c.id = any($2::uuid[])`,
    [townId, [...childIds]],
  );
  return new Map(rows.map((r) => [r.childId, r]));
}

export async function hasHealthAccess(db: Queryable, townId: string, agentId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select health_access as ok from agents where town_id = $1 and id = $2`, [
    townId,
    agentId,
  ]);
  return rows[0]?.ok === true;
}

export async function listHealthAccess(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from agents where town_id = $1 and health_access`, [townId]);
  return rows.map((r) => r.id);
}

/** The agent's right before the change, or undefined when the agent is not of this town. */
export async function setHealthAccess(db: Queryable, townId: string, agentId: string, allowed: boolean): Promise<boolean | undefined> {
  const { rows } = await db.query<{ before: boolean }>(
    `update agents a set health_access = $3, updated_at = now()
       from (select id, health_access from agents where town_id = $1 and id = $2 for update) old
      where a.id = old.id
      returning old.health_access as before`,
    [townId, agentId, allowed],
  );
  return rows[0]?.before;
}
