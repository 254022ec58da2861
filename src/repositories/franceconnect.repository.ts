import type { Queryable } from '../db/pool.js';

/** FranceConnect: a town's client settings and the identities linked to parents' accounts (issue 18). */

export type EidasLevel = 'eidas1' | 'eidas2' | 'eidas3';

export interface FranceConnectSettings {
  townId: string;
  enabled: boolean;
  clientId: string;
  clientSecret: string;
  discoveryUrl: string;
  eidasLevel: EidasLevel;
  updatedAt: Date;
}

export interface LinkedIdentity {
  id: string;
  accountId: string;
  sub: string;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

const SETTINGS_COLUMNS = `town_id as "townId", enabled, client_id as "clientId", client_secret as "clientSecret",
  discovery_url as "discoveryUrl", eidas_level as "eidasLevel", updated_at as "updatedAt"`;

export async function findFranceConnectSettings(db: Queryable, townId: string): Promise<FranceConnectSettings | undefined> {
  const { rows } = await db.query<FranceConnectSettings>(`select ${SETTINGS_COLUMNS} from franceconnect_settings where town_id = $1`, [
    townId,
  ]);
  return rows[0];
}

export async function saveFranceConnectSettings(
  db: Queryable,
  settings: Omit<FranceConnectSettings, 'updatedAt' | 'clientSecret'> & { clientSecret: string | null },
  now: Date,
): Promise<void> {
  // A null secret keeps the stored one: the form never shows it back.
  await db.query(
    `insert into franceconnect_settings (town_id, enabled, client_id, client_secret, discovery_url, eidas_level, updated_at)
     values ($1, $2, $3, coalesce($4, ''), $5, $6, $7)
     on conflict (town_id) do update set enabled = excluded.enabled, client_id = excluded.client_id,
       client_secret = coalesce($4, franceconnect_settings.client_secret), discovery_url = excluded.discovery_url,
       eidas_level = excluded.eidas_level, updated_at = excluded.updated_at`,
    [settings.townId, settings.enabled, settings.clientId, settings.clientSecret, settings.discoveryUrl, settings.eidasLevel, now],
  );
}

const IDENTITY_COLUMNS = `id, account_id as "accountId", sub, linked_at as "linkedAt", last_used_at as "lastUsedAt"`;

export async function findIdentityBySub(db: Queryable, townId: string, sub: string): Promise<LinkedIdentity | undefined> {
  const { rows } = await db.query<LinkedIdentity>(
    `select ${IDENTITY_COLUMNS} from franceconnect_identities where town_id = $1 and sub = $2`,
    [townId, sub],
  );
  return rows[0];
}

export async function findIdentityByAccount(db: Queryable, townId: string, accountId: string): Promise<LinkedIdentity | undefined> {
  const { rows } = await db.query<LinkedIdentity>(
    `select ${IDENTITY_COLUMNS} from franceconnect_identities where town_id = $1 and account_id = $2`,
    [townId, accountId],
  );
  return rows[0];
}

/**
 * Links, or returns false when the identity or the account was linked meanwhile (two tabs, or a
 * link racing a sign-up): `on conflict do nothing` keeps the caller's transaction usable.
 */
export async function insertIdentity(db: Queryable, townId: string, accountId: string, sub: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into franceconnect_identities (town_id, account_id, sub, linked_at, last_used_at) values ($1, $2, $3, $4, $4)
     on conflict do nothing`,
    [townId, accountId, sub, now],
  );
  return rowCount === 1;
}

export async function deleteIdentity(db: Queryable, townId: string, accountId: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from franceconnect_identities where town_id = $1 and account_id = $2`, [townId, accountId]);
  return (rowCount ?? 0) > 0;
}

export async function touchIdentity(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(`update franceconnect_identities set last_used_at = $2 where id = $1`, [id, now]);
}

