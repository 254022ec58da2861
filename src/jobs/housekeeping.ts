import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { pruneExpired } from '../lib/rate-limit.js';

/** Photos chosen in an abandoned sign-up are kept one day at most. */
const SIGNUP_PHOTO_TTL = '1 day';

/** Removes what nobody needs any more, every few minutes, from any instance. */
export async function housekeep(pool: pg.Pool, clock: Clock): Promise<void> {
  await pruneExpired(pool, clock);
  await pool.query(`delete from signup_photos where created_at < $1::timestamptz - interval '${SIGNUP_PHOTO_TTL}'`, [clock.now()]);
}

export function startHousekeeping(pool: pg.Pool, clock: Clock, logger: Logger, everyMs = 10 * 60 * 1000): () => void {
  const timer = setInterval(() => {
    housekeep(pool, clock).catch((err: unknown) => logger.warn({ err }, 'housekeeping failed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
