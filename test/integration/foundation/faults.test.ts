import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createPool } from '../../../src/db/pool.js';
import { enqueueJob } from '../../../src/jobs/enqueue.js';
import { JobQueue } from '../../../src/jobs/queue.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createSessionStore } from '../../../src/middleware/session.js';
import * as payments from '../../../src/repositories/payments.repository.js';
import { TEST_CAPTCHA, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture } from '../../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { page } from '../../helpers/html.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { bankBody, familyToPay, notify, pendingPayment, receiptMails } from '../payments/online-payment.js';
import { createActivity, enrolledFamily, prepareBooking } from '../reservations/helpers.js';

/**
 * The database failing under the app (docs/pannes.md): cut (a TCP proxy in front of PostgreSQL
 * drops every connection and refuses new ones, as a stopped server does) and full (a test-only
 * trigger raises disk_full, SQLSTATE 53100, on a write). The app runs in this process on a pool
 * that goes through the proxy; the test reads and writes the database directly.
 */

const NOW = '2026-11-23T09:00:00Z'; // Monday, 10:00 in Paris
const logger = createLogger('silent');
let db: TestDatabase;
let proxy: TcpProxy;
let appPool: ReturnType<typeof createPool>;
let queue: JobQueue;
let http: ReturnType<typeof createApp>;
let clock: FixedClock;
let config: Config;

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  proxy = new TcpProxy(target.hostname, Number(target.port));
  await proxy.start();
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  // A short connection timeout, so a cut answers fast; production's is 5 s (pool.ts).
  appPool = createPool(viaProxy.toString(), logger, 4);
  config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: viaProxy.toString(),
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_BASE_URL: 'http://portail.test',
    CAPTCHA_TEST_SOLUTION: TEST_CAPTCHA,
    LOG_LEVEL: 'silent',
  });
  clock = new FixedClock(NOW);
  // Creates the queues the app's writes insert jobs into; it runs nothing and is not cut.
  queue = await new JobQueue({ pool: db.pool, clock, config, logger, work: false }).start();
  http = createApp({ config, pool: appPool, logger, clock, sessionStore: createSessionStore(appPool, logger) });
});
afterAll(async () => {
  await queue.stop();
  await appPool.end().catch(() => undefined);
  await proxy.stop();
  await db.drop();
});

const agentOf = () => supertest.agent(http);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bookedDays(childId: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ day: string }>(
    `select day from reservations where child_id = $1 and status = 'booked' order by day`,
    [childId],
  );
  return rows.map((r) => r.day);
}

