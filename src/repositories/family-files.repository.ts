import crypto from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { generateCleEnfance } from '../lib/cle-enfance.js';
import { personLabels, type PersonNames } from '../lib/french.js';
import { CHILD_COLUMNS, replaceAuthorisedPersons, type ChildFile } from './family-members.repository.js';

export type { AuthorisedPerson, ChildFile } from './family-members.repository.js';

/**
 * Family files as the back-office sees them: the file, its adults (the town's records and
 * the accounts linked to it), its children with their file. Every query filters on the
 * town; ids from a URL are checked as UUIDs by the caller before they get here.
 */

export interface FamilyFile {
  id: string;
  name: string;
  cleEnfance: string;
  cleEnfanceIssuedAt: Date;
  externalRef: string | null;
  addressLine: string;
  postalCode: string;
  city: string;
  createdAt: Date;
  updatedAt: Date;
}

const FAMILY_COLUMNS = `id, name, cle_enfance as "cleEnfance", cle_enfance_issued_at as "cleEnfanceIssuedAt",
  external_ref as "externalRef", address_line as "addressLine", postal_code as "postalCode", city,
  created_at as "createdAt", updated_at as "updatedAt"`;

export interface FamilyListRow {
  id: string;
  name: string;
  cleEnfance: string;
  externalRef: string | null;
  city: string;
  children: string[];
  adults: string[];
  accountCount: number;
}

/** `%`, `_` and `\` typed in a search are letters, not patterns. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The town's family files, by name; `q` (folded like the names) matches the file's name,
 * reference or key, a child's names, an adult's names or email, an account's names, email
 * or username.
 */
export async function searchFamilies(
  db: Queryable,
  townId: string,
  q: string,
  limit: number,
  offset: number,
): Promise<{ rows: FamilyListRow[]; total: number }> {
  const pattern = q ? likePattern(q) : null;
  const { rows } = await db.query<Omit<FamilyListRow, 'adults'> & { adults: PersonNames[]; total: number }>(
    // families.search_text holds, folded, every name, key, email and username the search
    // matches (migration 0041, kept by triggers): one trigram index, one row per family.
    `with page as (
       select f.id, f.name, f.name_sort, f.cle_enfance, f.external_ref, f.city, count(*) over ()::int as total
         from families f
        where f.town_id = $1 and ($2::text is null or f.search_text like fold_text($2))
        order by f.name_sort, f.name, f.id
        limit $3 offset $4
     )
     -- The page first, then its children, adults and accounts: read in the select list of the
     -- sorted query, they would be read for every family found (a common name finds a
     -- thousand in a large town) before the sort kept twenty.
     select f.id, f.name, f.cle_enfance as "cleEnfance", f.external_ref as "externalRef", f.city,
            coalesce((select array_agg(c.first_names order by c.birth_date nulls last, c.first_names)
                        from children c where c.family_id = f.id), '{}') as children,
            coalesce((select json_agg(json_build_object('firstNames', x.first_names, 'lastName', x.last_name)) from (
                        select fa.first_names, fa.last_name from family_adults fa
                         where fa.family_id = f.id
                        union
                        select a.first_names, a.last_name from accounts a
                         where a.family_id = f.id and a.disabled_at is null) x), '[]') as adults,
            (select count(*)::int from accounts a where a.family_id = f.id and a.disabled_at is null) as "accountCount",
            f.total
       from page f
      order by f.name_sort, f.name, f.id`,
    [townId, pattern, limit, offset],
  );
  if (rows.length === 0 && offset > 0) {
    // A page past the end: the caller still needs the total to say so.
    const count = await searchFamilies(db, townId, q, 1, 0);
    return { rows: [], total: count.total };
  }
  return { rows: rows.map(({ total: _t, adults, ...r }) => ({ ...r, adults: personLabels(adults) })), total: rows[0]?.total ?? 0 };
}

