import { withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import * as news from '../../repositories/news.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { assertId, type Actor } from '../settings/settings.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * ACTUALITÉS as agents write them: a draft first, published (dated by the clock) when an
 * agent says so, unpublished back to a draft. Each change is one transaction with its
 * audit row.
 */
type NewsInput = { title: string; body: string } & news.NewsAudience;

export async function createNews(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, actor: Actor, input: NewsInput): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    const id = await news.insertNews(db, town.id, input, now);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'news.create',
      targetType: 'news',
      targetId: id,
      details: {
        title: input.title,
        visibility: input.visibility,
        targetActivityId: input.targetActivityId,
        targetSchoolId: input.targetSchoolId,
      },
      at: now,
    });
    return id;
  });
}

/** Loads an item of this town (locked when inside a transaction), or the 404 every other id gets. */
async function lockItem(db: Parameters<typeof news.findNews>[0], town: Town, id: string): Promise<news.NewsRow> {
  assertId(id);
  const item = await news.findNews(db, town.id, id, { lock: true });
  if (!item) throw new NotFoundError('news of another town');
  return item;
}

export async function updateNews(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  id: string,
  input: NewsInput,
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const before = await lockItem(db, town, id);
    if (
      before.title === input.title &&
      before.body === input.body &&
      before.visibility === input.visibility &&
      before.targetActivityId === input.targetActivityId &&
      before.targetSchoolId === input.targetSchoolId
    )
      return;
    const now = ctx.clock.now();
    await news.updateNews(db, town.id, id, input, now);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'news.update',
      targetType: 'news',
      targetId: id,
      details: {
        title: input.title,
        ...(before.title !== input.title ? { previousTitle: before.title } : {}),
        bodyChanged: before.body !== input.body,
        ...(before.visibility !== input.visibility ||
        before.targetActivityId !== input.targetActivityId ||
        before.targetSchoolId !== input.targetSchoolId
          ? { visibility: input.visibility, targetActivityId: input.targetActivityId, targetSchoolId: input.targetSchoolId }
          : {}),
      },
      at: now,
    });
  });
}

/**
 * Publishing an item already published (a double click, two agents at once) changes
 * nothing: its date stays the first one. Returns the item's title for the message.
 */
export async function setPublished(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  id: string,
  published: boolean,
): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const item = await lockItem(db, town, id);
    if ((item.publishedAt !== null) === published) return item.title;
    const now = ctx.clock.now();
    await news.setNewsPublishedAt(db, town.id, id, published ? now : null);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: published ? 'news.publish' : 'news.unpublish',
      targetType: 'news',
      targetId: id,
      details: { title: item.title },
      at: now,
    });
    return item.title;
  });
}
