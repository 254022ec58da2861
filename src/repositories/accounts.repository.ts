import type { Queryable } from '../db/pool.js';

export type ValidationStatus = 'awaiting_services' | 'validated' | 'refused';

/** Who the parent is, as the wizard asks it. */
export interface IdentityFields {
  civility: 'M' | 'Mme';
  lastName: string;
  birthName: string;
  firstNames: string;
  birthDate: string | null;
  birthCountry: string;
  birthDepartment: string;
  birthCommune: string;
}

/** The postal address (Coordonnées). */
export interface AddressFields {
  addressNumber: string;
  addressStreet: string;
  addressBuilding: string;
  addressApartment: string;
  addressComplement: string;
  postalCode: string;
  city: string;
  country: string;
}

/** The phones and how the parent prefers to be reached. */
export interface PhoneFields {
  phone: string;
  mobile: string;
  fax: string;
  preferredContact: 'courriel' | 'telephone' | 'mobile' | 'fax';
}

export interface Account extends IdentityFields, AddressFields, PhoneFields {
  id: string;
  townId: string;
  familyId: string | null;
  username: string;
  email: string;
  hasPhoto: boolean;
  passwordHash: string;
  passwordIsTemporary: boolean;
  temporaryPasswordExpiresAt: Date | null;
  createdVia: 'wizard' | 'precreated';
  emailConfirmedAt: Date | null;
  validationStatus: ValidationStatus;
  validatedAt: Date | null;
  refusalReason: string | null;
  disabledAt: Date | null;
  cguVersionAccepted: number | null;
  lastSignInAt: Date | null;
  previousSignInAt: Date | null;
  failedSignIns: number;
  lastFailedSignInAt: Date | null;
  lockedUntil: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, town_id as "townId", family_id as "familyId", username, email, civility, last_name as "lastName",
  birth_name as "birthName", first_names as "firstNames", birth_date as "birthDate", birth_country as "birthCountry",
  birth_department as "birthDepartment", birth_commune as "birthCommune", photo is not null as "hasPhoto",
  address_number as "addressNumber", address_street as "addressStreet", address_building as "addressBuilding",
  address_apartment as "addressApartment", address_complement as "addressComplement", postal_code as "postalCode",
  city, country, phone, mobile, fax, preferred_contact as "preferredContact", password_hash as "passwordHash",
  password_is_temporary as "passwordIsTemporary", temporary_password_expires_at as "temporaryPasswordExpiresAt",
  created_via as "createdVia", email_confirmed_at as "emailConfirmedAt", validation_status as "validationStatus",
  validated_at as "validatedAt", refusal_reason as "refusalReason", disabled_at as "disabledAt",
  cgu_version_accepted as "cguVersionAccepted", last_sign_in_at as "lastSignInAt",
  previous_sign_in_at as "previousSignInAt", failed_sign_ins as "failedSignIns",
  last_failed_sign_in_at as "lastFailedSignInAt", locked_until as "lockedUntil", created_at as "createdAt"`;

/** The columns of `Account`, for the session store's read of the session with its account (sessions.repository.ts). */
export const ACCOUNT_COLUMNS = COLUMNS;

/** Only the names are required: a precreated account has the rest filled in later. */
export interface NewAccount extends Partial<IdentityFields & AddressFields & PhoneFields> {
  townId: string;
  familyId: string | null;
  username: string;
  email: string;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  photo?: { content: Buffer; type: 'image/png' | 'image/jpeg' } | null;
  passwordHash: string;
  passwordIsTemporary: boolean;
  temporaryPasswordExpiresAt: Date | null;
  createdVia: Account['createdVia'];
  validationStatus: ValidationStatus;
  validatedAt: Date | null;
  createdAt: Date;
}

export async function insertAccount(db: Queryable, a: NewAccount): Promise<Account> {
  const { rows } = await db.query<Account>(
    `insert into accounts (town_id, family_id, username, email, civility, last_name, birth_name, first_names, birth_date,
       birth_country, birth_department, birth_commune, photo, photo_type, address_number, address_street, address_building,
       address_apartment, address_complement, postal_code, city, country, phone, mobile, fax, preferred_contact,
       password_hash, password_is_temporary, temporary_password_expires_at, created_via, validation_status, validated_at,
       created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
       $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $33)
     returning ${COLUMNS}`,
    [
      a.townId,
      a.familyId,
      a.username,
      a.email,
      a.civility,
      a.lastName,
      a.birthName ?? '',
      a.firstNames,
      a.birthDate ?? null,
      a.birthCountry ?? '',
      a.birthDepartment ?? '',
      a.birthCommune ?? '',
      a.photo?.content ?? null,
      a.photo?.type ?? null,
      a.addressNumber ?? '',
      a.addressStreet ?? '',
      a.addressBuilding ?? '',
      a.addressApartment ?? '',
      a.addressComplement ?? '',
      a.postalCode ?? '',
      a.city ?? '',
      a.country ?? 'France',
      a.phone ?? '',
      a.mobile ?? '',
      a.fax ?? '',
      a.preferredContact ?? 'courriel',
      a.passwordHash,
      a.passwordIsTemporary,
      a.temporaryPasswordExpiresAt,
      a.createdVia,
      a.validationStatus,
      a.validatedAt,
      a.createdAt,
    ],
  );
  return rows[0]!;
}

export async function findAccountById(db: Queryable, townId: string, id: string): Promise<Account | undefined> {
  const { rows } = await db.query<Account>(`select ${COLUMNS} from accounts where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

/** By username (without case) or by email: the sign-in "Identifiant". */
export async function findAccountByIdentifier(db: Queryable, townId: string, identifier: string): Promise<Account | undefined> {
  const { rows } = await db.query<Account>(
    `select ${COLUMNS} from accounts
      where town_id = $1 and (lower(username) = lower($2) or email = lower($2))
      order by (lower(username) = lower($2)) desc, created_at
      limit 1`,
    [townId, identifier],
  );
  return rows[0];
}

export async function findAccountsByEmail(db: Queryable, townId: string, email: string): Promise<Account[]> {
  const { rows } = await db.query<Account>(`select ${COLUMNS} from accounts where town_id = $1 and email = $2 order by created_at`, [
    townId,
    email,
  ]);
  return rows;
}

export async function usernameExists(db: Queryable, townId: string, username: string, exceptId?: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `select 1 from accounts where town_id = $1 and lower(username) = lower($2) and id is distinct from $3`,
    [townId, username, exceptId ?? null],
  );
  return (rowCount ?? 0) > 0;
}

