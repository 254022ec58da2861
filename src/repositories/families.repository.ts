import type { Queryable } from '../db/pool.js';

export interface Family {
  id: string;
  name: string;
  cleEnfance: string;
}

/** A family as a list or a heading shows it: its name, key and one line of address. */
export interface FamilyWithAddress extends Family {
  addressLine: string;
  postalCode: string;
  city: string;
}

export interface Child {
  id: string;
  firstNames: string;
  lastName: string;
  birthDate: string | null;
  school: string;
  className: string;
}

export interface FamilyAdult {
  id: string;
  civility: 'M' | 'Mme';
  firstNames: string;
  lastName: string;
}

export async function findFamily(db: Queryable, townId: string, familyId: string): Promise<Family | undefined> {
  const { rows } = await db.query<Family>(`select id, name, cle_enfance as "cleEnfance" from families where town_id = $1 and id = $2`, [
    townId,
    familyId,
  ]);
  return rows[0];
}

export async function listChildren(db: Queryable, townId: string, familyId: string): Promise<Child[]> {
  const { rows } = await db.query<Child>(
    `select id, first_names as "firstNames", last_name as "lastName", birth_date as "birthDate", school, class_name as "className"
       from children where town_id = $1 and family_id = $2 order by birth_date nulls last, first_names`,
    [townId, familyId],
  );
  return rows;
}

/** The adults of a family that have an account (the co-représentants with one). */
export async function listAccountHolders(db: Queryable, townId: string, familyId: string): Promise<FamilyAdult[]> {
  const { rows } = await db.query<FamilyAdult>(
    `select id, civility, first_names as "firstNames", last_name as "lastName"
       from accounts where town_id = $1 and family_id = $2 and disabled_at is null order by created_at`,
    [townId, familyId],
  );
  return rows;
}

/** Whether a family file of the town already has this Clé Enfance. */
export async function cleEnfanceTaken(db: Queryable, townId: string, key: string): Promise<boolean> {
  const { rowCount } = await db.query('select 1 from families where town_id = $1 and cle_enfance = $2', [townId, key]);
  return (rowCount ?? 0) > 0;
}
