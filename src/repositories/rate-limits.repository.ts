import type { Queryable } from '../db/pool.js';

/**
 * Fixed-window counters (lib/rate-limit.ts decides what a count means). Keys are not town
 * rows: the callers put the town in the key when the limit is per town.
 */

/** One upsert per hit: the row either starts a new window or counts one more. */
export async function countHit(
  db: Queryable,
  key: string,
  now: Date,
  windowSeconds: number,
): Promise<{ points: number; windowEndsAt: Date }> {
  const { rows } = await db.query<{ points: number; windowEndsAt: Date }>(
    `insert into rate_limits (key, points, window_ends_at)
     values ($1, 1, $2::timestamptz + make_interval(secs => $3))
     on conflict (key) do update set
       points = case when rate_limits.window_ends_at <= $2 then 1 else rate_limits.points + 1 end,
       window_ends_at = case when rate_limits.window_ends_at <= $2
                             then $2::timestamptz + make_interval(secs => $3)
                             else rate_limits.window_ends_at end
     returning points, window_ends_at as "windowEndsAt"`,
    [key, now, windowSeconds],
  );
  return rows[0]!;
}

export async function deleteKey(db: Queryable, key: string): Promise<void> {
  await db.query('delete from rate_limits where key = $1', [key]);
}

export async function deleteEndedBefore(db: Queryable, now: Date): Promise<void> {
  await db.query('delete from rate_limits where window_ends_at < $1', [now]);
}

/** The hits of the key's current window (0 when it has none). */
export async function currentPoints(db: Queryable, key: string, now: Date): Promise<number> {
  const { rows } = await db.query<{ points: number }>('select points from rate_limits where key = $1 and window_ends_at > $2', [key, now]);
  return rows[0]?.points ?? 0;
}
