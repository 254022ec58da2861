import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { addChild, createActivity, createFamilyWithChild, enrol, gridPath } from './helpers.js';

/**
 * Issue 13: on this stack each round trip to PostgreSQL costs more of the main thread than a
 * page's own work, so the reservation pages read what they need in few statements, and never
 * one more per child. Statements are counted at the pool's clients, whoever sends them
 * (session store included); outside production the town calendar is read on every page (in
 * production it comes from a 5-second cache), so it counts here.
 */

const NOW = '2026-11-23T09:00:00Z';
const MONTH = '2027-01';

let t: TestApp;
const sent: string[] = [];
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  const wrapped = new WeakSet<pg.PoolClient>();
  t.db.pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      sent.push(String(text).replace(/\s+/g, ' ').trim());
      return query(...args);
    };
  });
});
afterAll(async () => t.close());

/**
 * The statements a request sends, apart from the session's read (which brings the signed-in
 * account with it: src/repositories/sessions.repository.ts), the session store's writes and the
 * top menu's facts (one per town and 5 seconds in production, read on every page elsewhere so a
 * test sees a change at once: src/features/navigation/town-menu.middleware.ts).
 */
async function statements<T>(request: () => Promise<T>): Promise<{ res: T; sql: string[]; all: string[] }> {
  sent.length = 0;
  const res = await request();
  const sql = sent.filter(
    (s) => !/"session"| from session s |^select id, town_id as "townId", family_id as "familyId", username| as "hasNews"/.test(s),
  );
  return { res, sql, all: [...sent] };
}

async function family(children: string[]) {
  const agent = t.agent();
  const fam = await createFamilyWithChild(t.db.pool, 'tarnos', 'TRAJET', children[0]);
  const activityId = await createActivity(t.db.pool, 'tarnos', { name: `Cantine ${Math.random()}` });
  const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, fam.childId);
  const siblings: string[] = [];
  for (const name of children.slice(1))
    siblings.push(await enrol(t.db.pool, 'tarnos', activityId, await addChild(t.db.pool, 'tarnos', fam.familyId, name)));
  const parent = await createParent(t.db.pool, 'tarnos', { familyId: fam.familyId });
  await signIn(agent, 'tarnos', parent.username, parent.password);
  return { agent, path: gridPath('tarnos', fam.childId, enrolmentId), siblings };
}

/** One save of a month: the grid, its post (ticking the brothers and sisters too), the recap and VALIDER. */
async function saveMonth(f: Awaited<ReturnType<typeof family>>) {
  const grid = await statements(() => f.agent.get(`${f.path}?mois=${MONTH}`));
  expect(grid.res.status).toBe(200);
  const days = [...grid.res.text.matchAll(/name="affiches" value="([\d-]+)"/g)].map((m) => m[1]!);
  const post = await statements(() =>
    f.agent
      .post(f.path)
      .type('form')
      .send({
        _csrf: csrfFrom(grid.res.text),
        vue: `mois:${MONTH}`,
        affiches: days,
        jours: days,
        freres: f.siblings,
        action: 'recapitulatif',
      }),
  );
  expect(post.res.status).toBe(303);
  const recap = await statements(() => f.agent.get(`${f.path}/recapitulatif`));
  expect(recap.res.status).toBe(200);
  const key = page(recap.res).one('input[name="cle"]').attr('value')!;
  const save = await statements(() =>
    f.agent
      .post(`${f.path}/valider`)
      .type('form')
      .send({ _csrf: csrfFrom(recap.res.text), cle: key }),
  );
  expect(save.res.status).toBe(303);
  expect(save.res.headers.location).toContain('/reservations/demandes/');
  return { grid: grid.sql, post: post.sql, recap: recap.sql, save: save.sql, saveAll: save.all };
}

describe('round trips of a save of a month', () => {
  it('reads the enrolment and its days in one statement on the grid, its post and the recap', async () => {
    const sql = await saveMonth(await family(['Emma']));
    // The CGU version (cached 5 s), the town calendar (cached in production) and the enrolment with its days.
    expect(sql.grid).toHaveLength(3);
    expect(sql.post).toHaveLength(2);
    for (const sent of [sql.grid, sql.post, sql.recap]) {
      const context = sent.filter((s) => s.includes('as "familyEnrolments"'));
      expect(context).toHaveLength(1);
      expect(context[0]).toContain('as days');
      // Nothing else reads the family's enrolments or the reservations as the grid shows them.
      const reservationReads = sent.filter((s) =>
        /e\.activity_id as "activityId", e\.child_id as "childId"|'enrolmentId', r\.enrolment_id/.test(s),
      );
      expect(reservationReads).toEqual(context);
    }
  });

  it('costs no statement more per brother or sister', async () => {
    const one = await saveMonth(await family(['Emma']));
    const three = await saveMonth(await family(['Emma', 'Lucas', 'Jade']));
    expect(three.post).toHaveLength(one.post.length);
    expect(three.recap).toHaveLength(one.recap.length);
    expect(three.save).toHaveLength(one.save.length);
  });

  it('records VALIDER and reads what it decides from in one statement, and locks the days once', async () => {
    const { save } = await saveMonth(await family(['Emma']));
    const inTransaction = save.slice(save.indexOf('begin'), save.indexOf('commit') + 1);
    expect(inTransaction[1]).toMatch(/^with submission as \( insert into reservation_submissions/);
    expect(inTransaction.filter((s) => /from town_closures|from activities a where/.test(s) && !s.startsWith('with submission'))).toEqual(
      [],
    );
    expect(inTransaction.filter((s) => /for update/.test(s))).toHaveLength(1);
  });

  it("writes VALIDER's request with its history line, and both its mails, in three statements, without reading the parent again", async () => {
    const { save, saveAll } = await saveMonth(await family(['Emma']));
    const inTransaction = save.slice(save.indexOf('begin'), save.indexOf('commit') + 1);
    const request = inTransaction.filter((s) => /insert into requests|insert into request_events/.test(s));
    expect(request).toHaveLength(1);
    expect(request[0]).toMatch(/insert into requests[\s\S]*insert into request_events/);
    // The acknowledgement of the request and the confirmation: one statement for both rows, one for both jobs.
    expect(inTransaction.filter((s) => /insert into mail_outbox/.test(s))).toHaveLength(1);
    expect(inTransaction.filter((s) => /^insert into pgboss\./i.test(s))).toHaveLength(1);
    // The signed-in parent is read once, with the session, not again for the request's mail.
    expect(saveAll.filter((s) => /^select id, town_id as "townId", family_id as "familyId", username/.test(s))).toEqual([]);
    // Both mails are there, each with the job that sends it.
    const { rows } = await t.db.pool.query(
      `select m.subject from mail_outbox m join pgboss.job j on j.id = m.job_id and j.data->>'mailId' = m.id::text`,
    );
    expect(rows.map((r: { subject: string }) => r.subject)).toEqual(
      expect.arrayContaining(['Votre demande est enregistrée', expect.stringMatching(/^Votre réservation est confirmée – /)]),
    );
  });
});