export interface LinkedAccountRow {
  accountId: string;
  username: string;
  firstNames: string;
  lastName: string;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

/** The town's accounts that use FranceConnect, and when they last did (issue 18). */
export async function listLinkedAccounts(db: Queryable, townId: string, limit = 200): Promise<LinkedAccountRow[]> {
  const { rows } = await db.query<LinkedAccountRow>(
    `select a.id as "accountId", a.username, a.first_names as "firstNames", a.last_name as "lastName",
            i.linked_at as "linkedAt", i.last_used_at as "lastUsedAt"
       from franceconnect_identities i join accounts a on a.id = i.account_id and a.town_id = i.town_id
      where i.town_id = $1
      order by i.last_used_at desc nulls last, a.last_name
      limit $2`,
    [townId, limit],
  );
  return rows;
}

// ---------------------------------------------------------------- ProConnect (agents)

export interface ProConnectSettings {
  townId: string;
  enabled: boolean;
  clientId: string;
  clientSecret: string;
  discoveryUrl: string;
  passwordSignInOff: boolean;
  updatedAt: Date;
}

export async function findProConnectSettings(db: Queryable, townId: string): Promise<ProConnectSettings | undefined> {
  const { rows } = await db.query<ProConnectSettings>(
    `select town_id as "townId", enabled, client_id as "clientId", client_secret as "clientSecret", discovery_url as "discoveryUrl",
            password_sign_in_off as "passwordSignInOff", updated_at as "updatedAt"
       from proconnect_settings where town_id = $1`,
    [townId],
  );
  return rows[0];
}

export async function saveProConnectSettings(
  db: Queryable,
  s: Omit<ProConnectSettings, 'updatedAt' | 'clientSecret'> & { clientSecret: string | null },
  now: Date,
): Promise<void> {
  await db.query(
    `insert into proconnect_settings (town_id, enabled, client_id, client_secret, discovery_url, password_sign_in_off, updated_at)
     values ($1, $2, $3, coalesce($4, ''), $5, $6, $7)
     on conflict (town_id) do update set enabled = excluded.enabled, client_id = excluded.client_id,
       client_secret = coalesce($4, proconnect_settings.client_secret), discovery_url = excluded.discovery_url,
       password_sign_in_off = excluded.password_sign_in_off, updated_at = excluded.updated_at`,
    [s.townId, s.enabled, s.clientId, s.clientSecret, s.discoveryUrl, s.passwordSignInOff, now],
  );
}

/** The agent ProConnect may open: this town's, active, allowed by an admin, with this email (case aside). */
export async function findProConnectAgent(
  db: Queryable,
  townId: string,
  email: string,
): Promise<{ id: string; username: string } | undefined> {
  const { rows } = await db.query<{ id: string; username: string }>(
    `select id, username from agents
      where town_id = $1 and proconnect_allowed and disabled_at is null and email is not null and lower(email) = lower($2)`,
    [townId, email],
  );
  // Two agents with one address: ProConnect cannot say which, so neither.
  return rows.length === 1 ? rows[0] : undefined;
}

/** Admins who can sign in with ProConnect: switching passwords off needs one, so admins cannot lock themselves out. */
export async function countProConnectAdmins(db: Queryable, townId: string, except?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from agents
      where town_id = $1 and role = 'admin' and proconnect_allowed and disabled_at is null and email is not null and email <> ''
        and ($2::uuid is null or id <> $2)`,
    [townId, except ?? null],
  );
  return rows[0]!.n;
}

export async function setProConnectAllowed(db: Queryable, townId: string, agentId: string, allowed: boolean): Promise<boolean> {
  const { rowCount } = await db.query(`update agents set proconnect_allowed = $3, updated_at = now() where town_id = $1 and id = $2`, [
    townId,
    agentId,
    allowed,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function listProConnectAllowed(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from agents where town_id = $1 and proconnect_allowed`, [townId]);
  return rows.map((r) => r.id);
}
