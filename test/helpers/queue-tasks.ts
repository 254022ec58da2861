import type { JobWithMetadata } from 'pg-boss';
import type { Task } from '../../src/jobs/queue.js';

/** How long a job may stay active before the supervisor hands it to another worker, in the crash test. */
export const CRASH_EXPIRY_SECONDS = 2;

/** The queue of the crash test: a short expiry and an immediate retry, so the test is fast. */
export function CRASH_TASKS(run: (job: JobWithMetadata<Record<string, unknown>>) => Promise<void>): Record<string, Task> {
  return {
    'test-crash': {
      description: 'Test: a job whose first worker is killed.',
      options: { retryLimit: 3, retryDelay: 0, expireInSeconds: CRASH_EXPIRY_SECONDS },
      run: (_ctx, _data, job) => run(job),
    },
  };
}
