import type supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';
import { serveTestApp, type ServedApp } from '../../helpers/served-app.js';
import { createActivity, createFamilyWithChild, enrol, gridPath } from '../reservations/helpers.js';

/**
 * Issue 10: a day past 9999-12-31 ("+010000-01-01") sorted before every date and sent the day
 * loops round until the process died, taking every town down; year 0000 (which PostgreSQL
 * does not have) gave 500s. The app runs in its own process here, so a hang fails the test
 * after a few seconds instead of freezing the run.
 */

const NOW = '2026-11-23T09:00:00Z';
/** Far longer than any of these pages takes, far shorter than the 20 s the loops ran for. */
const HANG = { response: 5_000, deadline: 5_000 };

let s: ServedApp;
let parent: supertest.Agent;
let admin: supertest.Agent;
let activityId: string;
let grid: string;

beforeAll(async () => {
  s = await serveTestApp({ now: NOW });
  activityId = await createActivity(s.db.pool, 'tarnos');
  const family = await createFamilyWithChild(s.db.pool, 'tarnos', 'LOINTAIN');
  const enrolmentId = await enrol(s.db.pool, 'tarnos', activityId, family.childId);
  grid = gridPath('tarnos', family.childId, enrolmentId);
  const account = await createParent(s.db.pool, 'tarnos', { familyId: family.familyId });
  parent = s.agent();
  expect((await signIn(parent, 'tarnos', account.username, account.password)).status).toBe(303);
  const a = await createAgentFixture(s.db.pool, 'tarnos', 'admin');
  admin = s.agent();
  expect((await signInAgent(admin, 'tarnos', a.username, a.password)).status).toBe(303);
});
afterAll(async () => s?.close());
// Before the fix a far date killed the process: the next case gets a live one, as a respawn would.
afterEach(async () => s.ensureAlive());

const activity = (rest = '') => `/tarnos/agents/activites/${activityId}${rest}`;

describe('a parent posting the reservation grid', () => {
  it.each(['9999-12-31', '0000-01-01', '1899-12-31', '2201-01-01'])('refuses shown day %s with the French 400 page', async (day) => {
    const page = await parent.get(`${grid}?mois=2026-12`);
    const res = await parent
      .post(grid)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), vue: 'mois:2026-12', affiches: day, action: 'enregistrer' })
      .timeout(HANG);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Demande incorrecte');
    // The process is still there for everyone.
    expect((await parent.get(`${grid}?mois=2026-12`).timeout(HANG)).status).toBe(200);
  });

  it('shows its own month when the view asked is beyond the range, like any unknown view', async () => {
    for (const mois of ['9999-12', '0000-01']) {
      const res = await parent.get(`${grid}?mois=${mois}`).timeout(HANG);
      expect(res.status).toBe(200);
      expect(res.text).toContain('décembre 2026');
    }
  });
});

describe("an agent's activity pages", () => {
  it.each(['9999-12-31', '0000-01-01', '1899-12-31', '2201-01-01'])('answers the 404 page for the attendance sheet of %s', async (day) => {
    const res = await admin.get(activity(`/jours/${day}`)).timeout(HANG);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page introuvable');
  });

  it('opens the sheets of the first and last days of the range', async () => {
    expect((await admin.get(activity('/jours/1900-01-01')).timeout(HANG)).status).toBe(200);
    const last = await admin.get(activity('/jours/2200-12-31')).timeout(HANG);
    expect(last.status).toBe(200);
    expect(last.text).toContain('2200');
  });

  it.each(['9999-12', '0000-01', '1899-12', '2201-01'])("shows the activity's own month for ?mois=%s", async (mois) => {
    const res = await admin.get(activity(`?mois=${mois}`)).timeout(HANG);
    expect(res.status).toBe(200);
    // The activity runs from September 2026: today's month is the default.
    expect(res.text).toContain('novembre 2026');
  });

  it('shows the months at both ends of the range', async () => {
    expect((await admin.get(activity('?mois=1900-01')).timeout(HANG)).text).toContain('janvier 1900');
    expect((await admin.get(activity('?mois=2200-12')).timeout(HANG)).text).toContain('décembre 2200');
  });

  it('refuses an activity ending in 9999 with a French message beside the field', async () => {
    const page = await admin.get('/tarnos/agents/activites/nouvelle');
    const res = await admin
      .post('/tarnos/agents/activites/nouvelle')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        nom: 'Centre de loisirs',
        site: '',
        unite: 'Journée',
        du: '01/09/2026',
        au: '31/12/9999',
        jours: ['3'],
        periode: 'all',
        capacite: '',
        regle: 'commune',
        annulation: 'identique',
        confirmation: 'immediate',
      })
      .timeout(HANG);
    expect(res.status).toBe(400);
    expect(res.text).toContain('La date de fin doit être entre 1900 et 2200');
  });
});

describe('an activity over the whole range', () => {
  it('is created, shown, enrolled in and booked from, each page in well under a second', async () => {
    const page = await admin.get('/tarnos/agents/activites/nouvelle');
    const created = await admin
      .post('/tarnos/agents/activites/nouvelle')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        nom: 'Accueil perpétuel',
        site: '',
        unite: 'Journée',
        du: '01/01/1900',
        au: '31/12/2200',
        jours: ['1', '2', '3', '4', '5', '6', '7'],
        periode: 'all',
        capacite: '',
        regle: 'commune',
        annulation: 'identique',
        confirmation: 'immediate',
      })
      .timeout(HANG);
    expect(created.status).toBe(303);
    const id = created.headers.location!.split('/').pop()!;
    for (const mois of ['1900-01', '2026-11', '2200-12']) {
      const started = Date.now();
      expect((await admin.get(`/tarnos/agents/activites/${id}?mois=${mois}`).timeout(HANG)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const family = await createFamilyWithChild(s.db.pool, 'tarnos', 'PERPETUEL');
    const enrolmentId = await enrol(s.db.pool, 'tarnos', id, family.childId, '1900-01-01', '2200-12-31');
    const account = await createParent(s.db.pool, 'tarnos', { familyId: family.familyId });
    const http = s.agent();
    await signIn(http, 'tarnos', account.username, account.password);
    const path = gridPath('tarnos', family.childId, enrolmentId);
    for (const url of [path, `${path}?mois=2200-12`, `${path}?semaine=2200-12-29`, `/tarnos/mon-espace/enfants/${family.childId}/agenda`]) {
      const started = Date.now();
      expect((await http.get(url).timeout(HANG)).status, url).toBe(200);
      expect(Date.now() - started, url).toBeLessThan(1_000);
    }
  });
});

describe('the audit log filtered by dates', () => {
  it.each([
    ['31/12/9999', '31/12/9999'],
    ['01/01/0000', '01/01/0000'],
  ])('says du=%s au=%s is outside the range, with a 400', async (du, au) => {
    const res = await admin.get(`/tarnos/agents/journal?du=${encodeURIComponent(du)}&au=${encodeURIComponent(au)}`).timeout(HANG);
    expect(res.status).toBe(400);
    expect(res.text).toContain('La date de début doit être entre 1900 et 2200');
    expect(res.text).toContain('La date de fin doit être entre 1900 et 2200');
  });

  it('filters on the last day of the range', async () => {
    const res = await admin.get(`/tarnos/agents/journal?du=${encodeURIComponent('31/12/2200')}&au=${encodeURIComponent('31/12/2200')}`);
    expect(res.status).toBe(200);
  });
});