export async function getAccountPhoto(db: Queryable, townId: string, id: string): Promise<{ content: Buffer; type: string } | undefined> {
  const { rows } = await db.query<{ content: Buffer; type: string }>(
    `select photo as content, photo_type as type from accounts where town_id = $1 and id = $2 and photo is not null`,
    [townId, id],
  );
  return rows[0];
}

export async function recordSuccessfulSignIn(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(
    `update accounts set previous_sign_in_at = last_sign_in_at, last_sign_in_at = $2, failed_sign_ins = 0,
       last_failed_sign_in_at = null, locked_until = null where id = $1`,
    [id, now],
  );
}

/**
 * Spends a temporary password (Création rapide): it signs in once. True if it was still
 * unspent and unexpired; the condition in the update makes two sign-ins at once spend it once.
 */
export async function spendTemporaryPassword(db: Queryable, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update accounts set temporary_password_expires_at = $2, updated_at = $2
      where id = $1 and password_is_temporary and temporary_password_expires_at > $2`,
    [id, now],
  );
  return (rowCount ?? 0) > 0;
}

export async function updatePassword(
  db: Queryable,
  id: string,
  hash: string,
  temporary: { expiresAt: Date } | null,
  now: Date,
): Promise<void> {
  await db.query(
    `update accounts set password_hash = $2, password_is_temporary = $3, temporary_password_expires_at = $4,
       failed_sign_ins = 0, last_failed_sign_in_at = null, locked_until = null, updated_at = $5 where id = $1`,
    [id, hash, temporary !== null, temporary?.expiresAt ?? null, now],
  );
}

export async function updateUsername(db: Queryable, id: string, username: string, now: Date): Promise<void> {
  await db.query(`update accounts set username = $2, updated_at = $3 where id = $1`, [id, username, now]);
}

export async function confirmEmail(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(`update accounts set email_confirmed_at = coalesce(email_confirmed_at, $2), updated_at = $2 where id = $1`, [id, now]);
}

export async function acceptCgu(db: Queryable, id: string, version: number, now: Date): Promise<void> {
  await db.query(`update accounts set cgu_version_accepted = $2, cgu_accepted_at = $3, updated_at = $3 where id = $1`, [id, version, now]);
}

// ---- tokens

export interface AccountToken {
  id: string;
  accountId: string;
  purpose: 'activation' | 'password_reset' | 'email_change';
  payload: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  cancelledAt: Date | null;
}

/** Issues a token and cancels the account's earlier unused ones of the same purpose. */
export async function insertToken(
  db: Queryable,
  t: { accountId: string; purpose: AccountToken['purpose']; tokenHash: string; expiresAt: Date; payload?: string; now: Date },
): Promise<void> {
  await db.query(
    `update account_tokens set cancelled_at = $3 where account_id = $1 and purpose = $2 and used_at is null and cancelled_at is null`,
    [t.accountId, t.purpose, t.now],
  );
  await db.query(
    `insert into account_tokens (account_id, purpose, token_hash, expires_at, payload, created_at) values ($1, $2, $3, $4, $5, $6)`,
    [t.accountId, t.purpose, t.tokenHash, t.expiresAt, t.payload ?? null, t.now],
  );
}

/** Finds a token of a town by its hash, locking it so two clicks cannot both use it. */
export async function findTokenForUpdate(
  db: Queryable,
  townId: string,
  purpose: AccountToken['purpose'],
  tokenHash: string,
): Promise<AccountToken | undefined> {
  const { rows } = await db.query<AccountToken>(
    `select t.id, t.account_id as "accountId", t.purpose, t.payload, t.expires_at as "expiresAt", t.used_at as "usedAt",
            t.cancelled_at as "cancelledAt"
       from account_tokens t join accounts a on a.id = t.account_id
      where a.town_id = $1 and t.purpose = $2 and t.token_hash = $3
      for update of t`,
    [townId, purpose, tokenHash],
  );
  return rows[0];
}

/** Ties a token to what it needs after its insert (a reset link: the id of the mail that carries it). */
export async function setTokenPayload(db: Queryable, tokenHash: string, payload: string): Promise<void> {
  await db.query(`update account_tokens set payload = $2 where token_hash = $1`, [tokenHash, payload]);
}

export async function markTokenUsed(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(`update account_tokens set used_at = $2 where id = $1`, [id, now]);
}

export async function cancelTokens(db: Queryable, accountId: string, purpose: AccountToken['purpose'], now: Date): Promise<void> {
  await db.query(
    `update account_tokens set cancelled_at = $3 where account_id = $1 and purpose = $2 and used_at is null and cancelled_at is null`,
    [accountId, purpose, now],
  );
}

/** Ends every session of an account (password reset, disabling), except `keepSid`. */
export async function deleteSessionsOf(db: Queryable, accountId: string, keepSid?: string): Promise<void> {
  await db.query(`delete from session where (sess::jsonb ->> 'accountId') = $1 and sid is distinct from $2`, [accountId, keepSid ?? null]);
}

// ---- families

export interface FamilyRef {
  id: string;
  name: string;
}

export async function findFamilyByKey(db: Queryable, townId: string, key: string): Promise<FamilyRef | undefined> {
  const { rows } = await db.query<FamilyRef>(`select id, name from families where town_id = $1 and upper(cle_enfance) = upper($2)`, [
    townId,
    key.trim(),
  ]);
  return rows[0];
}

// ---- signup photos

export async function insertSignupPhoto(db: Queryable, townId: string, content: Buffer, type: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into signup_photos (town_id, content, content_type) values ($1, $2, $3) returning id`,
    [townId, content, type],
  );
  return rows[0]!.id;
}

export async function takeSignupPhoto(
  db: Queryable,
  townId: string,
  id: string,
): Promise<{ content: Buffer; type: 'image/png' | 'image/jpeg' } | undefined> {
  const { rows } = await db.query<{ content: Buffer; type: 'image/png' | 'image/jpeg' }>(
    `delete from signup_photos where town_id = $1 and id = $2 returning content, content_type as type`,
    [townId, id],
  );
  return rows[0];
}

export async function getSignupPhoto(db: Queryable, townId: string, id: string): Promise<{ content: Buffer; type: string } | undefined> {
  const { rows } = await db.query<{ content: Buffer; type: string }>(
    `select content, content_type as type from signup_photos where town_id = $1 and id = $2`,
    [townId, id],
  );
  return rows[0];
}

/** Every town's photos chosen before `before` (the housekeeping job drops abandoned sign-ups'). */
export async function deleteSignupPhotosBefore(db: Queryable, before: Date): Promise<void> {
  await db.query('delete from signup_photos where created_at < $1', [before]);
}