export async function findFamilyFile(db: Queryable, townId: string, id: string): Promise<FamilyFile | undefined> {
  const { rows } = await db.query<FamilyFile>(`select ${FAMILY_COLUMNS} from families where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

/** Locks the file for a change (two agents editing at once are applied one after the other). */
export async function lockFamilyFile(db: Queryable, townId: string, id: string): Promise<FamilyFile | undefined> {
  const { rows } = await db.query<FamilyFile>(`select ${FAMILY_COLUMNS} from families where town_id = $1 and id = $2 for update`, [
    townId,
    id,
  ]);
  return rows[0];
}

export interface FamilyFields {
  name: string;
  externalRef: string | null;
  addressLine: string;
  postalCode: string;
  city: string;
}

export async function insertFamily(
  db: Queryable,
  townId: string,
  f: FamilyFields & { cleEnfance: string; now: Date },
): Promise<FamilyFile> {
  const { rows } = await db.query<FamilyFile>(
    `insert into families (town_id, cle_enfance, cle_enfance_issued_at, name, external_ref, address_line, postal_code, city, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $3, $3) returning ${FAMILY_COLUMNS}`,
    [townId, f.cleEnfance, f.now, f.name, f.externalRef, f.addressLine, f.postalCode, f.city],
  );
  return rows[0]!;
}

export async function updateFamily(db: Queryable, townId: string, id: string, f: FamilyFields & { now: Date }): Promise<void> {
  await db.query(
    `update families set name = $3, external_ref = $4, address_line = $5, postal_code = $6, city = $7, updated_at = $8
      where town_id = $1 and id = $2`,
    [townId, id, f.name, f.externalRef, f.addressLine, f.postalCode, f.city, f.now],
  );
}

/** The file that already carries this reference (compared without case), if any. */
export async function familyWithRef(
  db: Queryable,
  townId: string,
  ref: string,
  exceptId?: string,
): Promise<{ id: string; name: string } | undefined> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `select id, name from families where town_id = $1 and lower(external_ref) = lower($2) and id is distinct from $3 limit 1`,
    [townId, ref, exceptId ?? null],
  );
  return rows[0];
}

/** The references among `refs` that files of the town already carry (lower case). */
export async function existingRefs(db: Queryable, townId: string, refs: string[]): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const { rows } = await db.query<{ ref: string }>(
    `select lower(external_ref) as ref from families where town_id = $1 and lower(external_ref) = any($2::text[])`,
    [townId, refs.map((r) => r.toLowerCase())],
  );
  return new Set(rows.map((r) => r.ref));
}

/** `count` Clé Enfance keys that no file of the town has, all different (one query per round). */
export async function freeCleEnfanceKeys(db: Queryable, townId: string, count: number): Promise<string[]> {
  const keys = new Set<string>();
  while (keys.size < count) {
    const candidates = new Set<string>();
    while (candidates.size < count - keys.size) {
      const key = generateCleEnfance();
      if (!keys.has(key)) candidates.add(key);
    }
    const { rows } = await db.query<{ cle_enfance: string }>(
      `select cle_enfance from families where town_id = $1 and cle_enfance = any($2::text[])`,
      [townId, [...candidates]],
    );
    const taken = new Set(rows.map((r) => r.cle_enfance));
    for (const key of candidates) if (!taken.has(key)) keys.add(key);
  }
  return [...keys];
}

/**
 * New files in one statement; a file whose reference the town already has (created
 * meanwhile by someone else) is skipped. Returns the ids actually inserted.
 */
export async function insertFamiliesIfNew(
  db: Queryable,
  townId: string,
  families: (FamilyFields & { id: string; cleEnfance: string })[],
  now: Date,
): Promise<Set<string>> {
  if (families.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `insert into families (id, town_id, cle_enfance, cle_enfance_issued_at, name, external_ref, address_line, postal_code, city, created_at, updated_at)
     select f.id, $1, f.cle_enfance, $2, f.name, f.external_ref, f.address_line, f.postal_code, f.city, $2, $2
       from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
            as f(id, cle_enfance, name, external_ref, address_line, postal_code, city)
     on conflict (town_id, external_ref) where external_ref is not null do nothing
     returning id`,
    [
      townId,
      now,
      families.map((f) => f.id),
      families.map((f) => f.cleEnfance),
      families.map((f) => f.name),
      families.map((f) => f.externalRef),
      families.map((f) => f.addressLine),
      families.map((f) => f.postalCode),
      families.map((f) => f.city),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

export async function setCleEnfance(db: Queryable, townId: string, id: string, key: string, now: Date): Promise<void> {
  await db.query(`update families set cle_enfance = $3, cle_enfance_issued_at = $4, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    id,
    key,
    now,
  ]);
}

