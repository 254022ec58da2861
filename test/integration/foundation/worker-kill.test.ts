import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/deps.js';
import { startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import { createPool } from '../../../src/db/pool.js';
import { JobQueue, TASKS } from '../../../src/jobs/queue.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { enqueueMail } from '../../../src/lib/mailer.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  createActivity,
  createChild,
  createEnrolment,
  createFamily,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  town,
} from '../../helpers/fixtures.js';
import { TestSmtpServer } from '../../helpers/smtp.js';

/**
 * The worker process killed with SIGKILL (docs/pannes.md) in the middle of an invoicing run and
 * of a mail batch; then a new worker starts. The queue hands the dead worker's job on once it
 * expires: production waits minutes for that (QUEUES), these jobs are given a 2-second expiry
 * so the test waits seconds. Everything else is the app's own code and SQL.
 */

const NOW = '2026-12-02T09:00:00Z'; // November 2026 is invoiced on 2 December
const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestApp;
let ctx: ServiceContext;

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
});
afterAll(async () => t.close());

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function startWorker(smtpUrl: string): Promise<ChildProcess> {
  const child = fork(path.resolve('test/helpers/worker-child.ts'), [t.db.url, NOW, smtpUrl], {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** The new worker, in this process: it supervises (fails the expired job of the dead one) and works. */
async function survivor(clock: FixedClock, smtpUrl = 'smtp://127.0.0.1:9') {
  const pool = createPool(t.db.url, logger, 4);
  const queue = await new JobQueue({
    pool,
    clock,
    config: { ...t.config, smtpUrl },
    logger,
    tasks: TASKS,
    work: ['invoicing', 'mail'],
    supervise: true,
    superviseIntervalSeconds: 1,
    pollingIntervalSeconds: 0.5,
  }).start();
  return {
    stop: async () => {
      await queue.stop();
      await pool.end();
    },
  };
}

/** The test's timing: the dead worker's job expires after 2 s, and is retried at once. */
async function shortExpiry(queue: string): Promise<void> {
  await t.db.pool.query(
    `update pgboss.job set expire_seconds = 2, heartbeat_seconds = null, retry_delay = 0, retry_backoff = false
      where name = $1 and state in ('created', 'retry')`,
    [queue],
  );
}

describe('the worker killed in the middle of an invoicing run', () => {
  it('a new worker finishes the run: one invoice per family and month, numbers without a gap, nothing lost', async () => {
    const townId = (await town(t.db.pool, 'bayeux')).id;
    const activityId = await createActivity(t.db.pool, 'bayeux');
    const regieId = await createRegie(t.db.pool, 'bayeux', { activityIds: [activityId] });
    await createTariff(t.db.pool, 'bayeux', activityId, {});
    const families: string[] = [];
    for (let i = 0; i < 8; i++) {
      const family = await createFamily(t.db.pool, 'bayeux', { name: `COUPURE${i}` });
      const childId = await createChild(t.db.pool, 'bayeux', family.id, { birthDate: '2018-03-01' });
      const enrolmentId = await createEnrolment(t.db.pool, 'bayeux', { activityId, childId });
      await createQuotient(t.db.pool, 'bayeux', { familyId: family.id, qf: 1200 });
      await createReservation(t.db.pool, 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-02', status: 'booked' });
      families.push(family.id);
    }
    // Each invoice takes a fifth of a second to write: the run (two families per transaction) lasts long enough to be killed in.
    await t.db.pool.query(`
      create function test_slow_invoice() returns trigger language plpgsql as $$ begin perform pg_sleep(0.2); return new; end $$;
      create trigger test_slow_invoice after insert on invoices for each row execute function test_slow_invoice();`);

    const started = await startInvoicingRun(ctx, townId, { agentId: null, actorLabel: 'Agent de test', ip: null }, regieId, '2026-11');
    if (!started.ok) throw new Error(started.message);
    await shortExpiry('invoicing');
    const worker = await startWorker('smtp://127.0.0.1:9');
    let atKill: invoices.Invoice[];
    try {
      // Killed after its first transaction committed, while the next one is writing.
      await until(
        async () => ((await invoices.findRun(t.db.pool, townId, started.runId))?.processedFamilies ?? 0) >= 2,
        20_000,
        'a first batch',
      );
      await kill(worker);
      atKill = await invoices.listMonthInvoices(t.db.pool, townId, regieId, '2026-11-01');
    } finally {
      await kill(worker);
      await t.db.pool.query('drop trigger test_slow_invoice on invoices; drop function test_slow_invoice()');
    }
    expect(atKill.length).toBeGreaterThanOrEqual(2);
    expect(atKill.length).toBeLessThan(8);

    // The new worker's clock is past the dead one's lease on the run (two minutes).
    const clock = new FixedClock(NOW);
    clock.advance(5 * 60 * 1000);
    const next = await survivor(clock);
    try {
      await until(async () => (await invoices.findRun(t.db.pool, townId, started.runId))?.status === 'done', 20_000, 'the run done');
    } finally {
      await next.stop();
    }
    const list = await invoices.listMonthInvoices(t.db.pool, townId, regieId, '2026-11-01');
    expect(list.map((i) => i.familyId).sort()).toEqual([...families].sort());
    expect(list.map((i) => i.numberSeq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // What the dead worker had committed stayed as it was.
    for (const before of atKill) expect(list.find((i) => i.id === before.id)?.numberSeq).toBe(before.numberSeq);
    expect(await invoices.findRun(t.db.pool, townId, started.runId)).toMatchObject({
      status: 'done',
      totalFamilies: 8,
      processedFamilies: 8,
      invoicesCreated: 8,
    });
  }, 40_000);
});

describe('the worker killed in the middle of a mail batch', () => {
  it('a new worker sends the rest: none lost, and only a mail SMTP had taken but the dead worker had not marked sent goes twice', async () => {
    // The server takes each mail's data, then waits 300 ms before its "250 OK": the window is wide open.
    const smtp = new TestSmtpServer({ ackDelayMs: 300 });
    await smtp.start();
    const ids: string[] = [];
    for (let i = 1; i <= 10; i++) {
      ids.push(
        await enqueueMail(t.db.pool, {
          townId: null,
          to: `lot${i}@example.fr`,
          template: 'notification',
          subject: `Lot ${i}`,
          data: { greeting: 'Bonjour,', paragraphs: [`Message ${i}.`] },
        }),
      );
    }
    await shortExpiry('mail');
    const worker = await startWorker(smtp.url);
    let window: string[];
    try {
      await until(() => smtp.mails.length >= 3, 20_000, 'three mails received');
      await kill(worker);
      // The window: received by SMTP, not marked sent in the outbox when the worker died.
      const { rows } = await t.db.pool.query<{ to: string }>(
        `select to_address as "to" from mail_outbox where id = any($1) and status = 'pending'`,
        [ids],
      );
      const pending = new Set(rows.map((r) => r.to));
      window = smtp.mails.map((m) => m.to[0]!).filter((to) => pending.has(to));
    } finally {
      await kill(worker);
    }
    // At most the mails the worker was sending at once (the queue's concurrency).
    expect(window.length).toBeGreaterThanOrEqual(1);
    expect(window.length).toBeLessThanOrEqual(TASKS.mail.concurrency ?? 1);

    const next = await survivor(new FixedClock(NOW), smtp.url);
    try {
      await until(
        async () =>
          (await t.db.pool.query(`select count(*)::int as n from mail_outbox where id = any($1) and status = 'sent'`, [ids])).rows[0].n ===
          10,
        20_000,
        'every mail sent',
      );
      await sleep(1000); // a further copy would come now
    } finally {
      await next.stop();
      await smtp.stop();
    }
    for (let i = 1; i <= 10; i++) {
      const to = `lot${i}@example.fr`;
      const copies = smtp.to(to).length;
      if (window.includes(to)) expect(copies).toBeGreaterThanOrEqual(1);
      else expect(copies).toBe(1); // outside the window: exactly once
      expect(copies).toBeLessThanOrEqual(2);
    }
    expect(smtp.mails.length - 10).toBeLessThanOrEqual(window.length);
  }, 40_000);
});
