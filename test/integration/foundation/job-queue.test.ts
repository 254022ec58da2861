import { fork } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, withTransaction } from '../../../src/db/pool.js';
import { registerAccount, type RegistrationInput } from '../../../src/features/parent-accounts/parent-accounts.service.js';
import { enqueueJob } from '../../../src/jobs/enqueue.js';
import { JobQueue, TASKS, type Task } from '../../../src/jobs/queue.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { page } from '../../helpers/html.js';
import { createActivity, enrolledFamily, postForm, prepareBooking } from '../reservations/helpers.js';
import { registrationInput, town } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';
import { CRASH_EXPIRY_SECONDS, CRASH_TASKS } from '../../helpers/queue-tasks.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Each run of a job of the queue "test-count", by runner. */
const runs: { n: number; runner: string }[] = [];
function countingTasks(runner: string): Record<string, Task> {
  return {
    'test-count': {
      description: 'Test: counts its executions.',
      options: { retryLimit: 0 },
      concurrency: 3,
      run: async (_ctx, data) => {
        runs.push({ n: Number(data.n), runner });
        await sleep(30); // long enough for both runners to be busy at once
      },
    },
  };
}

describe('one job queue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ tasks: { ...TASKS, ...countingTasks('producer'), ...CRASH_TASKS(async () => undefined) } });
    await t.db.pool.query('create table queue_test_runs (job_id uuid, attempt int, pid int, at timestamptz default clock_timestamp())');
  });
  afterAll(async () => t.close());

  /** A second "app instance": its own pool and queue on the same database, working. */
  async function instance(runner: string, extra: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) {
    const pool = createPool(t.db.url, logger, 4);
    const queue = await new JobQueue({
      pool,
      clock: t.clock,
      config: t.config,
      logger,
      tasks: countingTasks(runner),
      pollingIntervalSeconds: 0.5,
      ...extra,
    }).start();
    return {
      queue,
      stop: async () => {
        await queue.stop();
        await pool.end();
      },
    };
  }

  it('never runs a job queued in a transaction that rolled back', async () => {
    runs.length = 0;
    await expect(
      withTransaction(t.db.pool, async (db) => {
        await enqueueJob(db, 'test-count', { n: 1 });
        throw new Error('the change fails after queueing its job');
      }),
    ).rejects.toThrow('the change fails');
    await withTransaction(t.db.pool, (db) => enqueueJob(db, 'test-count', { n: 2 }));

    const a = await instance('a');
    try {
      await until(() => runs.length > 0, 5000);
      await sleep(1200); // two more polls: the rolled-back job would have come by now
      expect(runs.map((r) => r.n)).toEqual([2]);
    } finally {
      await a.stop();
    }
    const { rows } = await t.db.pool.query(`select count(*)::int as n from pgboss.job where name = 'test-count'`);
    expect(rows[0].n).toBe(1);
  });

  it('runs each job once with two instances on one database', async () => {
    runs.length = 0;
    await withTransaction(t.db.pool, async (db) => {
      for (let n = 1; n <= 50; n++) await enqueueJob(db, 'test-count', { n });
    });
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    try {
      await until(() => runs.length >= 50, 20_000);
      await sleep(1200); // a duplicate would show up here
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(runs).toHaveLength(50);
    expect(new Set(runs.map((r) => r.n)).size).toBe(50);
    // Both instances took part: the queue shares the work rather than one of them doing it all.
    expect(runs.some((r) => r.runner === 'a')).toBe(true);
    expect(runs.some((r) => r.runner === 'b')).toBe(true);
  });

  it('retries a job whose worker process was killed in the middle of it', async () => {
    const jobId = await enqueueJob(t.db.pool, 'test-crash', {});
    const child = fork(path.resolve('test/helpers/queue-child.ts'), [t.db.url], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
    let killedAt: number;
    try {
      await until(async () => (await t.db.pool.query('select 1 from queue_test_runs where job_id = $1', [jobId])).rowCount === 1, 30_000);
      child.kill('SIGKILL');
      killedAt = Date.now();
      await new Promise((r) => child.once('exit', r));
    } finally {
      child.kill('SIGKILL');
    }

    // Only now does another instance work on the queue, so the retry is surely its. The surviving instance supervises (every second here) and runs the retry.
    const finished: number[] = [];
    const survivor = await instance('survivor', {
      supervise: true,
      superviseIntervalSeconds: 1,
      tasks: CRASH_TASKS(async (job) => {
        finished.push(job.retryCount);
      }),
    });
    try {
      await until(() => finished.length > 0, 15_000);
    } finally {
      await survivor.stop();
    }
    expect(finished).toEqual([1]); // the second attempt, once
    // Retried after the job's expiry, give or take the supervisor's and the worker's intervals.
    // (The slack is for a loaded machine; graphile-worker would have waited 4 hours: ADR 0013.)
    expect(Date.now() - killedAt).toBeLessThan((CRASH_EXPIRY_SECONDS + 1 + 0.5 + 8) * 1000);
    const { rows } = await t.db.pool.query(`select state, retry_count from pgboss.job where id = $1`, [jobId]);
    expect(rows[0]).toEqual({ state: 'completed', retry_count: 1 });
  }, 60_000);

  it('schedules the recurring tasks of the table, and purge-expired removes what has expired', async () => {
    const scheduler = await instance('scheduler', { tasks: TASKS, work: false, schedule: true });
    try {
      const schedules = await scheduler.queue.boss.getSchedules('purge-expired');
      expect(schedules.map((s) => ({ name: s.name, cron: s.cron, timezone: s.timezone }))).toEqual([
        { name: 'purge-expired', cron: '*/10 * * * *', timezone: 'Europe/Paris' },
      ]);
    } finally {
      await scheduler.stop();
    }
    await t.db.pool.query(
      `insert into rate_limits (key, points, window_ends_at) values ('old', 1, $1::timestamptz - interval '1 hour'), ('live', 1, $1::timestamptz + interval '1 hour')`,
      [t.clock.now()],
    );
    await enqueueJob(t.db.pool, 'purge-expired', {});
    expect(await t.jobs.runDue('purge-expired')).toBe(1);
    const { rows } = await t.db.pool.query(`select key from rate_limits where key in ('old', 'live')`);
    expect(rows).toEqual([{ key: 'live' }]);
  });
});