// ---------------------------------------------------------------- adults

export interface AdultAccount {
  id: string;
  username: string;
  email: string;
  createdVia: 'wizard' | 'precreated';
  passwordIsTemporary: boolean;
  emailConfirmedAt: Date | null;
  validationStatus: 'awaiting_services' | 'validated' | 'refused';
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  /** When the last activation link (the Création rapide mail for pre-created accounts) was sent. */
  lastMailAt: Date | null;
}

/** One person of the file: the town's record (`adultId`), an account (`account`), or both. */
export interface FileAdult {
  adultId: string | null;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
  phone: string;
  account: AdultAccount | null;
}

const ACCOUNT_COLUMNS = `a.id, a.username, a.email, a.created_via as "createdVia", a.password_is_temporary as "passwordIsTemporary",
  a.email_confirmed_at as "emailConfirmedAt", a.validation_status as "validationStatus", a.disabled_at as "disabledAt",
  a.last_sign_in_at as "lastSignInAt",
  (select max(t.created_at) from account_tokens t where t.account_id = a.id and t.purpose = 'activation') as "lastMailAt"`;

export async function listFileAdults(db: Queryable, townId: string, familyId: string): Promise<FileAdult[]> {
  const [records, accounts] = await Promise.all([
    db.query<Omit<FileAdult, 'account'> & { accountId: string | null }>(
      `select fa.id as "adultId", fa.civility, fa.last_name as "lastName", fa.first_names as "firstNames", fa.email, fa.phone,
              a.id as "accountId"
         from family_adults fa
         left join accounts a on a.id = fa.account_id and a.town_id = fa.town_id and a.family_id = fa.family_id
        where fa.town_id = $1 and fa.family_id = $2
        order by fa.created_at, fa.id`,
      [townId, familyId],
    ),
    db.query<AdultAccount & { civility: 'M' | 'Mme'; lastName: string; firstNames: string; phone: string; mobile: string }>(
      `select ${ACCOUNT_COLUMNS}, a.civility, a.last_name as "lastName", a.first_names as "firstNames", a.phone, a.mobile
         from accounts a where a.town_id = $1 and a.family_id = $2 order by a.created_at, a.id`,
      [townId, familyId],
    ),
  ]);
  const byId = new Map(accounts.rows.map((a) => [a.id, a]));
  const strip = ({ civility: _c, lastName: _l, firstNames: _f, phone: _p, mobile: _m, ...account }: (typeof accounts.rows)[number]) =>
    account;
  const adults: FileAdult[] = records.rows.map(({ accountId, ...r }) => {
    const account = accountId ? byId.get(accountId) : undefined;
    if (account) byId.delete(account.id);
    return { ...r, account: account ? strip(account) : null };
  });
  // Accounts linked to the file without a record of the town (Clé Enfance, activation by an agent).
  for (const a of byId.values()) {
    adults.push({
      adultId: null,
      civility: a.civility,
      lastName: a.lastName,
      firstNames: a.firstNames,
      email: a.email,
      phone: a.mobile || a.phone,
      account: strip(a),
    });
  }
  return adults;
}

export interface FamilyAdultRecord {
  id: string;
  familyId: string;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
  phone: string;
  accountId: string | null;
}

