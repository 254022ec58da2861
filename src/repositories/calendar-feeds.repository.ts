import type { Queryable } from '../db/pool.js';

export interface CalendarFeed {
  id: string;
  townId: string;
  childId: string;
  familyId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const COLUMNS = `id, town_id as "townId", child_id as "childId", family_id as "familyId", created_at as "createdAt", last_used_at as "lastUsedAt"`;

/** The account's live feed of the child, if any. */
export async function findActiveFeed(db: Queryable, townId: string, accountId: string, childId: string): Promise<CalendarFeed | undefined> {
  const { rows } = await db.query<CalendarFeed>(
    `select ${COLUMNS} from calendar_feeds where town_id = $1 and account_id = $2 and child_id = $3 and revoked_at is null`,
    [townId, accountId, childId],
  );
  return rows[0];
}

/** Revokes the account's live feed of the child (renewing or revoking); returns how many rows. */
/**
 * Serialises the creations of one parent's address for one child until the transaction ends:
 * two clicks at once would each revoke nothing and both insert (the unique index refuses the second).
 */
export async function lockFeedOwner(db: Queryable, accountId: string, childId: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`calendar-feed:${accountId}:${childId}`]);
}

export async function revokeFeed(db: Queryable, townId: string, accountId: string, childId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `update calendar_feeds set revoked_at = $4 where town_id = $1 and account_id = $2 and child_id = $3 and revoked_at is null`,
    [townId, accountId, childId, at],
  );
  return rowCount ?? 0;
}

/** Revokes every live feed of an account (closing it). */
export async function revokeAccountFeeds(db: Queryable, townId: string, accountId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `update calendar_feeds set revoked_at = $3 where town_id = $1 and account_id = $2 and revoked_at is null`,
    [townId, accountId, at],
  );
  return rowCount ?? 0;
}

export async function insertFeed(
  db: Queryable,
  f: { townId: string; accountId: string; familyId: string; childId: string; tokenHash: string; now: Date },
): Promise<void> {
  await db.query(
    `insert into calendar_feeds (town_id, account_id, family_id, child_id, token_hash, created_at) values ($1, $2, $3, $4, $5, $6)`,
    [f.townId, f.accountId, f.familyId, f.childId, f.tokenHash, f.now],
  );
}

/**
 * The live feed of a token in a town, marking it used. One statement whatever the answer, so
 * an unknown and a revoked token cost the same. The child must still be of the feed's family.
 */
export async function useFeed(db: Queryable, townId: string, tokenHash: string, at: Date): Promise<CalendarFeed | undefined> {
  const { rows } = await db.query<CalendarFeed>(
    `update calendar_feeds f set last_used_at = $3
       from children c
      where f.town_id = $1 and f.token_hash = $2 and f.revoked_at is null
        and c.id = f.child_id and c.town_id = f.town_id and c.family_id = f.family_id
      returning f.id, f.town_id as "townId", f.child_id as "childId", f.family_id as "familyId", f.created_at as "createdAt", f.last_used_at as "lastUsedAt"`,
    [townId, tokenHash, at],
  );
  return rows[0];
}

export interface FeedEvent {
  reservationId: string;
  activityId: string;
  day: string;
  status: 'booked' | 'waiting';
  confirmed: boolean;
  activityName: string;
  site: string;
  unit: string;
}

/** The child's reservations between two days, with their activity. */
export async function listFeedEvents(db: Queryable, townId: string, childId: string, from: string, to: string): Promise<FeedEvent[]> {
  const { rows } = await db.query<FeedEvent>(
    `select r.id as "reservationId", r.activity_id as "activityId", r.day, r.status, r.confirmed_at is not null as confirmed,
            a.name as "activityName", a.site, a.unit
       from reservations r join activities a on a.id = r.activity_id and a.town_id = r.town_id
      where r.town_id = $1 and r.child_id = $2 and r.day between $3 and $4
      order by r.day, a.name`,
    [townId, childId, from, to],
  );
  return rows;
}
