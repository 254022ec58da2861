import express from 'express';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.js';
import { createPool } from '../../../src/db/pool.js';
import { healthRouter } from '../../../src/features/health/health.routes.js';
import { JobQueue, TASKS } from '../../../src/jobs/queue.js';
import { loadConfig } from '../../../src/config.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { enqueueMail } from '../../../src/lib/mailer.js';
import { createTestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { TestSmtpServer } from '../../helpers/smtp.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';

const logger = createLogger('silent');
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

describe('health', () => {
  it('/readyz answers 503 while the database is down and 200 again once it is back, without a restart', async () => {
    const target = new URL(db.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const pool = createPool(viaProxy.toString(), logger, 2);
    const app = express().use(healthRouter(pool, { showRuntime: false }));
    try {
      expect((await supertest(app).get('/readyz')).status).toBe(200);
      proxy.cut();
      const down = await supertest(app).get('/readyz');
      expect(down.status).toBe(503);
      expect((await supertest(app).get('/healthz')).status).toBe(200);
      proxy.restore();
      expect((await supertest(app).get('/readyz')).status).toBe(200);
    } finally {
      await pool.end().catch(() => undefined);
      await proxy.stop();
    }
  });
});

describe('runtime', () => {
  // The test workers are the processes scripts/node24.sh launched: on a machine whose own node
  // is 20, this fails unless the launcher put Node 24 first.
  it('/healthz names the Node 24 runtime the app runs on, and shows no version banner in production', async () => {
    const development = await supertest(express().use(healthRouter(db.pool, { showRuntime: true }))).get('/healthz');
    expect(development.status).toBe(200);
    expect(development.text).toMatch(/^ok\nnode v24\.\d+\.\d+\n$/);
    const production = await supertest(express().use(healthRouter(db.pool, { showRuntime: false }))).get('/healthz');
    expect(production.status).toBe(200);
    expect(production.text).toBe('ok');
  });

  it('the app itself says it runs on Node 24 outside production', async () => {
    const t = await createTestApp();
    try {
      expect(process.version).toMatch(/^v24\./);
      expect((await t.agent().get('/healthz')).text).toBe(`ok\nnode ${process.version}\n`);
    } finally {
      await t.close();
    }
  });
});

describe('migrations', () => {
  it('applies each file once even when two instances start together', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('create database ef_migrate_race');
    await admin.end();
    const url = new URL(db.url);
    url.pathname = '/ef_migrate_race';
    const a = createPool(url.toString(), logger, 2);
    const b = createPool(url.toString(), logger, 2);
    try {
      const [first, second] = await Promise.all([migrate(a, logger), migrate(b, logger)]);
      expect(first.length + second.length).toBeGreaterThan(0);
      expect(new Set([...first, ...second]).size).toBe(first.length + second.length);
      const { rows } = await a.query('select count(*)::int as n from schema_migrations');
      expect(rows[0].n).toBe(first.length + second.length);
      expect(await migrate(a, logger)).toEqual([]);
    } finally {
      await a.end();
      await b.end();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('drop database ef_migrate_race with (force)');
      await c.end();
    }
  });
});

describe('mail that is never lost', () => {
  it('keeps a mail queued while SMTP is unreachable and delivers it once SMTP answers', async () => {
    const smtp = new TestSmtpServer();
    await smtp.start();
    const port = smtp.port;
    await smtp.stop(); // SMTP is down

    const clock = new FixedClock('2026-11-23T10:00:00Z');
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      SESSION_SECRET: 'x'.repeat(40),
      SMTP_URL: `smtp://127.0.0.1:${port}`,
    });
    // Retries after one to two seconds instead of ten or more, so the test waits little.
    const tasks = { ...TASKS, mail: { ...TASKS.mail, options: { ...TASKS.mail.options, retryDelay: 1, retryDelayMax: 2 } } };
    const queue = await new JobQueue({ pool: db.pool, clock, config, logger, work: false, tasks }).start();
    try {
      const id = await enqueueMail(db.pool, {
        townId: null,
        to: 'parent@example.fr',
        template: 'notification',
        subject: 'Votre demande a été reçue',
        data: { greeting: 'Bonjour Madame DUPONT,', paragraphs: ['Votre demande est bien arrivée.'], townName: 'Ville de Tarnos' },
      });

      expect(await queue.runDue('mail')).toBe(1);
      let row = (await db.pool.query('select status, attempts, last_error from mail_outbox where id = $1', [id])).rows[0];
      expect(row.status).toBe('pending');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toBeTruthy();

      // Not due yet: nothing is tried.
      expect(await queue.runDue('mail')).toBe(0);

      await smtp.start(port); // SMTP is back
      await new Promise((r) => setTimeout(r, 2500));
      expect(await queue.runDue('mail')).toBe(1);
      row = (await db.pool.query('select status, attempts from mail_outbox where id = $1', [id])).rows[0];
      expect(row.status).toBe('sent');
      expect(smtp.to('parent@example.fr')).toHaveLength(1);
      expect(smtp.mails[0]!.subject).toBe('Votre demande a été reçue');
      expect(smtp.mails[0]!.text).toContain('Bonjour Madame DUPONT,');

      // Sent once: another pass sends nothing more.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await queue.runDue('mail')).toBe(0);
      expect(smtp.mails).toHaveLength(1);
    } finally {
      await queue.stop();
      await smtp.stop();
    }
  });

  it('does not queue a mail when the transaction that causes it rolls back', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, SESSION_SECRET: 'x'.repeat(40) });
    const queue = await new JobQueue({ pool: db.pool, clock: new FixedClock(new Date()), config, logger, work: false }).start();
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await enqueueMail(client, {
        townId: null,
        to: 'rollback@example.fr',
        template: 'notification',
        subject: 'Jamais envoyé',
        data: { greeting: 'Bonjour,', paragraphs: [] },
      });
      await client.query('rollback');
      const { rowCount } = await db.pool.query(`select 1 from mail_outbox where to_address = 'rollback@example.fr'`);
      expect(rowCount).toBe(0);
      // Nor a job to send it: nothing runs.
      expect(await queue.runDue('mail')).toBe(0);
    } finally {
      client.release();
      await queue.stop();
    }
  });

  it('gives a job, at the upgrade, to a mail the old outbox worker had not sent yet', async () => {
    // As left by the previous version: a pending row, no job.
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into mail_outbox (template, to_address, subject, text_body, html_body)
       values ('notification', 'avant@example.fr', 'En attente', 'texte', '<p>html</p>') returning id`,
    );
    await migrate(db.pool, logger);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, SESSION_SECRET: 'x'.repeat(40) });
    const queue = await new JobQueue({ pool: db.pool, clock: new FixedClock(new Date()), config, logger, work: false }).start();
    try {
      expect(await queue.runDue('mail')).toBe(1);
    } finally {
      await queue.stop();
    }
    const row = (await db.pool.query('select status, transport, job_id from mail_outbox where id = $1', [rows[0]!.id])).rows[0];
    expect(row).toMatchObject({ status: 'sent', transport: 'local' });
    expect(row.job_id).toBeTruthy();
  });

  it('refuses an address that could inject headers', async () => {
    await expect(
      enqueueMail(db.pool, {
        townId: null,
        to: 'a@b.fr\r\nBcc: x@y.fr',
        template: 'notification',
        subject: 's',
        data: { greeting: '', paragraphs: [] },
      }),
    ).rejects.toThrow();
  });
});
