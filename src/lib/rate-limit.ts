import type { Queryable } from '../db/pool.js';
import type { Clock } from './clock.js';

export interface RateLimitResult {
  allowed: boolean;
  /** How many hits the key has had in the current window, this one included. */
  count: number;
  retryAfterSeconds: number;
}

/**
 * A fixed-window counter in Postgres, so a limit holds across every instance of the app.
 * One upsert per hit: the row either starts a new window or counts one more.
 */
export async function hit(db: Queryable, clock: Clock, key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
  const now = clock.now();
  const { rows } = await db.query<{ points: number; window_ends_at: Date }>(
    `insert into rate_limits (key, points, window_ends_at)
     values ($1, 1, $2::timestamptz + make_interval(secs => $3))
     on conflict (key) do update set
       points = case when rate_limits.window_ends_at <= $2 then 1 else rate_limits.points + 1 end,
       window_ends_at = case when rate_limits.window_ends_at <= $2
                             then $2::timestamptz + make_interval(secs => $3)
                             else rate_limits.window_ends_at end
     returning points, window_ends_at`,
    [key, now, windowSeconds],
  );
  const row = rows[0]!;
  return {
    allowed: row.points <= limit,
    count: row.points,
    retryAfterSeconds: Math.max(1, Math.ceil((row.window_ends_at.getTime() - now.getTime()) / 1000)),
  };
}

/** Forgets a key (for instance the failures of an account once it signs in). */
export async function reset(db: Queryable, key: string): Promise<void> {
  await db.query('delete from rate_limits where key = $1', [key]);
}

/** Old windows are useless; the worker prunes them now and then. */
export async function pruneExpired(db: Queryable, clock: Clock): Promise<void> {
  await db.query('delete from rate_limits where window_ends_at < $1', [clock.now()]);
}

/** How many hits the key has in its current window, without counting one more. */
export async function peek(db: Queryable, clock: Clock, key: string): Promise<number> {
  const { rows } = await db.query<{ points: number }>('select points from rate_limits where key = $1 and window_ends_at > $2', [
    key,
    clock.now(),
  ]);
  return rows[0]?.points ?? 0;
}
