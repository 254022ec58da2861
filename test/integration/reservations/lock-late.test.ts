import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lockDays } from '../../../src/repositories/reservations.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent } from '../../helpers/fixtures.js';
import { createActivity, enrolledFamily, prepareBooking } from './helpers.js';

/**
 * The lock-late save (ADR 0010) gives the same results as the lock-first one: only what the
 * transaction holds while it waits for the day rows tells them apart. A second connection
 * holds a day's row lock, the save is sent, and the test looks at the waiting transaction
 * from outside (pg_stat_activity, pg_locks): no timing, no query log.
 */

const NOW = '2026-11-23T09:00:00Z';
const DAY = '2026-12-10';
const CAPACITY = 10;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

const family = (activityId: string, name: string) => enrolledFamily(t.db.pool, () => t.agent(), 'tarnos', activityId, name);

/** Another transaction holding the row lock of `days`, as a concurrent save would. */
async function holdDays(activityId: string, days: string[]): Promise<{ client: pg.PoolClient; release(): Promise<void> }> {
  // The day rows exist and are committed first, so the save's own insert of them does not wait.
  await lockDays(t.db.pool, activityId, CAPACITY, days);
  const client = await t.db.pool.connect();
  await client.query('begin');
  await lockDays(client, activityId, CAPACITY, days, { allExist: true });
  let released = false;
  return {
    client,
    release: async () => {
      if (released) return;
      released = true;
      await client.query('commit');
      client.release();
    },
  };
}

/** The backend of this database waiting for a lock (the save), once it waits. */
async function waitingBackend(holder: pg.PoolClient): Promise<number> {
  const { rows: me } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');
  for (let i = 0; i < 500; i++) {
    const { rows } = await t.db.pool.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> $1`,
      [me[0]!.pid],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no save is waiting for the day lock');
}

/** The tables the backend has written to in its open transaction. */
async function tablesWritten(pid: number): Promise<string[]> {
  const { rows } = await t.db.pool.query<{ rel: string }>(
    `select c.relname as rel from pg_locks l join pg_class c on c.oid = l.relation
      where l.pid = $1 and l.locktype = 'relation' and l.granted and l.mode = 'RowExclusiveLock' and c.relkind = 'r'`,
    [pid],
  );
  return rows.map((r) => r.rel).sort();
}

describe('the lock-late save', () => {
  it('records the request and its mail before it waits for the day lock, when it can decide alone', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: CAPACITY });
    const f = await family(activityId, 'TARDIF');
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [DAY]);
    const held = await holdDays(activityId, [DAY]);
    try {
      const sent = f.agent
        .post(booking.path)
        .type('form')
        .send(booking.fields)
        .then((res) => res);
      const pid = await waitingBackend(held.client);
      // Lock first would wait here with only the submission written.
      expect(await tablesWritten(pid)).toEqual(expect.arrayContaining(['mail_outbox', 'requests', 'reservation_submissions']));
      await held.release();
      const res = await sent;
      expect(res.status).toBe(303);
    } finally {
      await held.release();
    }
    const { rows } = await t.db.pool.query<{ status: string }>(`select status from reservations where child_id = $1 and day = $2`, [
      f.childId,
      DAY,
    ]);
    expect(rows).toEqual([{ status: 'booked' }]);
  });

  it('takes no day lock at all when everything asked is already so (a stale draft)', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: CAPACITY });
    const f = await family(activityId, 'PERIME');
    // The other parent of the family ticks the same day in their own session (their own key):
    // once the first VALIDER books it, theirs has nothing left to do.
    const other = await createParent(t.db.pool, 'tarnos', { familyId: f.familyId });
    const otherAgent = t.agent();
    expect((await signIn(otherAgent, 'tarnos', other.username, other.password)).status).toBe(303);
    const first = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [DAY]);
    const stale = await prepareBooking(otherAgent, 'tarnos', f.childId, f.enrolmentId, [DAY]);
    expect((await f.agent.post(first.path).type('form').send(first.fields)).status).toBe(303);
    const held = await holdDays(activityId, [DAY]);
    try {
      // Lock first would wait for the held day until the release below, and the race would time out.
      const res = await Promise.race([
        otherAgent.post(stale.path).type('form').send(stale.fields),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the save waited for the day lock')), 10_000)),
      ]);
      expect(res.status).toBe(303);
    } finally {
      await held.release();
    }
    // The second save was recorded, as a submission that changed nothing: one request, the first save's.
    const { rows } = await t.db.pool.query<{ submissions: number; requests: number }>(
      `select (select count(*)::int from reservation_submissions where family_id = $1) as submissions,
              (select count(*)::int from requests where family_id = $1) as requests`,
      [f.familyId],
    );
    expect(rows[0]).toEqual({ submissions: 2, requests: 1 });
  });

  it("gives way to the lock-first save when the child's reservations change while it waits, even where no counter shows it", async () => {
    const DAY2 = '2026-12-11';
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: CAPACITY });
    const f = await family(activityId, 'CHANGE');
    const booked = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [DAY, DAY2]);
    expect((await f.agent.post(booked.path).type('form').send(booked.fields)).status).toBe(303);
    // The parent unticks both days; then, before VALIDER, the services cancel the second one.
    const cancel = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [], [DAY, DAY2]);
    await t.db.pool.query(`delete from reservations where child_id = $1 and day = $2`, [f.childId, DAY2]);
    const held = await holdDays(activityId, [DAY, DAY2]);
    try {
      const sent = f.agent
        .post(cancel.path)
        .type('form')
        .send(cancel.fields)
        .then((res) => res);
      await waitingBackend(held.client);
      // While the save waits, the second day is booked again for the child (another tab, an agent).
      await held.client.query(
        `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at)
         select town_id, activity_id, id, child_id, $2, 'booked', now() from enrolments where id = $1`,
        [f.enrolmentId, DAY2],
      );
      await held.release();
      expect((await sent).status).toBe(303);
    } finally {
      await held.release();
    }
    // Decided under the lock, the parent's wish holds for both days: nothing is left reserved.
    const { rows } = await t.db.pool.query(`select day from reservations where child_id = $1`, [f.childId]);
    expect(rows).toEqual([]);
  });
});
