/**
 * The real app in its own process, for tests that must see a hang as a timeout rather than
 * be frozen by it (a synchronous endless loop in the test's own process stops its timers
 * too). Started by `served-app.ts`; prints its port as one JSON line on stdout.
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { FixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createSessionStore } from '../../src/middleware/session.js';

const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: process.env.SERVED_DATABASE_URL!,
  SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  PUBLIC_BASE_URL: 'http://portail.test',
  // TEST_CAPTCHA of app.ts, which cannot be imported here: it pulls vitest in.
  CAPTCHA_TEST_SOLUTION: 'TESTCAPTCHA',
  LOG_LEVEL: 'silent',
});
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const pool = createPool(config.databaseUrl!, logger, 10);
const clock = new FixedClock(process.env.SERVED_NOW!);
// A producer only: requests queue their mails and imports as in production; nothing runs them.
await new JobQueue({ pool, clock, config, logger, work: false }).start();
const app = createApp({
  config,
  pool,
  logger,
  clock,
  sessionStore: createSessionStore(pool, logger),
});
// Never outlive the test process that started it (see served-app.ts).
process.on('disconnect', () => process.exit(0));
const server = app.listen(Number(process.env.SERVED_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
