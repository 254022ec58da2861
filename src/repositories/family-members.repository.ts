import type { Queryable } from '../db/pool.js';
import type { Child, FamilyWithAddress } from './families.repository.js';

/**
 * The family as its parents see and edit it: the children with their file (Dossier
 * administratif), the adults of the file (co-représentants, with or without an account),
 * and what an agent's acceptance of a request writes into the file. Every query filters
 * on the town and the family: a child of another family is not found.
 */

export interface AuthorisedPerson {
  fullName: string;
  relationship: string;
  phone: string;
}

export interface ChildFileFields {
  school: string;
  className: string;
  healthNotes: string;
  allergies: string;
  doctorName: string;
  doctorPhone: string;
  photoConsent: boolean;
  mayLeaveAlone: boolean;
  /** Diets and PAI (migration 0033): what the kitchen counts. */
  dietNoPork: boolean;
  dietVegetarian: boolean;
  dietGlutenFree: boolean;
  pai: boolean;
  paiAllergens: string;
  authorisedPersons: AuthorisedPerson[];
}

/** The file (what the parents may change) and who the child is. */
export interface ChildFile extends ChildFileFields {
  id: string;
  familyId: string;
  firstNames: string;
  lastName: string;
  birthDate: string | null;
  updatedAt: Date;
}

/** A child's file as both the parents' pages and the back-office read it. */
export const CHILD_COLUMNS = `c.id, c.family_id as "familyId", c.first_names as "firstNames", c.last_name as "lastName", c.birth_date as "birthDate",
  c.school, c.class_name as "className", c.health_notes as "healthNotes", c.allergies, c.doctor_name as "doctorName",
  c.doctor_phone as "doctorPhone", c.photo_consent as "photoConsent", c.may_leave_alone as "mayLeaveAlone", c.updated_at as "updatedAt",
  c.diet_no_pork as "dietNoPork", c.diet_vegetarian as "dietVegetarian", c.diet_gluten_free as "dietGlutenFree", c.pai,
  c.pai_allergens as "paiAllergens",
  coalesce((select json_agg(json_build_object('fullName', p.full_name, 'relationship', p.relationship, 'phone', p.phone) order by p.position)
              from child_authorised_persons p where p.child_id = c.id), '[]') as "authorisedPersons"`;

export async function findFamilyChild(
  db: Queryable,
  townId: string,
  familyId: string,
  childId: string,
  options: { lock?: boolean } = {},
): Promise<ChildFile | undefined> {
  const { rows } = await db.query<ChildFile>(
    `select ${CHILD_COLUMNS} from children c where c.town_id = $1 and c.family_id = $2 and c.id = $3${options.lock ? ' for update of c' : ''}`,
    [townId, familyId, childId],
  );
  return rows[0];
}

export async function findChildOfTown(db: Queryable, townId: string, childId: string, lock = false): Promise<ChildFile | undefined> {
  const { rows } = await db.query<ChildFile>(
    `select ${CHILD_COLUMNS} from children c where c.town_id = $1 and c.id = $2${lock ? ' for update of c' : ''}`,
    [townId, childId],
  );
  return rows[0];
}

export async function updateChildFile(db: Queryable, townId: string, childId: string, f: ChildFileFields, now: Date): Promise<void> {
  await db.query(
    `update children set school = $3, class_name = $4, health_notes = $5, allergies = $6, doctor_name = $7, doctor_phone = $8,
       photo_consent = $9, may_leave_alone = $10, updated_at = $11, diet_no_pork = $12, diet_vegetarian = $13,
       diet_gluten_free = $14, pai = $15, pai_allergens = $16
      where town_id = $1 and id = $2`,
    [
      townId,
      childId,
      f.school,
      f.className,
      f.healthNotes,
      f.allergies,
      f.doctorName,
      f.doctorPhone,
      f.photoConsent,
      f.mayLeaveAlone,
      now,
      f.dietNoPork,
      f.dietVegetarian,
      f.dietGlutenFree,
      f.pai,
      f.paiAllergens,
    ],
  );
  await replaceAuthorisedPersons(db, townId, childId, f.authorisedPersons, now);
}

/** The persons allowed to collect the child, in the order given: the list replaces the former one. */
export async function replaceAuthorisedPersons(db: Queryable, townId: string, childId: string, persons: AuthorisedPerson[], now: Date) {
  await db.query(`delete from child_authorised_persons where town_id = $1 and child_id = $2`, [townId, childId]);
  if (persons.length === 0) return;
  await db.query(
    `insert into child_authorised_persons (town_id, child_id, position, full_name, relationship, phone, created_at)
     select $1, $2, p.position, p.full_name, p.relationship, p.phone, $3
       from unnest($4::int[], $5::text[], $6::text[], $7::text[]) as p(position, full_name, relationship, phone)`,
    [
      townId,
      childId,
      now,
      persons.map((_, i) => i + 1),
      persons.map((p) => p.fullName),
      persons.map((p) => p.relationship),
      persons.map((p) => p.phone),
    ],
  );
}

export type ChildSummary = Child;

export async function listFamilyChildren(db: Queryable, townId: string, familyId: string): Promise<ChildSummary[]> {
  const { rows } = await db.query<ChildSummary>(
    `select id, first_names as "firstNames", last_name as "lastName", birth_date as "birthDate", school, class_name as "className"
       from children where town_id = $1 and family_id = $2 order by birth_date nulls last, first_names, id`,
    [townId, familyId],
  );
  return rows;
}

/** An adult of the family file, as the family sees it: with or without an account. */
export interface FamilyMemberAdult {
  /** The account's id when there is one, else the file's record. */
  id: string;
  civility: 'M' | 'Mme';
  firstNames: string;
  lastName: string;
  hasAccount: boolean;
}

