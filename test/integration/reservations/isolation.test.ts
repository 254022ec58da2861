import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent } from '../../helpers/fixtures.js';
import { createActivity, createFamilyWithChild, enrol, prepareBooking } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

/** Every parent route of the feature, with what a browser would post to it. */
function routes(childId: string, enrolmentId: string, submissionId: string) {
  const base = `/mon-espace/enfants/${childId}`;
  const grid = `${base}/reservations/${enrolmentId}`;
  const periodicity = { jours: ['1'], du: '01/12/2026', au: '18/12/2026', action: 'reserver' };
  return [
    { method: 'get', path: `${base}/agenda` },
    { method: 'get', path: `${base}/reservations` },
    { method: 'get', path: grid },
    { method: 'post', path: grid, body: { affiches: ['2026-12-08'], jours: ['2026-12-08'], action: 'enregistrer' } },
    { method: 'get', path: `${grid}/periodicite` },
    { method: 'post', path: `${grid}/periodicite`, body: periodicity },
    { method: 'post', path: `${grid}/periodicite/confirmer`, body: periodicity },
    { method: 'get', path: `${grid}/recapitulatif` },
    { method: 'post', path: `${grid}/valider`, body: { cle: 'k'.repeat(24) } },
    { method: 'post', path: `${grid}/abandonner`, body: {} },
    { method: 'get', path: `/mon-espace/reservations/demandes/${submissionId}` },
  ] as const;
}

async function call(agent: supertest.Agent, slug: string, r: ReturnType<typeof routes>[number], csrf: string) {
  const url = `/${slug}${r.path}`;
  return r.method === 'get'
    ? agent.get(url)
    : agent
        .post(url)
        .type('form')
        .send({ _csrf: csrf, ...('body' in r ? r.body : {}) });
}

describe('reservations are closed to everyone but the family', () => {
  let owner: { childId: string; enrolmentId: string; submissionId: string };
  let strangerAgent: supertest.Agent;

  beforeAll(async () => {
    // The owner's family, with a validated request.
    const fam = await createFamilyWithChild(t.db.pool, 'tarnos', 'PROPRIO');
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 10 });
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, fam.childId);
    const parent = await createParent(t.db.pool, 'tarnos', { familyId: fam.familyId });
    const agent = t.agent();
    await signIn(agent, 'tarnos', parent.username, parent.password);
    const b = await prepareBooking(agent, 'tarnos', fam.childId, enrolmentId, ['2026-12-08']);
    const res = await agent.post(b.path).type('form').send(b.fields);
    owner = { childId: fam.childId, enrolmentId, submissionId: res.headers.location!.split('/').pop()! };
    for (const r of routes(owner.childId, owner.enrolmentId, owner.submissionId)) {
      const check = await call(agent, 'tarnos', r, csrfFrom((await agent.get('/tarnos/mon-espace')).text));
      expect([200, 303], `${r.method} ${r.path}`).toContain(check.status);
    }
    // Another family of the same town, signed in.
    const other = await createFamilyWithChild(t.db.pool, 'tarnos', 'VOISIN');
    const strangerParent = await createParent(t.db.pool, 'tarnos', { familyId: other.familyId });
    strangerAgent = t.agent();
    await signIn(strangerAgent, 'tarnos', strangerParent.username, strangerParent.password);
  });

  it('answers 404 to another family, for every route and verb, and changes nothing', async () => {
    const csrf = csrfFrom((await strangerAgent.get('/tarnos/mon-espace')).text);
    for (const r of routes(owner.childId, owner.enrolmentId, owner.submissionId)) {
      const res = await call(strangerAgent, 'tarnos', r, csrf);
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(res.text).not.toMatch(/PROPRIO|Emma/);
    }
    const { rows } = await t.db.pool.query(`select day from reservations where child_id = $1`, [owner.childId]);
    expect(rows.map((r) => r.day)).toEqual(['2026-12-08']);
  });

  it("answers 404 to the family's own child with another family's enrolment, and to malformed ids", async () => {
    const other = await createFamilyWithChild(t.db.pool, 'tarnos', 'MIXTE');
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const ownEnrolment = await enrol(t.db.pool, 'tarnos', activityId, other.childId);
    const parent = await createParent(t.db.pool, 'tarnos', { familyId: other.familyId });
    const agent = t.agent();
    await signIn(agent, 'tarnos', parent.username, parent.password);
    const csrf = csrfFrom((await agent.get('/tarnos/mon-espace')).text);
    for (const r of routes(other.childId, owner.enrolmentId, owner.submissionId).slice(2, 10)) {
      expect((await call(agent, 'tarnos', r, csrf)).status, `${r.method} ${r.path}`).toBe(404);
    }
    for (const r of routes('pas-un-uuid', 'nimporte', '1'))
      expect((await call(agent, 'tarnos', r, csrf)).status, `${r.method} ${r.path}`).toBe(404);
    expect((await agent.get(`/tarnos/mon-espace/enfants/${other.childId}/reservations/${ownEnrolment}`)).status).toBe(200);
  });

  it("answers 404 to another town's parent for this town's objects, and a session opens nothing in another town", async () => {
    const bayeux = await createFamilyWithChild(t.db.pool, 'bayeux', 'NORMAND');
    const parent = await createParent(t.db.pool, 'bayeux', { familyId: bayeux.familyId });
    const agent = t.agent();
    await signIn(agent, 'bayeux', parent.username, parent.password);
    const csrf = csrfFrom((await agent.get('/bayeux/mon-espace')).text);
    // Tarnos ids under the Bayeux prefix: unknown there.
    for (const r of routes(owner.childId, owner.enrolmentId, owner.submissionId)) {
      expect((await call(agent, 'bayeux', r, csrf)).status, `${r.method} ${r.path}`).toBe(404);
    }
    // Under the Tarnos prefix the Bayeux session is nobody: sent to sign in, or refused.
    for (const r of routes(owner.childId, owner.enrolmentId, owner.submissionId)) {
      const res = await call(agent, 'tarnos', r, csrf);
      expect([303, 403], `${r.method} ${r.path}`).toContain(res.status);
      if (res.status === 303) expect(['/tarnos/', '/tarnos/session/expiree']).toContain(res.headers.location);
    }
  });

  it('answers 404 to an account not yet validated or without a family file, and sends visitors to sign in', async () => {
    const fam = await createFamilyWithChild(t.db.pool, 'tarnos', 'ATTENTE');
    const awaiting = await createParent(t.db.pool, 'tarnos', {
      familyId: fam.familyId,
      validationStatus: 'awaiting_services',
      validatedAt: null,
    });
    const agent = t.agent();
    await signIn(agent, 'tarnos', awaiting.username, awaiting.password);
    expect((await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}/agenda`)).status).toBe(404);
    const lonely = await createParent(t.db.pool, 'tarnos');
    const agent2 = t.agent();
    await signIn(agent2, 'tarnos', lonely.username, lonely.password);
    expect((await agent2.get(`/tarnos/mon-espace/enfants/${fam.childId}/agenda`)).status).toBe(404);
    const anonymous = await t.agent().get(`/tarnos/mon-espace/enfants/${fam.childId}/agenda`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/tarnos/');
  });
});
