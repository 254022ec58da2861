import type { Queryable } from '../db/pool.js';
import { personLabels, type PersonNames } from '../lib/french.js';
import type { ValidationStatus } from './accounts.repository.js';
import type { FamilyWithAddress } from './families.repository.js';

/**
 * The services' side of a new account: the accounts waiting for an agent, the family files
 * an agent can link one to, and the two outcomes (validated, refused). Every query filters
 * on the town.
 */

/**
 * Accent folding in SQL, the same on both sides of a comparison: "Hélène" finds "HELENE".
 * Capitals with accents are listed too: under the C locale lower() leaves them as they are.
 */
const FOLD_FROM = 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ';
const FOLD_TO = 'aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuy';
const fold = (expr: string) => `translate(lower(${expr}), '${FOLD_FROM}', '${FOLD_TO}')`;

/** `%`, `_` and `\` typed in a search are letters, not patterns. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The names a search looks into, folded once per row: "Prénom Nom", "Nom Prénom" and the
 * birth name, so "helene berenice" and "berenice helene" both find Hélène Bérénice.
 */
const NAMES = `first_names || ' ' || last_name || ' / ' || last_name || ' ' || first_names || ' / ' || birth_name`;

export interface AwaitingAccount {
  id: string;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
  username: string;
  createdAt: Date;
  emailConfirmedAt: Date | null;
}

/**
 * Accounts waiting for the services, oldest first: those whose owner confirmed the email
 * (ordered by that moment, when the promise starts) or those still unconfirmed (by
 * creation). `q` matches names, email and username, without case or accents.
 */
export async function listAwaitingAccounts(
  db: Queryable,
  townId: string,
  options: { confirmed: boolean; q: string; limit: number; offset: number },
): Promise<{ rows: AwaitingAccount[]; total: number }> {
  const pattern = options.q ? likePattern(options.q) : null;
  const { rows } = await db.query<AwaitingAccount & { total: number }>(
    `select id, civility, last_name as "lastName", first_names as "firstNames", email, username, created_at as "createdAt",
            email_confirmed_at as "emailConfirmedAt", count(*) over ()::int as total
       from accounts
      where town_id = $1 and validation_status = 'awaiting_services' and disabled_at is null
        and (email_confirmed_at is not null) = $2
        and ($3::text is null
          or ${fold(NAMES)} like ${fold('$3')}
          or email like lower($3)
          or lower(username) like lower($3))
      order by email_confirmed_at nulls last, created_at, id
      limit $4 offset $5`,
    [townId, options.confirmed, pattern, options.limit, options.offset],
  );
  if (rows.length === 0 && options.offset > 0) {
    const first = await listAwaitingAccounts(db, townId, { ...options, limit: 1, offset: 0 });
    return { rows: [], total: first.total };
  }
  return { rows: rows.map(({ total: _total, ...r }) => r), total: rows[0]?.total ?? 0 };
}

/** When each confirmed waiting account's promise started, oldest first, for the home page's counts. */
export async function awaitingSince(db: Queryable, townId: string): Promise<Date[]> {
  const { rows } = await db.query<{ since: Date }>(
    `select email_confirmed_at as since from accounts
      where town_id = $1 and validation_status = 'awaiting_services' and disabled_at is null and email_confirmed_at is not null
      order by email_confirmed_at`,
    [townId],
  );
  return rows.map((r) => r.since);
}

/** The town's closure days (not its school holidays), the business-hours count skips them. */
export async function listClosureRanges(db: Queryable, townId: string): Promise<{ startDate: string; endDate: string }[]> {
  const { rows } = await db.query<{ startDate: string; endDate: string }>(
    `select start_date as "startDate", end_date as "endDate" from town_closures where town_id = $1 and kind = 'closure' order by start_date`,
    [townId],
  );
  return rows;
}

/** Locks an account for the agent's decision, so two agents cannot both decide. */
export async function lockAccountStatus(
  db: Queryable,
  townId: string,
  id: string,
): Promise<{ id: string; validationStatus: ValidationStatus } | undefined> {
  const { rows } = await db.query<{ id: string; validationStatus: ValidationStatus }>(
    `select id, validation_status as "validationStatus" from accounts where town_id = $1 and id = $2 for update`,
    [townId, id],
  );
  return rows[0];
}

export async function markValidated(db: Queryable, townId: string, id: string, familyId: string, now: Date): Promise<void> {
  await db.query(
    `update accounts set family_id = $3, validation_status = 'validated', validated_at = $4, refusal_reason = null, updated_at = $4
      where town_id = $1 and id = $2`,
    [townId, id, familyId, now],
  );
}

export async function markRefused(db: Queryable, townId: string, id: string, reason: string, now: Date): Promise<void> {
  await db.query(`update accounts set validation_status = 'refused', refusal_reason = $3, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    id,
    reason,
    now,
  ]);
}

// ---------------------------------------------------------------- family files to link to

export interface FamilyChoice extends FamilyWithAddress {
  /** Who is in it already: adults with an account, then children, to tell namesakes apart. */
  members: string[];
}

type ChoiceRow = Omit<FamilyChoice, 'members'> & { members: PersonNames[] };
// Adults first, then children, as the query orders them.
const toChoice = ({ members, ...row }: ChoiceRow): FamilyChoice => ({ ...row, members: personLabels(members, false) });

const CHOICE_COLUMNS = `f.id, f.name, f.cle_enfance as "cleEnfance", f.address_line as "addressLine", f.postal_code as "postalCode", f.city,
  coalesce((select json_agg(json_build_object('firstNames', m.first_names, 'lastName', m.last_name) order by m.rank, m.first_names, m.last_name) from (
      select 1 as rank, a.first_names, a.last_name from accounts a
       where a.family_id = f.id and a.town_id = f.town_id and a.disabled_at is null
      union all
      select 2, c.first_names, c.last_name from children c where c.family_id = f.id and c.town_id = f.town_id) m),
    '[]') as members`;

/** The town's family files matching `q` by name, Clé Enfance or address, by name. */
export async function searchFamilyChoices(db: Queryable, townId: string, q: string, limit: number): Promise<FamilyChoice[]> {
  const pattern = likePattern(q);
  const { rows } = await db.query<ChoiceRow>(
    `select ${CHOICE_COLUMNS}
       from families f
      where f.town_id = $1
        and (${fold('f.name')} like ${fold('$2')}
          or upper(f.cle_enfance) like upper($2)
          or ${fold("f.address_line || ' ' || f.postal_code || ' ' || f.city")} like ${fold('$2')})
      order by f.name, f.id
      limit $3`,
    [townId, pattern, limit],
  );
  return rows.map(toChoice);
}

/** Files whose name is the account's last name: the agent's first guess. */
export async function familiesNamed(db: Queryable, townId: string, name: string, limit: number): Promise<FamilyChoice[]> {
  const { rows } = await db.query<ChoiceRow>(
    `select ${CHOICE_COLUMNS} from families f
      where f.town_id = $1 and ${fold('f.name')} = ${fold('$2')}
      order by f.name, f.id limit $3`,
    [townId, name.trim(), limit],
  );
  return rows.map(toChoice);
}

export async function findFamilyChoice(db: Queryable, townId: string, id: string): Promise<FamilyChoice | undefined> {
  const { rows } = await db.query<ChoiceRow>(`select ${CHOICE_COLUMNS} from families f where f.town_id = $1 and f.id = $2`, [townId, id]);
  return rows[0] && toChoice(rows[0]);
}
