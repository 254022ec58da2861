/**
 * A second app instance in its own process, for the queue's crash test
 * (test/integration/foundation/job-queue.test.ts): it works on the queue "test-crash", notes
 * that it started the job, and hangs there until the test kills it with SIGKILL.
 * Usage: node --import tsx test/helpers/queue-child.ts <database url>
 */
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { CRASH_TASKS } from './queue-tasks.js';

const url = process.argv[2]!;
const logger = createLogger('silent');
const pool = createPool(url, logger, 3);
const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
await new JobQueue({
  pool,
  clock: systemClock,
  config,
  logger,
  tasks: CRASH_TASKS(async (job) => {
    await pool.query('insert into queue_test_runs (job_id, attempt, pid) values ($1, $2, $3)', [job.id, job.retryCount, process.pid]);
    await new Promise(() => undefined); // "busy" until killed
  }),
  pollingIntervalSeconds: 0.5,
}).start();
process.send?.('ready');
