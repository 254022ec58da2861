import type { Queryable } from '../db/pool.js';

/** The other adults of the family file who have an account of their own, to be told of a closing. */
export async function otherFamilyAccounts(
  db: Queryable,
  townId: string,
  familyId: string,
  exceptAccountId: string,
): Promise<{ email: string; civility: string; lastName: string; firstNames: string }[]> {
  const { rows } = await db.query<{ email: string; civility: string; lastName: string; firstNames: string }>(
    `select email, civility, last_name as "lastName", first_names as "firstNames"
       from accounts where town_id = $1 and family_id = $2 and id <> $3 and disabled_at is null
      order by last_name, first_names`,
    [townId, familyId, exceptAccountId],
  );
  return rows;
}

/** Ends the SEPA mandates the account signed (the family's other adults' are theirs to keep). */
export async function revokeMandatesSignedBy(db: Queryable, townId: string, accountId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `update sepa_mandates set revoked_at = $3, revoked_by_account = null
      where town_id = $1 and account_id = $2 and revoked_at is null`,
    [townId, accountId, at],
  );
  return rowCount ?? 0;
}

/**
 * A parent who signed up through the wizard is an adult of the family file only through their
 * account (no family_adults record): before the account goes, the file gets the record, so the
 * town keeps who the adult is (name, address for mail, phone), as the closing page promises.
 */
export async function keepAdultRecord(db: Queryable, townId: string, accountId: string): Promise<void> {
  await db.query(
    `insert into family_adults (town_id, family_id, civility, last_name, first_names, email, phone)
     select a.town_id, a.family_id, a.civility, a.last_name, a.first_names, a.email, coalesce(nullif(a.mobile, ''), a.phone)
       from accounts a
      where a.town_id = $1 and a.id = $2 and a.family_id is not null
        and not exists (select 1 from family_adults fa where fa.account_id = a.id)`,
    [townId, accountId],
  );
}

/**
 * Deletes the account row. What the schema attaches to it goes two ways (migrations 0002 to
 * 0031): the account's own things are deleted by their `on delete cascade` (its tokens, its
 * private storage and the files in it, its absence drafts, its calendar feeds); what the town
 * must keep (requests and their history, reservation submissions, invoices, payments, SEPA
 * mandates, the family file's adult) stays, its `account_id` set to null.
 */
export async function deleteAccount(db: Queryable, townId: string, accountId: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from accounts where town_id = $1 and id = $2`, [townId, accountId]);
  return rowCount === 1;
}
