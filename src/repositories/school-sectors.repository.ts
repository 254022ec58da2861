import type { Queryable } from '../db/pool.js';

/**
 * The town's schools and its street-to-school sector table (issue 16, school pre-enrolment).
 * Every query filters on the town.
 */

export type SchoolKind = 'maternelle' | 'elementaire';

export interface School {
  id: string;
  name: string;
  kind: SchoolKind;
  address: string;
}

export async function listSchools(db: Queryable, townId: string): Promise<School[]> {
  const { rows } = await db.query<School>(`select id, name, kind, address from schools where town_id = $1 order by kind desc, name`, [
    townId,
  ]);
  return rows;
}

export async function findSchool(db: Queryable, townId: string, id: string): Promise<School | undefined> {
  const { rows } = await db.query<School>(`select id, name, kind, address from schools where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

/** Undefined when the town already has a school of that name (the unique index refused it). */
export async function insertSchool(db: Queryable, townId: string, s: Omit<School, 'id'>): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `insert into schools (town_id, name, kind, address) values ($1, $2, $3, $4) on conflict (town_id, name) do nothing returning id`,
    [townId, s.name, s.kind, s.address],
  );
  return rows[0]?.id;
}

export interface SectorLine {
  id: string;
  streetLabel: string;
  numberFrom: number | null;
  numberTo: number | null;
  postalCode: string;
  schoolId: string;
  schoolName: string;
}

export async function countSectors(db: Queryable, townId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from school_sectors where town_id = $1`, [townId]);
  return rows[0]?.n ?? 0;
}

/** A page of the table, by street then numbers; `q` filters on the street's key. */
export async function listSectors(
  db: Queryable,
  townId: string,
  o: { key?: string; limit: number; offset: number },
): Promise<SectorLine[]> {
  const { rows } = await db.query<SectorLine>(
    `select x.id, x.street_label as "streetLabel", x.number_from as "numberFrom", x.number_to as "numberTo", x.postal_code as "postalCode",
            x.school_id as "schoolId", s.name as "schoolName"
       from school_sectors x join schools s on s.id = x.school_id
      where x.town_id = $1 and ($2::text is null or x.street_key like '%' || $2 || '%')
      order by x.street_key, x.postal_code, x.number_from nulls first, x.id
      limit $3 offset $4`,
    [townId, o.key || null, o.limit, o.offset],
  );
  return rows;
}

export interface NewSector {
  streetLabel: string;
  streetKey: string;
  numberFrom: number | null;
  numberTo: number | null;
  postalCode: string;
  schoolId: string;
}

/** Inserts many lines in one statement (an import of thousands); the schools must be the town's. */
export async function insertSectors(db: Queryable, townId: string, lines: readonly NewSector[]): Promise<number> {
  if (lines.length === 0) return 0;
  const { rowCount } = await db.query(
    `insert into school_sectors (town_id, street_label, street_key, number_from, number_to, postal_code, school_id)
     select $1, l.label, l.key, l.n_from, l.n_to, l.cp, s.id
       from unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::uuid[]) as l(label, key, n_from, n_to, cp, school)
       join schools s on s.id = l.school and s.town_id = $1`,
    [
      townId,
      lines.map((l) => l.streetLabel),
      lines.map((l) => l.streetKey),
      lines.map((l) => l.numberFrom),
      lines.map((l) => l.numberTo),
      lines.map((l) => l.postalCode),
      lines.map((l) => l.schoolId),
    ],
  );
  return rowCount ?? 0;
}

export async function deleteAllSectors(db: Queryable, townId: string): Promise<number> {
  const { rowCount } = await db.query(`delete from school_sectors where town_id = $1`, [townId]);
  return rowCount ?? 0;
}

export async function deleteSector(db: Queryable, townId: string, id: string): Promise<SectorLine | undefined> {
  const { rows } = await db.query<SectorLine>(
    `delete from school_sectors x using schools s where x.town_id = $1 and x.id = $2 and s.id = x.school_id
     returning x.id, x.street_label as "streetLabel", x.number_from as "numberFrom", x.number_to as "numberTo",
               x.postal_code as "postalCode", x.school_id as "schoolId", s.name as "schoolName"`,
    [townId, id],
  );
  return rows[0];
}

/**
 * The schools of the sector of an address: its street's key and postal code, and the house
 * number within the line's range (a line without a range covers the whole street; an address
 * without a number matches only those).
 */
export async function sectorSchools(
  db: Queryable,
  townId: string,
  a: { streetKey: string; postalCode: string; number: number | null },
): Promise<School[]> {
  const { rows } = await db.query<School>(
    `select distinct s.id, s.name, s.kind, s.address
       from school_sectors x join schools s on s.id = x.school_id
      where x.town_id = $1 and x.street_key = $2 and x.postal_code = $3
        and (x.number_from is null or ($4::int is not null and $4 >= x.number_from))
        and (x.number_to is null or ($4::int is not null and $4 <= x.number_to))
      order by s.kind desc, s.name`,
    [townId, a.streetKey, a.postalCode, a.number],
  );
  return rows;
}

/** The school and class an accepted pre-enrolment gives the child (what the child's page shows). */
export async function setChildSchool(
  db: Queryable,
  townId: string,
  childId: string,
  school: string,
  className: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(`update children set school = $3, class_name = $4, updated_at = $5 where town_id = $1 and id = $2`, [
    townId,
    childId,
    school,
    className,
    now,
  ]);
  return (rowCount ?? 0) > 0;
}

/** Whether the child already has a pre-enrolment waiting for the services (sent, in hand or waiting for a complement). */
export async function hasOpenSchoolRequest(db: Queryable, townId: string, childId: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from requests where town_id = $1 and child_id = $2 and type = 'school_enrolment' and status in ('sent', 'in_progress', 'complement_requested')`,
    [townId, childId],
  );
  return rows.length > 0;
}

export interface SchoolRequestRow {
  id: string;
  status: string;
  summary: string;
  payload: Record<string, unknown>;
  childId: string | null;
  createdAt: Date;
}

/** The pre-enrolments waiting for the services, oldest first. */
export async function listOpenSchoolRequests(db: Queryable, townId: string): Promise<SchoolRequestRow[]> {
  const { rows } = await db.query<SchoolRequestRow>(
    `select id, status, summary, payload, child_id as "childId", created_at as "createdAt" from requests
      where town_id = $1 and type = 'school_enrolment' and status in ('sent', 'in_progress', 'complement_requested')
      order by created_at, id limit 500`,
    [townId],
  );
  return rows;
}

/** One pre-enrolment of the town (any status), or undefined: another town's or another type's id is not found. */
export async function findSchoolRequest(db: Queryable, townId: string, id: string): Promise<SchoolRequestRow | undefined> {
  const { rows } = await db.query<SchoolRequestRow>(
    `select id, status, summary, payload, child_id as "childId", created_at as "createdAt" from requests
      where town_id = $1 and id = $2 and type = 'school_enrolment'`,
    [townId, id],
  );
  return rows[0];
}
