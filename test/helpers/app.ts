import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { JobQueue, TASKS, type Task } from '../../src/jobs/queue.js';
import { FixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createSessionStore } from '../../src/middleware/session.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { page } from './html.js';

export const TEST_CAPTCHA = 'TESTCAPTCHA';

export interface TestApp {
  app: Express;
  db: TestDatabase;
  clock: FixedClock;
  config: Config;
  /** Runs the due mail jobs here and now (until none is due) and says how many ran. */
  deliverMail(): Promise<number>;
  /** The app's job queue: it queues jobs, and runs them only when asked (runDue). */
  jobs: JobQueue;
  /** A supertest agent that keeps cookies, like a browser. */
  agent(): supertest.Agent;
  close(): Promise<void>;
}

export interface TestAppOptions {
  now?: string;
  smtpUrl?: string;
  env?: Record<string, string>;
  /** Queues and handlers instead of the app's (tests of the queue itself). */
  tasks?: Record<string, Task>;
  /**
   * A failed mail is retried after this many seconds (doubling up to twice as many) instead of
   * 10 s and more: retries follow the database's time, not the FixedClock, so outage tests wait.
   */
  mailRetryDelaySeconds?: number;
}

/** The real app on its own cloned database, with an injectable clock and real mail delivery. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_BASE_URL: 'http://portail.test',
    CAPTCHA_TEST_SOLUTION: TEST_CAPTCHA,
    LOG_LEVEL: 'silent',
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    ...options.env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const clock = new FixedClock(options.now ?? new Date());
  const sessionStore = createSessionStore(db.pool, logger);
  const app = createApp({ config, pool: db.pool, logger, clock, sessionStore });
  // No background worker: tests run jobs when they choose, like a user waiting for a mail.
  const delay = options.mailRetryDelaySeconds;
  const tasks =
    options.tasks ??
    (delay
      ? { ...TASKS, mail: { ...TASKS.mail, options: { ...TASKS.mail.options, retryDelay: delay, retryDelayMax: 2 * delay } } }
      : undefined);
  const jobs = await new JobQueue({ pool: db.pool, clock, config, logger, work: false, ...(tasks ? { tasks } : {}) }).start();
  return {
    app,
    db,
    clock,
    config,
    jobs,
    deliverMail: () => jobs.runDue('mail'),
    agent: () => supertest.agent(app),
    close: async () => {
      (sessionStore as unknown as { close?: () => void }).close?.();
      await jobs.stop();
      await db.drop();
    },
  };
}

/** Reads the CSRF token out of a rendered form, as a browser would submit it. */
export function csrfFrom(html: string): string {
  return page(html).csrf();
}

/** GETs a page with the agent and returns its CSRF token. */
export async function csrfToken(agent: supertest.Agent, path: string): Promise<string> {
  const res = await agent.get(path);
  return csrfFrom(res.text);
}
