import type { Queryable } from '../db/pool.js';
import type { PasswordPolicy, TownService } from './towns.repository.js';

/**
 * What a town admin edits: the town row's settings, its services, its calendar and its
 * versioned legal texts. Every query names the town: an id from another town finds nothing.
 */

export interface TownSettings {
  name: string;
  colour: string;
  welcomeText: string;
  passwordPolicy: PasswordPolicy;
  activationDelayHours: number;
}

/** The town's settings, locked until the end of the transaction so two admins' edits apply one after the other. */
export async function lockTownSettings(db: Queryable, townId: string): Promise<TownSettings> {
  const { rows } = await db.query<TownSettings>(
    `select name, colour, welcome_text as "welcomeText", password_policy as "passwordPolicy",
            activation_delay_hours as "activationDelayHours"
       from towns where id = $1 for update`,
    [townId],
  );
  return rows[0]!;
}

export async function updateTownSettings(db: Queryable, townId: string, s: TownSettings, at: Date): Promise<void> {
  await db.query(
    `update towns set name = $2, colour = $3, welcome_text = $4, password_policy = $5, activation_delay_hours = $6, updated_at = $7
      where id = $1`,
    [townId, s.name, s.colour, s.welcomeText, s.passwordPolicy, s.activationDelayHours, at],
  );
}

// ------------------------------------------------------------------ services

export interface ServiceInput {
  name: string;
  address: string;
  phone: string;
  email: string;
}

export async function findService(db: Queryable, townId: string, id: string): Promise<TownService | undefined> {
  const { rows } = await db.query<TownService>(`select id, name, address, phone, email from town_services where town_id = $1 and id = $2`, [
    townId,
    id,
  ]);
  return rows[0];
}

/** True when another service of the town already has this name (names are unique per town). */
export async function serviceNameTaken(db: Queryable, townId: string, name: string, exceptId?: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from town_services where town_id = $1 and lower(name) = lower($2) and id is distinct from $3::uuid`,
    [townId, name, exceptId ?? null],
  );
  return rows.length > 0;
}

/** A new service goes last. */
export async function insertService(db: Queryable, townId: string, s: ServiceInput): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into town_services (town_id, position, name, address, phone, email)
     values ($1, (select coalesce(max(position), -1) + 1 from town_services where town_id = $1), $2, $3, $4, $5)
     returning id`,
    [townId, s.name, s.address, s.phone, s.email],
  );
  return rows[0]!.id;
}

export async function updateService(db: Queryable, townId: string, id: string, s: ServiceInput): Promise<void> {
  await db.query(`update town_services set name = $3, address = $4, phone = $5, email = $6 where town_id = $1 and id = $2`, [
    townId,
    id,
    s.name,
    s.address,
    s.phone,
    s.email,
  ]);
}

export async function deleteService(db: Queryable, townId: string, id: string): Promise<void> {
  await db.query(`delete from town_services where town_id = $1 and id = $2`, [townId, id]);
}

/** The town's service ids in display order, locked: a reorder rewrites every position. */
export async function lockServiceOrder(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from town_services where town_id = $1 order by position, name for update`, [
    townId,
  ]);
  return rows.map((r) => r.id);
}

export async function setServiceOrder(db: Queryable, townId: string, ids: string[]): Promise<void> {
  await db.query(
    `update town_services s set position = o.position - 1
       from unnest($2::uuid[]) with ordinality as o (id, position)
      where s.town_id = $1 and s.id = o.id`,
    [townId, ids],
  );
}

// ------------------------------------------------------------------ calendar

export type ClosureKind = 'closure' | 'school_holiday';

export interface Closure {
  id: string;
  kind: ClosureKind;
  label: string;
  startDate: string;
  endDate: string;
}

export async function listTownClosures(db: Queryable, townId: string): Promise<Closure[]> {
  const { rows } = await db.query<Closure>(
    `select id, kind, label, start_date as "startDate", end_date as "endDate"
       from town_closures where town_id = $1 order by start_date, end_date, label`,
    [townId],
  );
  return rows;
}

export async function insertClosure(db: Queryable, townId: string, c: Omit<Closure, 'id'>): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into town_closures (town_id, kind, label, start_date, end_date) values ($1, $2, $3, $4, $5) returning id`,
    [townId, c.kind, c.label, c.startDate, c.endDate],
  );
  return rows[0]!.id;
}

/** Deletes and returns the period, or undefined when the town has no such period. */
export async function deleteClosure(db: Queryable, townId: string, id: string): Promise<Closure | undefined> {
  const { rows } = await db.query<Closure>(
    `delete from town_closures where town_id = $1 and id = $2
     returning id, kind, label, start_date as "startDate", end_date as "endDate"`,
    [townId, id],
  );
  return rows[0];
}

// ------------------------------------------------------------------ legal texts

export type TextKind = 'cgu' | 'mentions_legales';

export interface TextVersion {
  version: number;
  body: string;
  createdAt: Date;
  publishedBy: string | null;
}

const TEXT_COLUMNS = `version, body, created_at as "createdAt", published_by as "publishedBy"`;

/** Every version of a text, newest first. */
export async function listTextVersions(db: Queryable, townId: string, kind: TextKind): Promise<TextVersion[]> {
  const { rows } = await db.query<TextVersion>(
    `select ${TEXT_COLUMNS} from town_texts where town_id = $1 and kind = $2 order by version desc`,
    [townId, kind],
  );
  return rows;
}

/** The number of the newest version of a text (undefined before the first is published). */
export async function latestTextVersion(db: Queryable, townId: string, kind: TextKind): Promise<number | undefined> {
  const { rows } = await db.query<{ version: number | null }>(
    `select max(version) as version from town_texts where town_id = $1 and kind = $2`,
    [townId, kind],
  );
  return rows[0]?.version ?? undefined;
}

export async function findTextVersion(db: Queryable, townId: string, kind: TextKind, version: number): Promise<TextVersion | undefined> {
  const { rows } = await db.query<TextVersion>(`select ${TEXT_COLUMNS} from town_texts where town_id = $1 and kind = $2 and version = $3`, [
    townId,
    kind,
    version,
  ]);
  return rows[0];
}

/**
 * Appends version N+1; old versions are never rewritten. The caller holds the town's row
 * lock, so two admins publishing at once get N+1 and N+2 rather than a unique violation.
 */
export async function insertTextVersion(
  db: Queryable,
  townId: string,
  kind: TextKind,
  body: string,
  publishedBy: string,
  at: Date,
): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    `insert into town_texts (town_id, kind, version, body, published_by, created_at)
     values ($1, $2, (select coalesce(max(version), 0) + 1 from town_texts where town_id = $1 and kind = $2), $3, $4, $5)
     returning version`,
    [townId, kind, body, publishedBy, at],
  );
  return rows[0]!.version;
}
