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
}

const COLUMNS = `id, title, body, published_at as "publishedAt", created_at as "createdAt", updated_at as "updatedAt"`;

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
export async function insertNews(db: Queryable, townId: string, n: { title: string; body: string }, at: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into news (town_id, title, body, created_at, updated_at) values ($1, $2, $3, $4, $4) returning id`,
    [townId, n.title, n.body, at],
  );
  return rows[0]!.id;
}

export async function updateNews(db: Queryable, townId: string, id: string, n: { title: string; body: string }, at: Date): Promise<void> {
  await db.query(`update news set title = $3, body = $4, updated_at = $5 where town_id = $1 and id = $2`, [
    townId,
    id,
    n.title,
    n.body,
    at,
  ]);
}

/** `at` null takes the item off the town's pages (back to a draft). */
export async function setNewsPublishedAt(db: Queryable, townId: string, id: string, at: Date | null): Promise<void> {
  await db.query(`update news set published_at = $3 where town_id = $1 and id = $2`, [townId, id, at]);
}
