import { Writable } from 'node:stream';
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createSessionStore } from '../../../src/middleware/session.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createActivity, createEnrolment, createParent, createReservation } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { sendOutboxMail, type Delivery } from '../../../src/jobs/mail-worker.js';
import { addChild, createFamilyWithChild, prepareBooking } from '../reservations/helpers.js';

let n = 0;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const feedPage = (slug: string, childId: string) => `/${slug}/mon-espace/enfants/${childId}/agenda/calendrier`;

/** A family with two children, each with a reservation, and its parent signed in. */
async function family(slug = 'tarnos') {
  const fam = await createFamilyWithChild(t.db.pool, slug, 'AGENDA', 'Léa');
  const otherChild = await addChild(t.db.pool, slug, fam.familyId, 'Hugo');
  n += 1;
  const activityId = await createActivity(t.db.pool, slug, { name: 'Cantine, midi; école', site: `Site ${n}` });
  const pendingId = await createActivity(t.db.pool, slug, { name: 'ALSH', site: `Site ${n}`, confirmation: 'agent' });
  const e1 = await createEnrolment(t.db.pool, slug, { activityId, childId: fam.childId });
  const e2 = await createEnrolment(t.db.pool, slug, { activityId, childId: otherChild });
  const e3 = await createEnrolment(t.db.pool, slug, { activityId: pendingId, childId: fam.childId });
  await createReservation(t.db.pool, slug, { activityId, enrolmentId: e1, childId: fam.childId, day: '2026-12-08', status: 'booked' });
  await createReservation(t.db.pool, slug, { activityId, enrolmentId: e2, childId: otherChild, day: '2026-12-10', status: 'booked' });
  await createReservation(t.db.pool, slug, {
    activityId: pendingId,
    enrolmentId: e3,
    childId: fam.childId,
    day: '2026-12-09',
    status: 'booked',
    confirmed: false,
  });
  // Out of the feed's window (more than three months ahead).
  await createReservation(t.db.pool, slug, { activityId, enrolmentId: e1, childId: fam.childId, day: '2027-04-08', status: 'booked' });
  const parent = await createParent(t.db.pool, slug, { familyId: fam.familyId });
  const agent = t.agent();
  await signIn(agent, slug, parent.username, parent.password);
  return { ...fam, otherChild, parent, agent };
}

async function post(agent: supertest.Agent, path: string, action: string) {
  const res = await agent.get(path);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(res.text) });
}

/** Creates (or renews) the address and returns the path of the feed, read from the page. */
async function createFeed(agent: supertest.Agent, slug: string, childId: string): Promise<string> {
  const res = await post(agent, feedPage(slug, childId), `${feedPage(slug, childId)}/creer`);
  expect(res.status).toBe(303);
  const shown = page((await agent.get(feedPage(slug, childId))).text);
  const address = shown.fieldValue('adresse-https');
  expect(address).toMatch(/^http:\/\/portail\.test\/tarnos\/agenda\/[A-Za-z0-9_-]{43}\.ics$/);
  expect(shown.fieldValue('adresse-webcal')).toBe(address.replace('http:', 'webcal:'));
  return new URL(address).pathname;
}

