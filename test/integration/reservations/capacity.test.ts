import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createReservation } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { createActivity, createFamilyWithChild, enrol, enrolledFamily, prepareBooking, type EnrolledFamily } from './helpers.js';

const NOW = '2026-11-23T09:00:00Z';
const DAY = '2026-12-10';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

type Family = EnrolledFamily;

const family = (activityId: string, name: string) => enrolledFamily(t.db.pool, () => t.agent(), 'tarnos', activityId, name);

async function book(f: Family, days: string[], untick: string[] = []) {
  const b = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, days, untick);
  return f.agent.post(b.path).type('form').send(b.fields);
}

async function counts(activityId: string, day = DAY) {
  const { rows } = await t.db.pool.query<{ booked: number; waiting: number; counter: number }>(
    `select count(*) filter (where status = 'booked')::int as booked, count(*) filter (where status = 'waiting')::int as waiting,
            (select booked from activity_days where activity_id = $1 and day = $2) as counter
       from reservations where activity_id = $1 and day = $2`,
    [activityId, day],
  );
  return rows[0]!;
}

describe('capacity under concurrency', () => {
  it('gives the last place to exactly one of 50 families posting at once; the 49 others wait in line', { timeout: 180_000 }, async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 10 });
    // Nine places already taken.
    for (let i = 0; i < 9; i++) {
      const f = await createFamilyWithChild(t.db.pool, 'tarnos', `PRIS${i}`);
      const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
      await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId: f.childId, day: DAY, status: 'booked' });
    }
    const families: Family[] = [];
    for (let i = 0; i < 50; i++) families.push(await family(activityId, `COURSE${i}`));
    const forms = [];
    for (const f of families) forms.push({ f, b: await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [DAY]) });

    const responses = await Promise.all(forms.map(({ f, b }) => f.agent.post(b.path).type('form').send(b.fields)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(303));
    expect(await counts(activityId)).toEqual({ booked: 10, waiting: 49, counter: 10 });
    // The waiting list is an order: ranks 1 to 49, each once.
    const { rows } = await t.db.pool.query<{ n: number }>(
      `select count(distinct seq)::int as n from reservations where activity_id = $1 and day = $2 and status = 'waiting'`,
      [activityId, DAY],
    );
    expect(rows[0]!.n).toBe(49);
    const submissions = await t.db.pool.query(`select outcome from reservation_submissions where activity_id = $1`, [activityId]);
    const results = submissions.rows.map((r) => (r.outcome as { result: string }[])[0]!.result).sort();
    expect(results.filter((r) => r === 'booked')).toHaveLength(1);
    expect(results.filter((r) => r === 'waiting')).toHaveLength(49);
  });

  it('makes one reservation of a double click and of a retried form', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 5 });
    const f = await family(activityId, 'DOUBLE');
    const b = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [DAY, '2026-12-11']);
    const [first, second] = await Promise.all([
      f.agent.post(b.path).type('form').send(b.fields),
      f.agent.post(b.path).type('form').send(b.fields),
    ]);
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    const retried = await f.agent.post(b.path).type('form').send(b.fields);
    expect(retried.headers.location).toBe(first.headers.location);
    const { rows } = await t.db.pool.query(`select day from reservations where child_id = $1 order by day`, [f.childId]);
    expect(rows.map((r) => r.day)).toEqual([DAY, '2026-12-11']);
    expect((await t.db.pool.query(`select 1 from reservation_submissions where activity_id = $1`, [activityId])).rowCount).toBe(1);
    // The second response shows the existing request, not an error.
    const page = await f.agent.get(second.headers.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Votre demande de réservation');
  });

  it('gives a freed place to the first child waiting, who is told by mail', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 1 });
    const a = await family(activityId, 'PREMIER');
    const b = await family(activityId, 'SECOND');
    const c = await family(activityId, 'TROISIEME');
    await book(a, [DAY]);
    await book(b, [DAY]);
    await book(c, [DAY]);
    expect(await counts(activityId)).toEqual({ booked: 1, waiting: 2, counter: 1 });
    const waitingPage = await b.agent.get(`/tarnos/mon-espace/enfants/${b.childId}/agenda?mois=2026-12`);
    expect(page(waitingPage).row('jeudi 10 décembre').cells[0]).toBe("Liste d'attente (1re)");

    const cancelled = await book(a, [], [DAY]);
    expect(cancelled.status).toBe(303);
    expect(await counts(activityId)).toEqual({ booked: 1, waiting: 1, counter: 1 });
    const { rows } = await t.db.pool.query(`select child_id, status from reservations where activity_id = $1 and day = $2`, [
      activityId,
      DAY,
    ]);
    expect(rows.find((r) => r.child_id === b.childId)?.status).toBe('booked');
    expect(rows.find((r) => r.child_id === c.childId)?.status).toBe('waiting');
    const mail = await t.db.pool.query<{ subject: string; text_body: string }>(
      `select subject, text_body from mail_outbox where to_address = $1 and subject like 'Une place%'`,
      [b.email],
    );
    expect(mail.rows).toHaveLength(1);
    expect(mail.rows[0]!.text_body).toContain("Une place s'est libérée pour Emma : ");
    expect(
      (await t.db.pool.query(`select 1 from mail_outbox where to_address = $1 and subject like 'Une place%'`, [c.email])).rowCount,
    ).toBe(0);
    const cPage = await c.agent.get(`/tarnos/mon-espace/enfants/${c.childId}/agenda?mois=2026-12`);
    expect(page(cPage).row('jeudi 10 décembre').cells[0]).toBe("Liste d'attente (1re)");
  });

  it('never exceeds the capacity when a cancellation and new bookings race', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 2 });
    const holders = [await family(activityId, 'H1'), await family(activityId, 'H2')];
    for (const h of holders) await book(h, [DAY]);
    const newcomers: Family[] = [];
    for (let i = 0; i < 6; i++) newcomers.push(await family(activityId, `N${i}`));
    const cancel = await prepareBooking(holders[0]!.agent, 'tarnos', holders[0]!.childId, holders[0]!.enrolmentId, [], [DAY]);
    const forms = await Promise.all(newcomers.map((n) => prepareBooking(n.agent, 'tarnos', n.childId, n.enrolmentId, [DAY])));
    await Promise.all([
      holders[0]!.agent.post(cancel.path).type('form').send(cancel.fields),
      ...forms.map((b, i) => newcomers[i]!.agent.post(b.path).type('form').send(b.fields)),
    ]);
    expect(await counts(activityId)).toEqual({ booked: 2, waiting: 5, counter: 2 });
  });

  it('decides again under the lock: a place taken while the save waited puts the child on the waiting list', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 1 });
    const late = await family(activityId, 'ATTENTE');
    const form = await prepareBooking(late.agent, 'tarnos', late.childId, late.enrolmentId, [DAY]);
    const rival = await createFamilyWithChild(t.db.pool, 'tarnos', 'PLUSRAPIDE');
    const rivalEnrolment = await enrol(t.db.pool, 'tarnos', activityId, rival.childId);

    // Another transaction takes the only place and keeps the day locked (the counter's
    // trigger locks its row) while the save starts: the save reads the day free, decides
    // "booked", then waits for the lock.
    const holder = await t.db.pool.connect();
    try {
      await holder.query('begin');
      await createReservation(holder, 'tarnos', {
        activityId,
        enrolmentId: rivalEnrolment,
        childId: rival.childId,
        day: DAY,
        status: 'booked',
      });
      const saving = late.agent
        .post(form.path)
        .type('form')
        .send(form.fields)
        .then((r) => r);
      // Wait until the save is blocked on the day's lock (after its unlocked decision).
      let blocked = false;
      for (let i = 0; i < 250 && !blocked; i++) {
        const { rows } = await t.db.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
        );
        blocked = rows[0]!.n > 0;
        if (!blocked) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query('commit');
      expect(blocked).toBe(true);
      const res = await saving;
      expect(res.status).toBe(303);
    } finally {
      holder.release();
    }
    expect(await counts(activityId)).toEqual({ booked: 1, waiting: 1, counter: 1 });
    const { rows } = await t.db.pool.query<{ status: string }>(`select status from reservations where child_id = $1`, [late.childId]);
    expect(rows).toEqual([{ status: 'waiting' }]);
    const outcome = await t.db.pool.query<{ outcome: { result: string }[] }>(
      `select outcome from reservation_submissions s join enrolments e on e.id = $1 where s.activity_id = e.activity_id and s.family_id = (select family_id from children where id = $2)`,
      [late.enrolmentId, late.childId],
    );
    expect(outcome.rows[0]!.outcome.map((o) => o.result)).toEqual(['waiting']);
  });
});
