import type { ServiceContext } from '../../deps.js';
import { withTransaction } from '../../db/pool.js';
import { addDays, parisDay } from '../../lib/calendar/index.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { hit } from '../../lib/rate-limit.js';
import { hashToken, newToken } from '../../lib/tokens.js';
import { findFamilyChild } from '../../repositories/activities.repository.js';
import * as feeds from '../../repositories/calendar-feeds.repository.js';
import type { FeedEvent } from '../../repositories/calendar-feeds.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { reservationEvent } from './booking-ics.js';
import { renderCalendar, type IcsEvent } from './ical.js';

export interface FeedOwner {
  accountId: string;
  familyId: string;
}

/** The child of the parent's family, or the 404 of an unknown page. */
async function familyChild(ctx: Pick<ServiceContext, 'pool'>, town: Town, owner: FeedOwner, childId: string) {
  const child = await findFamilyChild(ctx.pool, town.id, owner.familyId, childId);
  if (!child) throw new NotFoundError('child of another family');
  return child;
}

export async function feedPage(ctx: Pick<ServiceContext, 'pool'>, town: Town, owner: FeedOwner, childId: string) {
  const child = await familyChild(ctx, town, owner, childId);
  const feed = await feeds.findActiveFeed(ctx.pool, town.id, owner.accountId, child.id);
  return { child, feed };
}

/**
 * A new private address for the child's agenda; any previous one stops working in the same
 * transaction. The token is returned once, to be shown once: only its hash is stored.
 */
export async function createFeed(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  owner: FeedOwner,
  childId: string,
): Promise<string> {
  const child = await familyChild(ctx, town, owner, childId);
  const token = newToken();
  const now = ctx.clock.now();
  await withTransaction(ctx.pool, async (db) => {
    await feeds.lockFeedOwner(db, owner.accountId, child.id);
    await feeds.revokeFeed(db, town.id, owner.accountId, child.id, now);
    await feeds.insertFeed(db, {
      townId: town.id,
      accountId: owner.accountId,
      familyId: owner.familyId,
      childId: child.id,
      tokenHash: hashToken(token),
      now,
    });
  });
  return token;
}

export async function revokeFeed(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  owner: FeedOwner,
  childId: string,
): Promise<void> {
  const child = await familyChild(ctx, town, owner, childId);
  await feeds.revokeFeed(ctx.pool, town.id, owner.accountId, child.id, ctx.clock.now());
}

/**
 * A phone polls a few times an hour: 60 fetches of one token per 15 minutes. Addresses count only
 * unknown or revoked tokens (a scanner's guesses): Google, Outlook and iCloud fetch every
 * subscriber's calendar from a few shared addresses, and a limit on all their fetches would stop
 * the calendars of hundreds of families at once.
 */
const MISSES_PER_IP = { limit: 120, windowSeconds: 15 * 60 };
const PER_TOKEN = { limit: 60, windowSeconds: 15 * 60 };

/** What a feed covers: a month back, three ahead. */
export const FEED_DAYS_BACK = 31;
export const FEED_DAYS_AHEAD = 92;

/** The .ics of a token, or NotFoundError for an unknown, revoked or other town's token. */
export async function feedCalendar(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, token: string, ip: string): Promise<string> {
  const hash = hashToken(token);
  const now = ctx.clock.now();
  const feed = await feeds.useFeed(ctx.pool, town.id, hash, now);
  if (!feed) {
    const byIp = await hit(ctx.pool, ctx.clock, `calendar-feed-ip:${ip}`, MISSES_PER_IP.limit, MISSES_PER_IP.windowSeconds);
    if (!byIp.allowed) throw new TooManyRequestsError(byIp.retryAfterSeconds);
    throw new NotFoundError('unknown calendar feed');
  }
  const byToken = await hit(ctx.pool, ctx.clock, `calendar-feed-token:${hash}`, PER_TOKEN.limit, PER_TOKEN.windowSeconds);
  if (!byToken.allowed) throw new TooManyRequestsError(byToken.retryAfterSeconds);
  const today = parisDay(now);
  const [events, child] = await Promise.all([
    feeds.listFeedEvents(ctx.pool, town.id, feed.childId, addDays(today, -FEED_DAYS_BACK), addDays(today, FEED_DAYS_AHEAD)),
    findFamilyChild(ctx.pool, town.id, feed.familyId, feed.childId),
  ]);
  if (!child) throw new NotFoundError('unknown calendar feed');
  return renderCalendar({
    name: `${child.firstNames} – ${town.name}`,
    now,
    events: events.map((e) => icsEvent(town, feed.childId, e, child.firstNames)),
  });
}

/**
 * One reservation of the feed as an event. The child's name is in the summary, as in the mails'
 * attachments: a phone that subscribes to two children's feeds shows them in one agenda.
 */
export function icsEvent(town: Pick<Town, 'slug'>, childId: string, e: FeedEvent, childName: string): IcsEvent {
  return reservationEvent(town.slug, { ...e, childId, waiting: e.status === 'waiting' }, childName);
}