describe('calendar feed of a child', () => {
  it('creates an address, serves the child’s reservations only, without a cookie', async () => {
    const f = await family();
    const agenda = page((await f.agent.get(`/tarnos/mon-espace/enfants/${f.childId}/agenda`)).text);
    expect(agenda.links().map((l) => l.href)).toContain(feedPage('tarnos', f.childId));

    const path = await createFeed(f.agent, 'tarnos', f.childId);
    // The address is shown once: a reload shows the address is in service, not the address.
    const again = page((await f.agent.get(feedPage('tarnos', f.childId))).text);
    expect(again.has('#adresse-https')).toBe(false);
    expect(again.texts('h2')).toContain('Adresse en service');

    const res = await supertest(t.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    const lines = res.text.replace(/\r\n /g, '').split('\r\n');
    expect(lines.filter((l) => l.startsWith('DTSTART'))).toEqual(['DTSTART;VALUE=DATE:20261208', 'DTSTART;VALUE=DATE:20261209']);
    expect(lines).toContain('SUMMARY:Cantine\\, midi\\; école – Léa');
    expect(lines).toContain('SUMMARY:ALSH – Léa (en attente de confirmation)');
    expect(lines).toContain('STATUS:TENTATIVE');
    // Hugo's day is not in Léa's feed.
    expect(lines).not.toContain('DTSTART;VALUE=DATE:20261210');
    // The UIDs do not change from one fetch to the next.
    const uids = lines.filter((l) => l.startsWith('UID:'));
    const second = (await supertest(t.app).get(path)).text.replace(/\r\n /g, '').split('\r\n');
    expect(second.filter((l) => l.startsWith('UID:'))).toEqual(uids);
  });

  it('renewing stops the old address; revoking stops the new one', async () => {
    const f = await family();
    const first = await createFeed(f.agent, 'tarnos', f.childId);
    const second = await createFeed(f.agent, 'tarnos', f.childId);
    expect(second).not.toBe(first);
    expect((await supertest(t.app).get(first)).status).toBe(404);
    expect((await supertest(t.app).get(second)).status).toBe(200);

    const res = await post(f.agent, feedPage('tarnos', f.childId), `${feedPage('tarnos', f.childId)}/supprimer`);
    expect(res.status).toBe(303);
    expect((await supertest(t.app).get(second)).status).toBe(404);
    const after = page((await f.agent.get(feedPage('tarnos', f.childId))).text);
    expect(after.text()).toContain('Créer mon adresse privée');
  });

  it('answers 404 to an unknown token and to a token under another town', async () => {
    const f = await family();
    const path = await createFeed(f.agent, 'tarnos', f.childId);
    const unknown = await supertest(t.app).get(`/tarnos/agenda/${'A'.repeat(43)}.ics`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    expect((await supertest(t.app).get(path.replace('/tarnos/', '/bayeux/'))).status).toBe(404);
    expect((await supertest(t.app).get(path.replace('/tarnos/', '/nulle-part/'))).status).toBe(404);
  });

  it('limits the fetches of one token', async () => {
    const f = await family();
    const path = await createFeed(f.agent, 'tarnos', f.childId);
    for (let i = 0; i < 60; i++) expect((await supertest(t.app).get(path)).status).toBe(200);
    expect((await supertest(t.app).get(path)).status).toBe(429);
  });

  it('limits an address’s guesses, not the valid fetches a calendar service makes for many families from one address', async () => {
    const f = await family();
    const path = await createFeed(f.agent, 'tarnos', f.childId);
    let guesses = 0;
    let last = 404;
    while (last === 404 && guesses < 130) {
      last = (await supertest(t.app).get(`/tarnos/agenda/${String(guesses).padStart(43, 'G')}.ics`)).status;
      guesses++;
    }
    expect(last).toBe(429);
    expect(guesses).toBeLessThanOrEqual(121);
    expect((await supertest(t.app).get(path)).status).toBe(200);
  });

  it('creates one address when “Créer mon adresse privée” is clicked several times at once', async () => {
    const f = await family();
    const form = await f.agent.get(feedPage('tarnos', f.childId));
    const statuses = await Promise.all(
      [1, 2, 3].map(
        async () =>
          (
            await f.agent
              .post(`${feedPage('tarnos', f.childId)}/creer`)
              .type('form')
              .send({ _csrf: csrfFrom(form.text) })
          ).status,
      ),
    );
    expect(statuses).toEqual([303, 303, 303]);
    const { rows } = await t.db.pool.query(`select count(*)::int as n from calendar_feeds where child_id = $1 and revoked_at is null`, [
      f.childId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a form without its CSRF token, and another family’s child', async () => {
    const f = await family();
    for (const action of ['creer', 'supprimer']) {
      const res = await f.agent
        .post(`${feedPage('tarnos', f.childId)}/${action}`)
        .type('form')
        .send({});
      expect(res.status).toBe(403);
    }
    expect(await t.db.pool.query('select 1 from calendar_feeds where child_id = $1', [f.childId]).then((r) => r.rowCount)).toBe(0);

    const stranger = await family();
    expect((await stranger.agent.get(feedPage('tarnos', f.childId))).status).toBe(404);
    const res = await post(stranger.agent, feedPage('tarnos', stranger.childId), `${feedPage('tarnos', f.childId)}/creer`);
    expect(res.status).toBe(404);
    // A visitor gets nothing either.
    expect((await supertest(t.app).get(feedPage('tarnos', f.childId))).status).not.toBe(200);
  });

  it('never writes the token to the logs', async () => {
    const f = await family();
    const path = await createFeed(f.agent, 'tarnos', f.childId);
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    // Debug: the error handler's line for a refused request carries the URL too.
    const logger = createLogger('debug', sink);
    const app = createApp({
      config: t.config,
      pool: t.db.pool,
      logger,
      clock: t.clock,
      sessionStore: createSessionStore(t.db.pool, logger),
    });
    expect((await supertest(app).get(path)).status).toBe(200);
    const unknown = 'B'.repeat(43);
    expect((await supertest(app).get(`/tarnos/agenda/${unknown}.ics`)).status).toBe(404);
    const token = path.split('/').at(-1)!.replace('.ics', '');
    const all = logged.join('');
    expect(all).toContain('/tarnos/agenda/[redacted].ics');
    expect(all).not.toContain(token);
    expect(all).not.toContain(unknown);
  });

  it('attaches the booked days as an .ics to the confirmation mail', async () => {
    const f = await family();
    n += 1;
    const activityId = await createActivity(t.db.pool, 'tarnos', { name: 'Restaurant scolaire', site: `Cantine ${n}` });
    const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId: f.childId });
    const b = await prepareBooking(f.agent, 'tarnos', f.childId, enrolmentId, ['2026-12-14', '2026-12-15']);
    expect((await f.agent.post(b.path).type('form').send(b.fields)).status).toBe(303);
    const { rows } = await t.db.pool.query<{ id: string; attachments: { filename: string; contentType: string; content: string }[] }>(
      `select id, attachments from mail_outbox where to_address = $1 and subject like 'Votre réservation est confirmée%'`,
      [f.parent.email],
    );
    expect(rows).toHaveLength(1);
    const [ics] = rows[0]!.attachments;
    expect(ics?.filename).toBe('reservations.ics');
    expect(ics?.contentType).toBe('text/calendar; charset=utf-8; method=PUBLISH');
    const lines = ics!.content.replace(/\r\n /g, '').split('\r\n');
    expect(lines).toContain('METHOD:PUBLISH');
    expect(lines.filter((l) => l.startsWith('DTSTART'))).toEqual(['DTSTART;VALUE=DATE:20261214', 'DTSTART;VALUE=DATE:20261215']);
    expect(lines).toContain('SUMMARY:Restaurant scolaire – Léa');
    // The same UID as in the feed: a phone with both shows the day once.
    expect(lines).toContain(`UID:${activityId}-${f.childId}-2026-12-14@tarnos.espace-famille`);

    // The development mailbox shows it.
    const dev = page((await supertest(t.app).get(`/_dev/mail/${rows[0]!.id}`)).text);
    expect(dev.texts('h3')).toEqual(['reservations.ics (text/calendar; charset=utf-8; method=PUBLISH)']);

    // The job hands the attachment to the SMTP transport.
    const sent: Parameters<Delivery['send']>[0][] = [];
    const delivery: Delivery = { name: 'local', send: async (m) => void sent.push(m), close: () => undefined };
    const logger = createLogger('silent');
    await sendOutboxMail({ pool: t.db.pool, clock: t.clock, logger, delivery, config: { mailFrom: 'x@example.test' } }, rows[0]!.id, {
      retryCount: 0,
      retryLimit: 3,
    });
    expect(sent[0]?.attachments?.map((a) => a.filename)).toEqual(['reservations.ics']);
  });
});