describe('PostgreSQL down', () => {
  it('answers the French 503 page to a signed-in parent and agent, never signed in nor anonymous, and comes back without a restart', async () => {
    const activityId = await createActivity(db.pool, 'tarnos', { name: 'Cantine panne' });
    const parent = await enrolledFamily(db.pool, agentOf, 'tarnos', activityId, 'PANNE');
    const staff = agentOf();
    const agentAccount = await createAgentFixture(db.pool, 'tarnos');
    expect((await signInAgent(staff, 'tarnos', agentAccount.username, agentAccount.password)).status).toBe(303);
    const parentPages = ['/tarnos/mon-espace', `/tarnos/mon-espace/enfants/${parent.childId}/agenda?mois=2026-12`];
    const agentPages = ['/tarnos/agents'];
    for (const p of parentPages) expect((await parent.agent.get(p)).status).toBe(200);
    for (const p of agentPages) expect((await staff.get(p)).status).toBe(200);
    // A form the parent opened before the cut, posted during it.
    const booking = await prepareBooking(parent.agent, 'tarnos', parent.childId, parent.enrolmentId, ['2026-12-17', '2026-12-18']);

    proxy.cut();
    try {
      const answers = await Promise.all([
        ...parentPages.map((p) => parent.agent.get(p)),
        ...agentPages.map((p) => staff.get(p)),
        parent.agent.post(booking.path).type('form').send(booking.fields),
        // The town page of a visitor, and of a parent whose session cannot be read.
        agentOf().get('/tarnos/'),
        parent.agent.get('/tarnos/'),
      ]);
      for (const res of answers) {
        // Not a 500, not a redirect to the sign-in page (anonymous), not the page itself (signed in).
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('30');
        expect(page(res).heading()).toBe('Service momentanément indisponible');
        expect(res.text).toContain('Réessayez dans quelques minutes');
        expect(res.text).not.toContain('Mon espace');
      }
      expect((await supertest(http).get('/readyz')).status).toBe(503);
      expect((await supertest(http).get('/healthz')).status).toBe(200); // the process is up
      expect(await bookedDays(parent.childId)).toEqual([]);
    } finally {
      proxy.restore();
    }

    // Back within seconds, same pool, same sessions: the pool drops its dead clients and connects anew.
    const started = Date.now();
    for (;;) {
      if ((await supertest(http).get('/readyz')).status === 200) break;
      expect(Date.now() - started).toBeLessThan(10_000);
      await sleep(100);
    }
    for (const p of parentPages) expect((await parent.agent.get(p)).status).toBe(200);
    for (const p of agentPages) expect((await staff.get(p)).status).toBe(200);
    // The parent retries the VALIDER the outage refused: saved once.
    const retried = await parent.agent.post(booking.path).type('form').send(booking.fields);
    expect(retried.status).toBe(303);
    expect(await bookedDays(parent.childId)).toEqual(['2026-12-17', '2026-12-18']);
  });

  it('a VALIDER in flight when the database goes: committed whole or not at all, and a retry never doubles it', async () => {
    const activityId = await createActivity(db.pool, 'tarnos', { name: 'Cantine en vol' });
    const f = await enrolledFamily(db.pool, agentOf, 'tarnos', activityId, 'ENVOL');
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2027-01-11', '2027-01-12', '2027-01-14']);
    // The save is slowed inside its transaction (a second on its first reservation row), so the cut lands in the middle of it.
    await db.pool.query(`
      create function test_slow_write() returns trigger language plpgsql as $$
      begin perform pg_sleep(1); return new; end $$;
      create trigger test_slow_write before insert on reservations for each statement execute function test_slow_write();`);
    try {
      // Sent now (a supertest request leaves only when awaited or then-ed).
      const inFlight = f.agent
        .post(booking.path)
        .type('form')
        .send(booking.fields)
        .then((res) => res);
      const { rows: submissionsBefore } = await db.pool.query(`select count(*)::int as n from reservation_submissions`);
      // Cut once the transaction is writing (its submission inserted, uncommitted; the reservations' insert sleeping).
      for (let waited = 0; ; waited += 50) {
        const { rowCount } = await db.pool.query(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep' and state = 'active'`,
        );
        if (rowCount) break;
        if (waited > 10_000) throw new Error('the save never reached its reservations');
        await sleep(50);
      }
      proxy.cut();
      const res = await inFlight;
      expect(res.status).toBe(503);
      proxy.restore();
      await sleep(1500); // the server notices the dead client when its sleep ends, and rolls back
      // Not at all: no reservation, no submission, no mail queued.
      expect(await bookedDays(f.childId)).toEqual([]);
      const { rows: submissionsAfter } = await db.pool.query(`select count(*)::int as n from reservation_submissions`);
      expect(submissionsAfter[0].n).toBe(submissionsBefore[0].n);
    } finally {
      proxy.restore();
      await db.pool.query('drop trigger test_slow_write on reservations; drop function test_slow_write()');
    }
    // The parent retries, and retries again (a lost answer): one submission, each day once.
    for (let i = 0; i < 2; i++) {
      const again = await f.agent.post(booking.path).type('form').send(booking.fields);
      expect(again.status).toBe(303);
    }
    expect(await bookedDays(f.childId)).toEqual(['2027-01-11', '2027-01-12', '2027-01-14']);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from reservation_submissions where family_id = $1 and idempotency_key = $2`,
      [f.familyId, booking.fields.cle],
    );
    expect(rows[0].n).toBe(1);
    const { rows: all } = await db.pool.query(
      `select day, count(*)::int as n from reservations where child_id = $1 group by day having count(*) > 1`,
      [f.childId],
    );
    expect(all).toEqual([]);
  });
});

describe('a payment notified while the database is down', () => {
  it('is left for the scheduled check (ADR 0017), then applied once however often it comes back', async () => {
    // The payments helpers take a TestApp: this file's app, its database and its queue.
    const t = {
      app: http,
      db,
      clock,
      config,
      jobs: queue,
      agent: agentOf,
      deliverMail: () => queue.runDue('mail'),
      close: async () => undefined,
    } satisfies TestApp;
    const f = await familyToPay(t, 'PAIEPANNE', ['2026-10']);
    const payment = await pendingPayment(t, f.agent, f.slug, f.townId, [f.invoices[0]!.id]);
    const body = bankBody(t, payment);

    proxy.cut();
    try {
      // A provider that does not send again: acknowledged "later", the scheduled check will ask it.
      const refused = await notify(t, f.slug, body);
      expect([refused.status, refused.text]).toEqual([200, 'later']);
      // The family's browser coming back: the French 503 page.
      expect((await f.agent.get(`/${f.slug}/paiement/retour/${payment.id}`)).status).toBe(503);
    } finally {
      proxy.restore();
    }
    expect((await payments.findPayment(db.pool, f.townId, payment.id))?.status).toBe('pending');

    // Back: the provider's retry, the browser's return and a replay, at once and again.
    const again = await Promise.all([
      notify(t, f.slug, body),
      f.agent.get(`/${f.slug}/paiement/retour/${payment.id}`),
      notify(t, f.slug, body),
    ]);
    for (const res of again) expect(res.status).toBeLessThan(500);
    expect((await notify(t, f.slug, body)).status).toBeLessThan(500);
    // And the scheduled check, five minutes on, asks the bank about it once more: nothing changes.
    clock.advance(6 * 60 * 1000);
    try {
      await enqueueJob(db.pool, 'payments-check', {});
      expect(await queue.runDue('payments-check')).toBe(1);
    } finally {
      clock.set(NOW);
    }
    expect((await payments.findPayment(db.pool, f.townId, payment.id))?.status).toBe('paid');
    const applied = (await payments.listPaymentEvents(db.pool, f.townId, payment.id)).filter((e) => e.outcome === 'applied');
    expect(applied).toHaveLength(1);
    expect(await receiptMails(t, f.parent.email)).toBe(1);
  });
});

describe('a connection ended by the server while a transaction holds it', () => {
  // What PostgreSQL does to every session when it stops (fast shutdown: 57P01). Without a
  // listener on the checked-out client, node-postgres throws an unhandled 'error': the process dies.
  it('fails that transaction, keeps the process alive, and the pool goes on with a new connection', async () => {
    const pool = createPool(db.url, logger, 2);
    try {
      const client = await pool.connect();
      await client.query('begin');
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      await db.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await sleep(300); // the FATAL message arrives while no statement runs on the client
      await expect(client.query('select 1')).rejects.toThrow();
      client.release();
      expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('the database disk full', () => {
  it('says in French that nothing could be saved, writes nothing half, and saves once space is back', async () => {
    const activityId = await createActivity(db.pool, 'tarnos', { name: 'Cantine disque plein' });
    const f = await enrolledFamily(db.pool, agentOf, 'tarnos', activityId, 'DISQUE');
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2026-12-14', '2026-12-15']);
    const outbox = async () => (await db.pool.query(`select count(*)::int as n from mail_outbox`)).rows[0].n as number;
    const mailsBefore = await outbox();
    // What PostgreSQL raises when it cannot extend a file: after the submission row, on the reservations.
    await db.pool.query(`
      create function test_disk_full() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$;
      create trigger test_disk_full before insert on reservations for each statement execute function test_disk_full();`);
    try {
      const res = await f.agent.post(booking.path).type('form').send(booking.fields);
      expect(res.status).toBe(503);
      const p = page(res);
      expect(p.heading()).toBe('Service momentanément indisponible');
      expect(res.text).toContain('Le service ne peut pas enregistrer vos informations pour le moment');
      expect(res.text).toContain("rien n'a été modifié");
      // Nothing half-written: the submission, the reservations and the mails went together.
      expect(await bookedDays(f.childId)).toEqual([]);
      const { rows } = await db.pool.query(`select count(*)::int as n from reservation_submissions where family_id = $1`, [f.familyId]);
      expect(rows[0].n).toBe(0);
      expect(await outbox()).toBe(mailsBefore);
      // The draft is kept: the recap still shows the ticked days.
      const recap = await f.agent.get(booking.path.replace(/\/valider$/, '/recapitulatif'));
      expect(recap.status).toBe(200);
      expect(recap.text).toContain('14 décembre');
    } finally {
      await db.pool.query('drop trigger test_disk_full on reservations; drop function test_disk_full()');
    }
    const again = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(again.status).toBe(303);
    expect(await bookedDays(f.childId)).toEqual(['2026-12-14', '2026-12-15']);
  });
});
