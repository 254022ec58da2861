/**
 * A worker process on the real queues "invoicing" and "mail", for the kill tests
 * (test/integration/foundation/worker-kill.test.ts): the test kills it with SIGKILL in the
 * middle of a run or a batch. Invoicing goes two families per transaction, so a run has
 * several commits to be killed between.
 * Usage: node --import tsx test/helpers/worker-child.ts <database url> <now> <smtp url>
 */
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { runInvoicing } from '../../src/features/billing/invoicing.service.js';
import { JobQueue, TASKS } from '../../src/jobs/queue.js';
import { FixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';

const [url, now, smtpUrl] = process.argv.slice(2) as [string, string, string];
const logger = createLogger('silent');
const pool = createPool(url, logger, 4);
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: url,
  SESSION_SECRET: 'x'.repeat(40),
  SMTP_URL: smtpUrl,
  PUBLIC_BASE_URL: 'http://portail.test',
  LOG_LEVEL: 'silent',
});
await new JobQueue({
  pool,
  clock: new FixedClock(now),
  config,
  logger,
  tasks: { ...TASKS, invoicing: { ...TASKS.invoicing, run: (ctx, data) => runInvoicing(ctx, String(data.runId), { batchSize: 2 }) } },
  work: ['invoicing', 'mail'],
  pollingIntervalSeconds: 0.5,
}).start();
process.on('disconnect', () => process.exit(0));
process.send?.('ready');
