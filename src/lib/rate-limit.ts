import type { Queryable } from '../db/pool.js';
import * as limits from '../repositories/rate-limits.repository.js';
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
  const row = await limits.countHit(db, key, now, windowSeconds);
  return {
    allowed: row.points <= limit,
    count: row.points,
    retryAfterSeconds: Math.max(1, Math.ceil((row.windowEndsAt.getTime() - now.getTime()) / 1000)),
  };
}

/** Forgets a key (for instance the failures of an account once it signs in). */
export async function reset(db: Queryable, key: string): Promise<void> {
  await limits.deleteKey(db, key);
}

/** Old windows are useless; the worker prunes them now and then. */
export async function pruneExpired(db: Queryable, clock: Clock): Promise<void> {
  await limits.deleteEndedBefore(db, clock.now());
}

/** How many hits the key has in its current window, without counting one more. */
export async function peek(db: Queryable, clock: Clock, key: string): Promise<number> {
  return limits.currentPoints(db, key, clock.now());
}