const ADULT_COLUMNS = `id, family_id as "familyId", civility, last_name as "lastName", first_names as "firstNames", email, phone,
  account_id as "accountId"`;

export async function findAdult(db: Queryable, townId: string, familyId: string, adultId: string): Promise<FamilyAdultRecord | undefined> {
  const { rows } = await db.query<FamilyAdultRecord>(
    `select ${ADULT_COLUMNS} from family_adults where town_id = $1 and family_id = $2 and id = $3`,
    [townId, familyId, adultId],
  );
  return rows[0];
}

export async function lockAdult(db: Queryable, townId: string, familyId: string, adultId: string): Promise<FamilyAdultRecord | undefined> {
  const { rows } = await db.query<FamilyAdultRecord>(
    `select ${ADULT_COLUMNS} from family_adults where town_id = $1 and family_id = $2 and id = $3 for update`,
    [townId, familyId, adultId],
  );
  return rows[0];
}

export interface AdultFields {
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
  phone: string;
}

export async function insertAdult(db: Queryable, townId: string, familyId: string, a: AdultFields & { now: Date }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into family_adults (town_id, family_id, civility, last_name, first_names, email, phone, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id`,
    [townId, familyId, a.civility, a.lastName, a.firstNames, a.email, a.phone, a.now],
  );
  return rows[0]!.id;
}

/** Adults of one or several files in one statement (the import), with ids chosen by the caller. */
export type AdultRow = AdultFields & { id: string; familyId: string };

export async function insertAdultRows(db: Queryable, townId: string, adults: AdultRow[], now: Date): Promise<void> {
  if (adults.length === 0) return;
  await db.query(
    `insert into family_adults (id, town_id, family_id, civility, last_name, first_names, email, phone, created_at, updated_at)
     select a.id, $1, a.family_id, a.civility, a.last_name, a.first_names, a.email, a.phone, $2, $2
       from unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
            as a(id, family_id, civility, last_name, first_names, email, phone)`,
    [
      townId,
      now,
      adults.map((a) => a.id),
      adults.map((a) => a.familyId),
      adults.map((a) => a.civility),
      adults.map((a) => a.lastName),
      adults.map((a) => a.firstNames),
      adults.map((a) => a.email),
      adults.map((a) => a.phone),
    ],
  );
}

/** Several adults of one file; ids come back in the order given. */
export async function insertAdults(db: Queryable, townId: string, familyId: string, adults: AdultFields[], now: Date): Promise<string[]> {
  const rows = adults.map((a) => ({ ...a, id: crypto.randomUUID(), familyId }));
  await insertAdultRows(db, townId, rows, now);
  return rows.map((r) => r.id);
}

export async function updateAdult(db: Queryable, townId: string, adultId: string, a: AdultFields & { now: Date }): Promise<void> {
  await db.query(
    `update family_adults set civility = $3, last_name = $4, first_names = $5, email = $6, phone = $7, updated_at = $8
      where town_id = $1 and id = $2`,
    [townId, adultId, a.civility, a.lastName, a.firstNames, a.email, a.phone, a.now],
  );
}

export async function linkAdultAccount(db: Queryable, townId: string, adultId: string, accountId: string, now: Date): Promise<void> {
  await db.query(`update family_adults set account_id = $3, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    adultId,
    accountId,
    now,
  ]);
}

/** An account linked to this file (for "Renvoyer le courriel"). */
export async function findFileAccount(
  db: Queryable,
  townId: string,
  familyId: string,
  accountId: string,
): Promise<AdultAccount | undefined> {
  const { rows } = await db.query<AdultAccount>(
    `select ${ACCOUNT_COLUMNS} from accounts a where a.town_id = $1 and a.family_id = $2 and a.id = $3`,
    [townId, familyId, accountId],
  );
  return rows[0];
}

// ---------------------------------------------------------------- children

