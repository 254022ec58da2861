import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDelivery, MailWorker } from '../../src/jobs/mail-worker.js';
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
  /** Runs the mail worker until the outbox has nothing due. */
  deliverMail(): Promise<number>;
  /** A supertest agent that keeps cookies, like a browser. */
  agent(): supertest.Agent;
  close(): Promise<void>;
}

export interface TestAppOptions {
  now?: string;
  smtpUrl?: string;
  env?: Record<string, string>;
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
  const worker = new MailWorker(db.pool, createDelivery(config.smtpUrl), { from: config.mailFrom, clock, logger });
  return {
    app,
    db,
    clock,
    config,
    deliverMail: async () => {
      let total = 0;
      for (;;) {
        const n = await worker.runOnce();
        total += n;
        if (n === 0) return total;
      }
    },
    agent: () => supertest.agent(app),
    close: async () => {
      (sessionStore as unknown as { close?: () => void }).close?.();
      await worker.stop();
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
