import type { Queryable } from '../db/pool.js';

/**
 * News as agents manage them: drafts (published_at null) and published items. The town
 * home and the parent's dashboard read published ones through towns.repository.
 */
export interface NewsRow {
  id: string;
  title: string;
  body: string;
  publishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  visibility: NewsVisibility;
  targetActivityId: string | null;
  targetSchoolId: string | null;
}

/** 'families': shown to signed-in families only (and, with a target, to those it aims at). */
export type NewsVisibility = 'public' | 'families';

export interface NewsAudience {
  visibility: NewsVisibility;
  targetActivityId: string | null;
  targetSchoolId: string | null;
}

const COLUMNS = `id, title, body, published_at as "publishedAt", created_at as "createdAt", updated_at as "updatedAt",
  visibility, target_activity_id as "targetActivityId", target_school_id as "targetSchoolId"`;

/** Every item of the town, drafts included, newest first. */
export async function listNews(db: Queryable, townId: string): Promise<NewsRow[]> {
  const { rows } = await db.query<NewsRow>(`select ${COLUMNS} from news where town_id = $1 order by created_at desc, id`, [townId]);
  return rows;
}

export async function findNews(db: Queryable, townId: string, id: string, options: { lock?: boolean } = {}): Promise<NewsRow | undefined> {
  const { rows } = await db.query<NewsRow>(
    `select ${COLUMNS} from news where town_id = $1 and id = $2${options.lock ? ' for update' : ''}`,
    [townId, id],
  );
  return rows[0];
}

/** A new item is a draft until an agent publishes it. */
export async function insertNews(
  db: Queryable,
  townId: string,
  n: { title: string; body: string } & Partial<NewsAudience>,
  at: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into news (town_id, title, body, created_at, updated_at, visibility, target_activity_id, target_school_id)
     values ($1, $2, $3, $4, $4, $5, $6, $7) returning id`,
    [townId, n.title, n.body, at, n.visibility ?? 'public', n.targetActivityId ?? null, n.targetSchoolId ?? null],
  );
  return rows[0]!.id;
}

export async function updateNews(
  db: Queryable,
  townId: string,
  id: string,
  n: { title: string; body: string } & NewsAudience,
  at: Date,
): Promise<void> {
  await db.query(
    `update news set title = $3, body = $4, updated_at = $5, visibility = $6, target_activity_id = $7, target_school_id = $8
      where town_id = $1 and id = $2`,
    [townId, id, n.title, n.body, at, n.visibility, n.targetActivityId, n.targetSchoolId],
  );
}

/** `at` null takes the item off the town's pages (back to a draft). */
export async function setNewsPublishedAt(db: Queryable, townId: string, id: string, at: Date | null): Promise<void> {
  await db.query(`update news set published_at = $3 where town_id = $1 and id = $2`, [townId, id, at]);
}

/** Who reads the portal's news: a visitor (familyId null) or a signed-in family, on a given day. */
export interface NewsReader {
  familyId: string | null;
  today: string;
}

export interface PublishedNews {
  id: string;
  title: string;
  body: string;
  publishedAt: Date;
  visibility: NewsVisibility;
}

/*
 * What a reader may see, in one place for the archive, its count and the item page: public
 * items, and for a signed-in family the families' items without a target or aimed at it (a
 * child enrolled today or later in the activity, or a child whose school is the target's:
 * children keep their school by name, see setChildSchool).
 */
const VISIBLE = `n.town_id = $1 and n.published_at is not null and n.published_at <= now()
  and (n.visibility = 'public' or ($2::uuid is not null and (
    (n.target_activity_id is null and n.target_school_id is null)
    or exists (select 1 from enrolments e join children c on c.id = e.child_id
                where e.town_id = n.town_id and e.activity_id = n.target_activity_id and c.family_id = $2 and e.end_date >= $3::date)
    or exists (select 1 from schools s join children c on c.town_id = s.town_id and c.school = s.name
                where s.town_id = n.town_id and s.id = n.target_school_id and c.family_id = $2))))`;

const PUBLISHED_COLUMNS = `n.id, n.title, n.body, n.published_at as "publishedAt", n.visibility`;

/** One page of the archive, and the number of items the reader may see. */
export async function listVisibleNews(
  db: Queryable,
  townId: string,
  reader: NewsReader,
  page: { limit: number; offset: number },
): Promise<{ items: PublishedNews[]; total: number }> {
  const { rows } = await db.query<PublishedNews & { total: number }>(
    `select ${PUBLISHED_COLUMNS}, count(*) over () as total from news n where ${VISIBLE}
      order by n.published_at desc, n.id limit $4 offset $5`,
    [townId, reader.familyId, reader.today, page.limit, page.offset],
  );
  if (rows.length === 0 && page.offset > 0) {
    const { rows: counted } = await db.query<{ total: number }>(`select count(*)::int as total from news n where ${VISIBLE}`, [
      townId,
      reader.familyId,
      reader.today,
    ]);
    return { items: [], total: counted[0]?.total ?? 0 };
  }
  return { items: rows.map(({ total: _total, ...item }) => item), total: rows[0]?.total ?? 0 };
}

/** Undefined for an item the reader may not see: a draft, another town's, another family's. */
export async function findVisibleNews(db: Queryable, townId: string, id: string, reader: NewsReader): Promise<PublishedNews | undefined> {
  const { rows } = await db.query<PublishedNews>(`select ${PUBLISHED_COLUMNS} from news n where ${VISIBLE} and n.id = $4`, [
    townId,
    reader.familyId,
    reader.today,
    id,
  ]);
  return rows[0];
}