/**
 * The adults of the file: every active account linked to it, then the town's records of
 * adults that are not those accounts (a record pre-created into an account is one person).
 */
export async function listFamilyAdults(db: Queryable, townId: string, familyId: string): Promise<FamilyMemberAdult[]> {
  const { rows } = await db.query<FamilyMemberAdult>(
    `select id, civility, first_names as "firstNames", last_name as "lastName", true as "hasAccount", created_at
       from accounts where town_id = $1 and family_id = $2 and disabled_at is null and validation_status = 'validated'
     union all
     select fa.id, fa.civility, fa.first_names, fa.last_name, false, fa.created_at
       from family_adults fa
      where fa.town_id = $1 and fa.family_id = $2
        and not exists (select 1 from accounts a where a.id = fa.account_id and a.family_id = $2 and a.disabled_at is null
                          and a.validation_status = 'validated')
     order by "hasAccount" desc, created_at, id`,
    [townId, familyId],
  );
  return rows.map(({ id, civility, firstNames, lastName, hasAccount }) => ({ id, civility, firstNames, lastName, hasAccount }));
}

// ---------------------------------------------------------------- what an acceptance writes

/** What every new member of a family file (a child, an adult) has. */
interface NewMember {
  townId: string;
  familyId: string;
  firstNames: string;
  lastName: string;
  now: Date;
}

/** A child and an adult join a file alike: town, family and names, then the columns that are their own. */
async function insertMember(
  db: Queryable,
  table: 'children' | 'family_adults',
  m: NewMember,
  own: Record<string, string | null>,
): Promise<string> {
  const columns = ['town_id', 'family_id', 'first_names', 'last_name', ...Object.keys(own), 'created_at', 'updated_at'];
  const values = [m.townId, m.familyId, m.firstNames, m.lastName, ...Object.values(own), m.now];
  const placeholders = [...values.map((_, i) => `$${i + 1}`), `$${values.length}`];
  const { rows } = await db.query<{ id: string }>(
    `insert into ${table} (${columns.join(', ')}) values (${placeholders.join(', ')}) returning id`,
    values,
  );
  return rows[0]!.id;
}

export async function insertFamilyChild(
  db: Queryable,
  c: NewMember & { birthDate: string | null; school: string; className: string },
): Promise<string> {
  return insertMember(db, 'children', c, { birth_date: c.birthDate, school: c.school, class_name: c.className });
}

export async function insertFamilyAdult(
  db: Queryable,
  a: NewMember & { civility: 'M' | 'Mme'; email: string; phone: string },
): Promise<string> {
  return insertMember(db, 'family_adults', a, { civility: a.civility, email: a.email, phone: a.phone });
}

export async function updateFamilyAddress(
  db: Queryable,
  townId: string,
  familyId: string,
  a: { line: string; postalCode: string; city: string },
  now: Date,
): Promise<void> {
  await db.query(`update families set address_line = $3, postal_code = $4, city = $5, updated_at = $6 where town_id = $1 and id = $2`, [
    townId,
    familyId,
    a.line,
    a.postalCode,
    a.city,
    now,
  ]);
}

/** The file's record of the account's owner, if the town has one (linked by a pre-creation). */
export async function updateAdultOfAccount(
  db: Queryable,
  townId: string,
  familyId: string,
  accountId: string,
  change: { email?: string; phone?: string },
  now: Date,
): Promise<number> {
  const { rowCount } = await db.query(
    `update family_adults set email = coalesce($4, email), phone = coalesce($5, phone), updated_at = $6
      where town_id = $1 and family_id = $2 and account_id = $3`,
    [townId, familyId, accountId, change.email ?? null, change.phone ?? null, now],
  );
  return rowCount ?? 0;
}

// ---------------------------------------------------------------- the agents' view of a request's family

export interface ContextAdult {
  firstNames: string;
  lastName: string;
  civility: 'M' | 'Mme';
  email: string;
  phone: string;
  hasAccount: boolean;
}

export interface FamilyContext extends FamilyWithAddress {
  adults: ContextAdult[];
  children: ChildSummary[];
}

/** The family file as an agent handling a request sees it: who is in it, how to reach them. */
export async function familyContext(db: Queryable, townId: string, familyId: string): Promise<FamilyContext | undefined> {
  const { rows } = await db.query<Omit<FamilyContext, 'adults' | 'children'>>(
    `select id, name, cle_enfance as "cleEnfance", address_line as "addressLine", postal_code as "postalCode", city
       from families where town_id = $1 and id = $2`,
    [townId, familyId],
  );
  const family = rows[0];
  if (!family) return undefined;
  const [adults, children] = await Promise.all([
    db.query<ContextAdult>(
      `select first_names as "firstNames", last_name as "lastName", civility, email, coalesce(nullif(mobile, ''), phone) as phone,
              true as "hasAccount", created_at
         from accounts where town_id = $1 and family_id = $2 and disabled_at is null
       union all
       select fa.first_names, fa.last_name, fa.civility, fa.email, fa.phone, false, fa.created_at
         from family_adults fa
        where fa.town_id = $1 and fa.family_id = $2
          and not exists (select 1 from accounts a where a.id = fa.account_id and a.family_id = $2 and a.disabled_at is null)
       order by "hasAccount" desc, created_at`,
      [townId, familyId],
    ),
    listFamilyChildren(db, townId, familyId),
  ]);
  return {
    ...family,
    adults: adults.rows.map(({ firstNames, lastName, civility, email, phone, hasAccount }) => ({
      firstNames,
      lastName,
      civility,
      email,
      phone,
      hasAccount,
    })),
    children,
  };
}
