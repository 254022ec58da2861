import type { Queryable } from '../db/pool.js';

/**
 * INFOS PRATIQUES pages: the agents' Markdown and the sanitised HTML rendered from it when
 * saved. A page is a draft while published_at is null.
 */
export interface PracticalPageRow {
  id: string;
  serviceId: string;
  serviceName: string;
  slug: string;
  title: string;
  bodyMarkdown: string;
  bodyHtml: string;
  publishedAt: Date | null;
  updatedAt: Date;
}

export type PracticalPageInput = { serviceId: string; slug: string; title: string; bodyMarkdown: string; bodyHtml: string };

const COLUMNS = `p.id, p.service_id as "serviceId", s.name as "serviceName", p.slug, p.title, p.body_markdown as "bodyMarkdown",
  p.body_html as "bodyHtml", p.published_at as "publishedAt", p.updated_at as "updatedAt"`;
const FROM = `practical_pages p join town_services s on s.id = p.service_id`;

/** Every page of the town, drafts included, by service then title. */
export async function listPages(db: Queryable, townId: string, options: { publishedOnly?: boolean } = {}): Promise<PracticalPageRow[]> {
  const { rows } = await db.query<PracticalPageRow>(
    `select ${COLUMNS} from ${FROM} where p.town_id = $1${options.publishedOnly ? ' and p.published_at is not null' : ''}
     order by s.position, s.name, p.title`,
    [townId],
  );
  return rows;
}

export async function findPage(
  db: Queryable,
  townId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<PracticalPageRow | undefined> {
  const { rows } = await db.query<PracticalPageRow>(
    `select ${COLUMNS} from ${FROM} where p.town_id = $1 and p.id = $2${options.lock ? ' for update of p' : ''}`,
    [townId, id],
  );
  return rows[0];
}

export async function findPublishedPageBySlug(db: Queryable, townId: string, slug: string): Promise<PracticalPageRow | undefined> {
  const { rows } = await db.query<PracticalPageRow>(
    `select ${COLUMNS} from ${FROM} where p.town_id = $1 and p.slug = $2 and p.published_at is not null`,
    [townId, slug],
  );
  return rows[0];
}

/** The service must be the town's: the select refuses another town's id by inserting nothing. */
export async function insertPage(db: Queryable, townId: string, page: PracticalPageInput, at: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `insert into practical_pages (town_id, service_id, slug, title, body_markdown, body_html, created_at, updated_at)
     select $1, s.id, $3, $4, $5, $6, $7, $7 from town_services s where s.town_id = $1 and s.id = $2
     returning id`,
    [townId, page.serviceId, page.slug, page.title, page.bodyMarkdown, page.bodyHtml, at],
  );
  return rows[0]?.id;
}

export async function updatePage(db: Queryable, townId: string, id: string, page: PracticalPageInput, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update practical_pages p set service_id = s.id, slug = $4, title = $5, body_markdown = $6, body_html = $7, updated_at = $8
     from town_services s where p.town_id = $1 and p.id = $2 and s.town_id = $1 and s.id = $3`,
    [townId, id, page.serviceId, page.slug, page.title, page.bodyMarkdown, page.bodyHtml, at],
  );
  return (rowCount ?? 0) > 0;
}

/** `at` null takes the page off the portal (back to a draft). */
export async function setPagePublishedAt(db: Queryable, townId: string, id: string, at: Date | null): Promise<void> {
  await db.query(`update practical_pages set published_at = $3 where town_id = $1 and id = $2`, [townId, id, at]);
}

export interface PracticalFileRow {
  id: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

/** A page's files, without their content, in the order they were added. */
export async function listPageFiles(db: Queryable, townId: string, pageId: string): Promise<PracticalFileRow[]> {
  const { rows } = await db.query<PracticalFileRow>(
    `select id, file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes"
     from practical_page_files where town_id = $1 and page_id = $2 order by created_at, id`,
    [townId, pageId],
  );
  return rows;
}

export async function insertPageFile(
  db: Queryable,
  townId: string,
  pageId: string,
  file: { fileName: string; contentType: string; content: Buffer },
  at: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into practical_page_files (town_id, page_id, file_name, content_type, size_bytes, content, created_at)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [townId, pageId, file.fileName, file.contentType, file.content.length, file.content, at],
  );
  return rows[0]!.id;
}

/** Returns the removed file's name, or undefined when it is not this page's. */
export async function deletePageFile(db: Queryable, townId: string, pageId: string, fileId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ fileName: string }>(
    `delete from practical_page_files where town_id = $1 and page_id = $2 and id = $3 returning file_name as "fileName"`,
    [townId, pageId, fileId],
  );
  return rows[0]?.fileName;
}

/** A file of a published page, with its content, for the public download. */
export async function findPublishedFile(
  db: Queryable,
  townId: string,
  slug: string,
  fileId: string,
): Promise<{ fileName: string; contentType: string; content: Buffer } | undefined> {
  const { rows } = await db.query<{ fileName: string; contentType: string; content: Buffer }>(
    `select f.file_name as "fileName", f.content_type as "contentType", f.content
     from practical_page_files f join practical_pages p on p.id = f.page_id
     where f.town_id = $1 and p.town_id = $1 and p.slug = $2 and f.id = $3 and p.published_at is not null`,
    [townId, slug, fileId],
  );
  return rows[0];
}
