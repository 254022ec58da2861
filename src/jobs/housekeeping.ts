import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { closeAbandonedInvoicingRuns } from '../features/billing/invoicing.service.js';
import { OBSERVATION_MS } from '../lib/lockout.js';
import { pruneExpired } from '../lib/rate-limit.js';
import { deleteSignupPhotosBefore } from '../repositories/accounts.repository.js';
import { deleteDraftsBefore } from '../repositories/absences.repository.js';
import { pruneThrottle } from '../repositories/sign-in-throttle.repository.js';

/** Photos chosen in an abandoned sign-up are kept one day at most. */
const SIGNUP_PHOTO_TTL_MS = 24 * 60 * 60 * 1000;
/** A "Signaler une absence" step 1 nobody validated (its files with it) is kept one day at most. */
const ABSENCE_DRAFT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Removes what nobody needs any more, and closes the invoicing runs nothing will resume: the
 * recurring task "purge-expired" (src/jobs/queues.ts).
 */
export async function housekeep(pool: pg.Pool, clock: Clock): Promise<void> {
  await pruneExpired(pool, clock);
  await pruneThrottle(pool, clock.now(), OBSERVATION_MS);
  await deleteSignupPhotosBefore(pool, new Date(clock.now().getTime() - SIGNUP_PHOTO_TTL_MS));
  await deleteDraftsBefore(pool, new Date(clock.now().getTime() - ABSENCE_DRAFT_TTL_MS));
  await closeAbandonedInvoicingRuns({ pool, clock });
}