describe('mail through an SMTP outage', () => {
  it('every form that mails succeeds while SMTP is down; each mail is delivered exactly once when it is back, with links still valid', async () => {
    const smtp = new TestSmtpServer();
    await smtp.start();
    const port = smtp.port;
    await smtp.stop(); // down
    const t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: `smtp://127.0.0.1:${port}`, mailRetryDelaySeconds: 1 });
    const mailer = await new JobQueue({
      pool: t.db.pool,
      clock: t.clock,
      config: t.config,
      logger,
      tasks: { ...TASKS, mail: { ...TASKS.mail, options: { ...TASKS.mail.options, retryDelay: 1, retryDelayMax: 2 } } },
      work: ['mail'],
      pollingIntervalSeconds: 0.5,
    }).start();
    try {
      const villennes = await town(t.db.pool, 'villennes');
      const emails = ['anne@example.fr', 'bruno@example.fr', 'chloe@example.fr'];
      for (const [i, email] of emails.entries()) {
        const result = await registerAccount({ pool: t.db.pool, clock: t.clock, config: t.config }, villennes, registration(email, i));
        expect(result.kind).toBe('created');
      }
      // The other forms that mail, as a parent posts them: each answers as if SMTP were up.
      const activityId = await createActivity(t.db.pool, 'tarnos', { name: 'Cantine sans courriel' });
      const family = await enrolledFamily(t.db.pool, () => t.agent(), 'tarnos', activityId, 'COURRIEL');
      const forgot = t.agent();
      const forgotToken = await csrfToken(forgot, '/tarnos/mot-de-passe-oublie');
      const askReset = await forgot
        .post('/tarnos/mot-de-passe-oublie')
        .type('form')
        .send({ _csrf: forgotToken, identifiant: family.email });
      expect(askReset.status).toBe(200);
      const dossierPath = `/tarnos/mon-espace/enfants/${family.childId}/dossier`;
      const dossier = await postForm(family.agent, dossierPath, dossierPath, { allergies: 'Arachide', droitImage: 'oui', partSeul: 'non' });
      expect(dossier.status).toBe(303);
      const booking = await prepareBooking(family.agent, 'tarnos', family.childId, family.enrolmentId, ['2026-12-17', '2026-12-18']);
      expect((await family.agent.post(booking.path).type('form').send(booking.fields)).status).toBe(303);
      const { rows: queued } = await t.db.pool.query<{ to: string; subject: string }>(
        `select to_address as "to", subject from mail_outbox order by to_address, subject`,
      );
      expect(queued.filter((m) => m.to === family.email).map((m) => m.subject)).toEqual(
        expect.arrayContaining([
          'Réinitialisation de votre mot de passe',
          'Votre demande a bien été envoyée',
          expect.stringMatching(/^Votre réservation est confirmée/),
        ]),
      );

      // The worker tries while SMTP is down: every mail fails at least once, none is lost.
      await until(async () => {
        const { rows } = await t.db.pool.query(`select count(*)::int as n from mail_outbox where attempts >= 1 and status = 'pending'`);
        return rows[0].n === queued.length;
      }, 15_000);

      t.clock.advance(6 * 60 * 60 * 1000); // a long outage, in the app's time: longer than a reset link's 30 minutes
      await smtp.start(port);
      await until(() => smtp.mails.length >= queued.length, 15_000);
      await sleep(3000); // any second copy would arrive now
      // Exactly once: what SMTP received is what the outbox holds, mail for mail.
      const received = smtp.mails.map((m) => ({ to: m.to[0]!, subject: m.subject }));
      const byKey = (m: { to: string; subject: string }) => `${m.to} ${m.subject}`;
      expect(received.map(byKey).sort()).toEqual(queued.map(byKey).sort());
      for (const email of emails) expect(smtp.to(email)).toHaveLength(1);
      const { rows } = await t.db.pool.query(`select status from mail_outbox`);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);

      // The reset link, requested 6 hours ago but mailed just now, still works.
      const resetLink = new URL(linksIn(smtp.to(family.email).find((m) => m.subject === 'Réinitialisation de votre mot de passe')!)[0]!);
      const resetForm = await forgot.get(resetLink.pathname + resetLink.search);
      expect(page(resetForm).heading()).toBe('Choisissez un nouveau mot de passe');
      const reset = await forgot
        .post('/tarnos/reinitialiser-mot-de-passe')
        .type('form')
        .send({
          _csrf: csrfFrom(resetForm.text),
          jeton: resetLink.searchParams.get('jeton'),
          motDePasse: 'Riviere-Claire-2027',
          confirmationMotDePasse: 'Riviere-Claire-2027',
        });
      expect(reset.status).toBe(303);

      for (const email of emails) {
        const link = linksIn(smtp.to(email)[0]!).find((l) => l.includes('/activation?'))!;
        const url = new URL(link);
        const page = await t.agent().get(url.pathname + url.search);
        expect(page.status).toBe(200);
        expect(page.text).toContain('Votre espace est activé');
      }
    } finally {
      await mailer.stop();
      await t.close();
      await smtp.stop();
    }
  }, 60_000);
});

function registration(email: string, i: number): RegistrationInput {
  return registrationInput({ email, username: `outage${i}` });
}
