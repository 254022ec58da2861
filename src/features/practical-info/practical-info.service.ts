import { isUniqueViolation, withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import type { CheckedFile } from '../../lib/file-checks.js';
import { NotFoundError } from '../../lib/errors.js';
import * as pages from '../../repositories/practical-pages.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { assertId, type Actor } from '../settings/settings.service.js';
import type { ServiceContext } from '../../deps.js';
import { renderMarkdown } from './markdown.js';

/**
 * INFOS PRATIQUES as agents write them. The Markdown is rendered and sanitised here, once, when
 * a page is saved, and the HTML stored beside it: a page is read by every visitor and written a
 * few times a year, so a read costs one row and no parsing (and no cache to keep in step).
 */
export type PageInput = { serviceId: string; slug: string; title: string; bodyMarkdown: string };

/** The slug is already taken by another page of the town. */
export class DuplicateSlugError extends Error {}
/** The service chosen is not one of the town's. */
export class UnknownServiceError extends Error {}

type Ctx = Pick<ServiceContext, 'pool' | 'clock'>;

function withHtml(input: PageInput): pages.PracticalPageInput {
  return { ...input, bodyHtml: renderMarkdown(input.bodyMarkdown) };
}

async function translateUnique<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err, 'practical_pages_slug_unique')) throw new DuplicateSlugError();
    throw err;
  }
}

export async function createPage(ctx: Ctx, town: Town, actor: Actor, input: PageInput): Promise<string> {
  return translateUnique(() =>
    withTransaction(ctx.pool, async (db) => {
      const now = ctx.clock.now();
      const id = await pages.insertPage(db, town.id, withHtml(input), now);
      if (!id) throw new UnknownServiceError();
      await audit(db, {
        ...actor,
        townId: town.id,
        action: 'practical_page.create',
        targetType: 'practical_page',
        targetId: id,
        details: { title: input.title, slug: input.slug },
        at: now,
      });
      return id;
    }),
  );
}

async function lockPage(db: Parameters<typeof pages.findPage>[0], town: Town, id: string): Promise<pages.PracticalPageRow> {
  assertId(id);
  const page = await pages.findPage(db, town.id, id, { lock: true });
  if (!page) throw new NotFoundError('practical page of another town');
  return page;
}

export async function updatePage(ctx: Ctx, town: Town, actor: Actor, id: string, input: PageInput): Promise<void> {
  await translateUnique(() =>
    withTransaction(ctx.pool, async (db) => {
      const before = await lockPage(db, town, id);
      const now = ctx.clock.now();
      if (!(await pages.updatePage(db, town.id, id, withHtml(input), now))) throw new UnknownServiceError();
      await audit(db, {
        ...actor,
        townId: town.id,
        action: 'practical_page.update',
        targetType: 'practical_page',
        targetId: id,
        details: {
          title: input.title,
          ...(before.title !== input.title ? { previousTitle: before.title } : {}),
          ...(before.slug !== input.slug ? { previousSlug: before.slug } : {}),
          bodyChanged: before.bodyMarkdown !== input.bodyMarkdown,
        },
        at: now,
      });
    }),
  );
}

/** Publishing a page already published changes nothing. Returns the title for the message. */
export async function setPublished(ctx: Ctx, town: Town, actor: Actor, id: string, published: boolean): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const page = await lockPage(db, town, id);
    if ((page.publishedAt !== null) === published) return page.title;
    const now = ctx.clock.now();
    await pages.setPagePublishedAt(db, town.id, id, published ? now : null);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: published ? 'practical_page.publish' : 'practical_page.unpublish',
      targetType: 'practical_page',
      targetId: id,
      details: { title: page.title },
      at: now,
    });
    return page.title;
  });
}

/** Attaches checked files to a page, all in one transaction with one audit row each. */
export async function addFiles(ctx: Ctx, town: Town, actor: Actor, pageId: string, files: CheckedFile[]): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    await lockPage(db, town, pageId);
    const now = ctx.clock.now();
    for (const f of files) {
      const id = await pages.insertPageFile(db, town.id, pageId, { fileName: f.name, contentType: f.mime, content: f.buffer }, now);
      await audit(db, {
        ...actor,
        townId: town.id,
        action: 'practical_page.file_add',
        targetType: 'practical_page',
        targetId: pageId,
        details: { fileId: id, fileName: f.name, size: f.size },
        at: now,
      });
    }
  });
}

/** Removes a page's file; another page's or town's file is the usual 404. Returns its name. */
export async function removeFile(ctx: Ctx, town: Town, actor: Actor, pageId: string, fileId: string): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    await lockPage(db, town, pageId);
    assertId(fileId);
    const fileName = await pages.deletePageFile(db, town.id, pageId, fileId);
    if (!fileName) throw new NotFoundError('file of another page');
    const now = ctx.clock.now();
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'practical_page.file_remove',
      targetType: 'practical_page',
      targetId: pageId,
      details: { fileId, fileName },
      at: now,
    });
    return fileName;
  });
}
