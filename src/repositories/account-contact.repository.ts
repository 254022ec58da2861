import type { Queryable } from '../db/pool.js';
import type { AddressFields, PhoneFields } from './accounts.repository.js';

/**
 * A parent's contact details (Coordonnées), changed from the parent's space: the postal
 * address and phones at once, the email address once its owner confirms it (an
 * `email_change` token whose payload is the new address).
 */

export async function updateAccountAddress(db: Queryable, townId: string, accountId: string, a: AddressFields, now: Date): Promise<void> {
  await db.query(
    `update accounts set address_number = $3, address_street = $4, address_building = $5, address_apartment = $6,
       address_complement = $7, postal_code = $8, city = $9, country = $10, updated_at = $11
      where town_id = $1 and id = $2`,
    [
      townId,
      accountId,
      a.addressNumber,
      a.addressStreet,
      a.addressBuilding,
      a.addressApartment,
      a.addressComplement,
      a.postalCode,
      a.city,
      a.country,
      now,
    ],
  );
}

export async function updateAccountPhones(db: Queryable, townId: string, accountId: string, p: PhoneFields, now: Date): Promise<void> {
  await db.query(
    `update accounts set phone = $3, mobile = $4, fax = $5, preferred_contact = $6, updated_at = $7 where town_id = $1 and id = $2`,
    [townId, accountId, p.phone, p.mobile, p.fax, p.preferredContact, now],
  );
}

export async function updateAccountEmail(db: Queryable, townId: string, accountId: string, email: string, now: Date): Promise<void> {
  await db.query(`update accounts set email = $3, email_confirmed_at = $4, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    accountId,
    email,
    now,
  ]);
}

/** The address waiting for its owner's confirmation, if a link is still valid. */
export async function pendingEmailChange(
  db: Queryable,
  townId: string,
  accountId: string,
  now: Date,
): Promise<{ email: string; expiresAt: Date } | undefined> {
  const { rows } = await db.query<{ email: string; expiresAt: Date }>(
    `select t.payload as email, t.expires_at as "expiresAt"
       from account_tokens t join accounts a on a.id = t.account_id
      where a.town_id = $1 and t.account_id = $2 and t.purpose = 'email_change' and t.used_at is null
        and t.cancelled_at is null and t.expires_at > $3 and t.payload is not null
      order by t.created_at desc limit 1`,
    [townId, accountId, now],
  );
  return rows[0];
}
