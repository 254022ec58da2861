import type { Queryable } from '../db/pool.js';
import type { ThrottleState } from '../lib/lockout.js';

/** The current burst of a key: nothing once its last failure is older than the window and no lock runs. */
export async function readThrottle(db: Queryable, key: string, now: Date, observationMs: number): Promise<ThrottleState> {
  const { rows } = await db.query<{ failures: number; lockedUntil: Date | null }>(
    `select case when last_failed_at > $2::timestamptz - make_interval(secs => $3) then failures else 0 end as failures,
            case when locked_until > $2 then locked_until end as "lockedUntil"
       from sign_in_throttle where key = $1`,
    [key, now, observationMs / 1000],
  );
  return rows[0] ?? { failures: 0, lockedUntil: null };
}

/**
 * One more failure, in one atomic upsert: a failure after a quiet window starts a new burst.
 * Returns the burst's count with this failure.
 */
export async function recordFailure(db: Queryable, key: string, now: Date, observationMs: number): Promise<number> {
  const { rows } = await db.query<{ failures: number }>(
    `insert into sign_in_throttle (key, failures, last_failed_at) values ($1, 1, $2)
     on conflict (key) do update set
       failures = case when sign_in_throttle.last_failed_at <= $2::timestamptz - make_interval(secs => $3)
                       then 1 else sign_in_throttle.failures + 1 end,
       last_failed_at = $2
     returning failures`,
    [key, now, observationMs / 1000],
  );
  return rows[0]!.failures;
}

/** Browsers without the device cookie are refused until then. */
export async function lock(db: Queryable, key: string, until: Date): Promise<void> {
  await db.query('update sign_in_throttle set locked_until = $2 where key = $1', [key, until]);
}

/** Takes back a failure counted in advance, for an attempt that turned out not to be one. */
export async function undoFailure(db: Queryable, key: string): Promise<void> {
  await db.query(
    `with gone as (delete from sign_in_throttle where key = $1 and failures <= 1)
     update sign_in_throttle set failures = failures - 1 where key = $1 and failures > 1`,
    [key],
  );
}

/** A successful sign-in or a new password ends the burst and any lock. */
export async function clearThrottle(db: Queryable, key: string): Promise<void> {
  await db.query('delete from sign_in_throttle where key = $1', [key]);
}

/** Rows whose burst is over and whose lock has run out tell nothing any more. */
export async function pruneThrottle(db: Queryable, now: Date, observationMs: number): Promise<void> {
  await db.query(
    `delete from sign_in_throttle
      where last_failed_at <= $1::timestamptz - make_interval(secs => $2) and (locked_until is null or locked_until <= $1)`,
    [now, observationMs / 1000],
  );
}
