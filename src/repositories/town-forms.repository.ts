import type { Queryable } from '../db/pool.js';

/**
 * The forms a town's admins build (NOUVELLE DÉMARCHE, issue 17): the draft in `town_forms`,
 * each publication an immutable row of `town_form_versions`. `fields` stay `unknown` here:
 * src/features/procedures/form-fields.ts `fieldsOf` reads them.
 */
export interface TownFormRow {
  id: string;
  serviceId: string | null;
  serviceName: string | null;
  title: string;
  intro: string;
  fields: unknown;
  publishedVersionId: string | null;
  /** The number of the latest version (0: never published). */
  lastVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TownFormVersionRow {
  id: string;
  formId: string;
  version: number;
  serviceId: string | null;
  serviceName: string;
  title: string;
  intro: string;
  fields: unknown;
  createdAt: Date;
}

const FORM_COLUMNS = `f.id, f.service_id as "serviceId", s.name as "serviceName", f.title, f.intro, f.fields,
  f.published_version_id as "publishedVersionId",
  coalesce((select max(v.version) from town_form_versions v where v.form_id = f.id), 0)::int as "lastVersion",
  f.created_at as "createdAt", f.updated_at as "updatedAt"`;

const VERSION_COLUMNS = `v.id, v.form_id as "formId", v.version, v.service_id as "serviceId", v.service_name as "serviceName",
  v.title, v.intro, v.fields, v.created_at as "createdAt"`;

export async function listForms(db: Queryable, townId: string): Promise<TownFormRow[]> {
  const { rows } = await db.query<TownFormRow>(
    `select ${FORM_COLUMNS} from town_forms f left join town_services s on s.id = f.service_id
      where f.town_id = $1 order by f.title, f.id`,
    [townId],
  );
  return rows;
}

export async function findForm(
  db: Queryable,
  townId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<TownFormRow | undefined> {
  const { rows } = await db.query<TownFormRow>(
    `select ${FORM_COLUMNS} from town_forms f left join town_services s on s.id = f.service_id
      where f.town_id = $1 and f.id = $2${options.lock ? ' for update of f' : ''}`,
    [townId, id],
  );
  return rows[0];
}

export interface FormDraft {
  serviceId: string;
  title: string;
  intro: string;
}

export async function insertForm(db: Queryable, townId: string, draft: FormDraft, at: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into town_forms (town_id, service_id, title, intro, created_at, updated_at) values ($1, $2, $3, $4, $5, $5) returning id`,
    [townId, draft.serviceId, draft.title, draft.intro, at],
  );
  return rows[0]!.id;
}

export async function updateFormMeta(db: Queryable, townId: string, id: string, draft: FormDraft, at: Date): Promise<void> {
  await db.query(`update town_forms set service_id = $3, title = $4, intro = $5, updated_at = $6 where town_id = $1 and id = $2`, [
    townId,
    id,
    draft.serviceId,
    draft.title,
    draft.intro,
    at,
  ]);
}

export async function updateFormFields(db: Queryable, townId: string, id: string, fields: unknown[], at: Date): Promise<void> {
  await db.query(`update town_forms set fields = $3::jsonb, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    id,
    JSON.stringify(fields),
    at,
  ]);
}

/** The version parents see, or none (unpublished). */
export async function setPublishedVersion(db: Queryable, townId: string, id: string, versionId: string | null, at: Date): Promise<void> {
  await db.query(`update town_forms set published_version_id = $3, updated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    id,
    versionId,
    at,
  ]);
}

export async function insertVersion(
  db: Queryable,
  townId: string,
  v: { formId: string; version: number; serviceId: string | null; serviceName: string; title: string; intro: string; fields: unknown[] },
  at: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into town_form_versions (town_id, form_id, version, service_id, service_name, title, intro, fields, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) returning id`,
    [townId, v.formId, v.version, v.serviceId, v.serviceName, v.title, v.intro, JSON.stringify(v.fields), at],
  );
  return rows[0]!.id;
}

export async function findVersion(db: Queryable, townId: string, id: string): Promise<TownFormVersionRow | undefined> {
  const { rows } = await db.query<TownFormVersionRow>(
    `select ${VERSION_COLUMNS} from town_form_versions v where v.town_id = $1 and v.id = $2`,
    [townId, id],
  );
  return rows[0];
}

export async function findLatestVersion(db: Queryable, townId: string, formId: string): Promise<TownFormVersionRow | undefined> {
  const { rows } = await db.query<TownFormVersionRow>(
    `select ${VERSION_COLUMNS} from town_form_versions v where v.town_id = $1 and v.form_id = $2 order by v.version desc limit 1`,
    [townId, formId],
  );
  return rows[0];
}

/** The published version of a form, or nothing when it is not published (or of another town). */
export async function findPublishedVersion(db: Queryable, townId: string, formId: string): Promise<TownFormVersionRow | undefined> {
  const { rows } = await db.query<TownFormVersionRow>(
    `select ${VERSION_COLUMNS} from town_forms f join town_form_versions v on v.id = f.published_version_id
      where f.town_id = $1 and f.id = $2`,
    [townId, formId],
  );
  return rows[0];
}

/** Every published version of the town, for the catalogue. */
export async function listPublishedVersions(db: Queryable, townId: string): Promise<TownFormVersionRow[]> {
  // Grouped under the service's name of today (renamed since the publication: the new name).
  const { rows } = await db.query<TownFormVersionRow>(
    `select v.id, v.form_id as "formId", v.version, v.service_id as "serviceId", coalesce(s.name, v.service_name) as "serviceName",
            v.title, v.intro, v.fields, v.created_at as "createdAt"
       from town_forms f join town_form_versions v on v.id = f.published_version_id
       left join town_services s on s.id = v.service_id
      where f.town_id = $1 order by v.title, v.id`,
    [townId],
  );
  return rows;
}
