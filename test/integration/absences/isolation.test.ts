import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, useUpRateLimit } from '../../helpers/fixtures.js';
import { pdf } from '../../helpers/files.js';
import { createFamilyWithChild } from '../reservations/helpers.js';
import { absenceFamily, count, draftIdFrom, postStep1 } from './helpers.js';

/**
 * Every route of "Signaler une absence" answers 404 to whoever the child or the draft is not
 * of: another family of the town, another account of the same family (drafts are the
 * account's), another town's parent under their own town's prefix — and stores nothing.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const STEP1 = { periode: 'aujourdhui', qualification: 'justificatif_absence', intitule: 'Certificat' };

async function everyRoute(agent: supertest.Agent, slug: string, childId: string, draftId: string, enrolmentId: string) {
  const token = csrfFrom((await agent.get(urls.dashboard(slug))).text);
  const statuses: Record<string, number> = {};
  statuses.intro = (await agent.get(urls.absenceStart(slug, childId))).status;
  statuses.step1 = (await agent.get(urls.absenceForm(slug, childId))).status;
  statuses.step1Post = (
    await postStep1(agent, slug, childId, { ...STEP1, inscriptions: enrolmentId }, [{ content: pdf(), filename: 'j.pdf' }], token)
  ).status;
  statuses.recap = (await agent.get(urls.absenceRecap(slug, draftId))).status;
  statuses.validate = (await agent.post(urls.absenceValidate(slug, draftId)).type('form').send({ _csrf: token })).status;
  return statuses;
}

const ALL_404 = { intro: 404, step1: 404, step1Post: 404, recap: 404, validate: 404 };

describe('absences are closed to everyone but the family (and drafts to everyone but their account)', () => {
  let owner: Awaited<ReturnType<typeof absenceFamily>>;
  let draftId: string;

  beforeAll(async () => {
    owner = await absenceFamily(t, 'tarnos', 'PROPRIO');
    const res = await postStep1(owner.agent, 'tarnos', owner.childId, { ...STEP1, inscriptions: owner.enrolmentId }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    draftId = draftIdFrom(res.headers.location);
  });

  it('answers 404 to another family of the town on every route, and stores nothing', async () => {
    const stranger = await absenceFamily(t, 'tarnos', 'VOISIN');
    const drafts = await count(t.db.pool, 'absence_drafts');
    expect(await everyRoute(stranger.agent, 'tarnos', owner.childId, draftId, owner.enrolmentId)).toEqual(ALL_404);
    expect(await count(t.db.pool, 'absence_drafts')).toBe(drafts);
    expect(await count(t.db.pool, "requests where type = 'absence' and child_id = $1", [owner.childId])).toBe(0);
    // Its own child with the owner's enrolment: not one of the child's.
    const mixed = await postStep1(stranger.agent, 'tarnos', stranger.childId, { ...STEP1, inscriptions: owner.enrolmentId }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    expect(mixed.status).toBe(400);
  });

  it("answers 404 to the other parent of the same family for this parent's draft", async () => {
    const { rows } = await t.db.pool.query<{ family_id: string }>(`select family_id from children where id = $1`, [owner.childId]);
    const coParent = await createParent(t.db.pool, 'tarnos', { familyId: rows[0]!.family_id });
    const agent = t.agent();
    await signIn(agent, 'tarnos', coParent.username, coParent.password);
    const token = csrfFrom((await agent.get(urls.dashboard('tarnos'))).text);
    expect((await agent.get(urls.absenceStart('tarnos', owner.childId))).status).toBe(200);
    expect((await agent.get(urls.absenceRecap('tarnos', draftId))).status).toBe(404);
    expect((await agent.post(urls.absenceValidate('tarnos', draftId)).type('form').send({ _csrf: token })).status).toBe(404);
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(1);
  });

  it("answers 404 to another town's parent for this town's ids, and a session opens nothing in another town", async () => {
    const bayeux = await createFamilyWithChild(t.db.pool, 'bayeux', 'NORMAND');
    const parent = await createParent(t.db.pool, 'bayeux', { familyId: bayeux.familyId });
    const agent = t.agent();
    await signIn(agent, 'bayeux', parent.username, parent.password);
    expect(await everyRoute(agent, 'bayeux', owner.childId, draftId, owner.enrolmentId)).toEqual(ALL_404);
    // Under the Tarnos prefix the Bayeux session is nobody: sent to sign in, or refused.
    const token = csrfFrom((await agent.get(urls.dashboard('bayeux'))).text);
    for (const res of [
      await agent.get(urls.absenceStart('tarnos', owner.childId)),
      await agent.get(urls.absenceRecap('tarnos', draftId)),
      await agent.post(urls.absenceValidate('tarnos', draftId)).type('form').send({ _csrf: token }),
    ]) {
      expect([303, 403]).toContain(res.status);
    }
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(1);
  });

  it('answers 404 to malformed ids and to an account without a validated family file', async () => {
    expect((await owner.agent.get(urls.absenceStart('tarnos', 'pas-un-uuid'))).status).toBe(404);
    expect((await owner.agent.get(urls.absenceRecap('tarnos', 'pas-un-uuid'))).status).toBe(404);
    const token = csrfFrom((await owner.agent.get(urls.dashboard('tarnos'))).text);
    expect((await owner.agent.post(urls.absenceValidate('tarnos', '1')).type('form').send({ _csrf: token })).status).toBe(404);
    // 36 characters of the right alphabet, but no UUID: PostgreSQL would refuse it with an error.
    const lookalike = '0'.repeat(36);
    expect((await owner.agent.get(urls.absenceRecap('tarnos', lookalike))).status).toBe(404);
    expect((await owner.agent.post(urls.absenceValidate('tarnos', lookalike)).type('form').send({ _csrf: token })).status).toBe(404);
    expect((await owner.agent.get(`${urls.absenceForm('tarnos', owner.childId)}?brouillon=${'a'.repeat(36)}`)).status).toBe(200);

    const alone = await createParent(t.db.pool, 'tarnos', {});
    const agent = t.agent();
    await signIn(agent, 'tarnos', alone.username, alone.password);
    expect((await agent.get(urls.absenceStart('tarnos', owner.childId))).status).toBe(404);
    expect((await agent.get(urls.absenceRecap('tarnos', draftId))).status).toBe(404);
  });

  it('sends a visitor without a session to sign in, without reading the files', async () => {
    const visitor = t.agent();
    expect((await visitor.get(urls.absenceForm('tarnos', owner.childId))).status).toBe(303);
    const res = await visitor
      .post(urls.absenceForm('tarnos', owner.childId))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('periode', 'aujourdhui')
      .attach('fichiers', pdf(), 'j.pdf');
    expect([303, 403]).toContain(res.status);
  });
});

describe('rate limit', () => {
  it('answers 429 before reading the files once the hour is used up', async () => {
    const f = await absenceFamily(t, 'tarnos', 'PRESSE');
    const token = csrfFrom((await f.agent.get(urls.absenceForm('tarnos', f.childId))).text);
    await useUpRateLimit(t.db.pool, `requests:${f.parent.id}`, 1000, t.clock.now());
    const res = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { ...STEP1, inscriptions: f.enrolmentId },
      [{ content: pdf(), filename: 'j.pdf' }],
      token,
    );
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