export async function listChildFiles(db: Queryable, townId: string, familyId: string): Promise<ChildFile[]> {
  const { rows } = await db.query<ChildFile>(
    `select ${CHILD_COLUMNS} from children c where c.town_id = $1 and c.family_id = $2
      order by c.birth_date nulls last, c.first_names, c.id`,
    [townId, familyId],
  );
  return rows;
}

export async function findChildFile(db: Queryable, townId: string, familyId: string, childId: string): Promise<ChildFile | undefined> {
  const { rows } = await db.query<ChildFile>(
    `select ${CHILD_COLUMNS} from children c where c.town_id = $1 and c.family_id = $2 and c.id = $3`,
    [townId, familyId, childId],
  );
  return rows[0];
}

export type ChildFields = Omit<ChildFile, 'id' | 'familyId' | 'updatedAt'>;

/** A child's fields in the order of the insert's and the update's parameters ($3 to $19). */
function childValues(c: ChildFields & { now: Date }): unknown[] {
  return [
    c.firstNames,
    c.lastName,
    c.birthDate,
    c.school,
    c.className,
    c.healthNotes,
    c.allergies,
    c.doctorName,
    c.doctorPhone,
    c.photoConsent,
    c.mayLeaveAlone,
    c.now,
    c.dietNoPork,
    c.dietVegetarian,
    c.dietGlutenFree,
    c.pai,
    c.paiAllergens,
  ];
}

export async function insertChild(db: Queryable, townId: string, familyId: string, c: ChildFields & { now: Date }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into children (town_id, family_id, first_names, last_name, birth_date, school, class_name, health_notes, allergies,
                           doctor_name, doctor_phone, photo_consent, may_leave_alone, created_at, updated_at,
                           diet_no_pork, diet_vegetarian, diet_gluten_free, pai, pai_allergens)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19) returning id`,
    [townId, familyId, ...childValues(c)],
  );
  const id = rows[0]!.id;
  await replaceAuthorisedPersons(db, townId, id, c.authorisedPersons, c.now);
  return id;
}

/** Children as an import knows them (no health data, no authorisation given yet), of one or several files, in one statement. */
export type ChildRow = Pick<ChildFields, 'firstNames' | 'lastName' | 'birthDate' | 'school' | 'className'> & { familyId: string };

export async function insertChildRows(db: Queryable, townId: string, children: ChildRow[], now: Date): Promise<void> {
  if (children.length === 0) return;
  await db.query(
    `insert into children (town_id, family_id, first_names, last_name, birth_date, school, class_name, created_at, updated_at)
     select $1, c.family_id, c.first_names, c.last_name, c.birth_date, c.school, c.class_name, $2, $2
       from unnest($3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[])
            as c(family_id, first_names, last_name, birth_date, school, class_name)`,
    [
      townId,
      now,
      children.map((c) => c.familyId),
      children.map((c) => c.firstNames),
      children.map((c) => c.lastName),
      children.map((c) => c.birthDate),
      children.map((c) => c.school),
      children.map((c) => c.className),
    ],
  );
}

export async function insertChildren(
  db: Queryable,
  townId: string,
  familyId: string,
  children: Omit<ChildRow, 'familyId'>[],
  now: Date,
): Promise<void> {
  await insertChildRows(
    db,
    townId,
    children.map((c) => ({ ...c, familyId })),
    now,
  );
}

export async function updateChild(db: Queryable, townId: string, childId: string, c: ChildFields & { now: Date }): Promise<void> {
  await db.query(
    `update children set first_names = $3, last_name = $4, birth_date = $5, school = $6, class_name = $7, health_notes = $8,
            allergies = $9, doctor_name = $10, doctor_phone = $11, photo_consent = $12, may_leave_alone = $13, updated_at = $14,
            diet_no_pork = $15, diet_vegetarian = $16, diet_gluten_free = $17, pai = $18, pai_allergens = $19
      where town_id = $1 and id = $2`,
    [townId, childId, ...childValues(c)],
  );
  await replaceAuthorisedPersons(db, townId, childId, c.authorisedPersons, c.now);
}
