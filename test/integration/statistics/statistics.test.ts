import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import {
  createAbsenceDays,
  createActivity,
  createAgentFixture,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createQuotient,
  createRequest,
  createReservation,
  createTariff,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';

// Monday 23 November 2026, 10:00 in Paris: the days before the 23rd are past.
const NOW = '2026-11-23T09:00:00Z';

let t: TestApp;
let agent: supertest.Agent;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
  const a = await createAgentFixture(t.db.pool, 'tarnos');
  agent = t.agent();
  await signInAgent(agent, 'tarnos', a.username, a.password);
});

/** A child of a new family, enrolled in the activity. */
async function child(activityId: string, lastName: string, birthDate: string) {
  const family = await createFamily(t.db.pool, 'tarnos', { name: lastName });
  const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames: 'Enfant', lastName, birthDate });
  const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId });
  return { familyId: family.id, childId, enrolmentId };
}

/**
 * The worked example, November 2026, capacity 4, counted 2,5 hours a day for the CAF:
 * - Léa (born 10/03/2021, 5 years old), QF 800: booked 19, 20 and 26; present the 19th,
 *   absent the 20th without a justification.
 * - Hugo (born 01/06/2018, 8), QF 1 200 then 1 600 from the 19th: booked 16, 19, 20; present
 *   the 16th and 19th, absent the 20th with a justification accepted.
 * - Zoé (born 20/11/2020: 5 on the 19th, 6 on the 20th), no QF: booked the 19th and present;
 *   present the 20th without a booking (a walk-in).
 * - Tom waits for a place on the 26th.
 * Booked 7, of which 6 on past days, 4 present on them (67 %); 1 walk-in; absences 1 + 1;
 * waiting 1; 7 booked for 4 days × 4 places (44 %).
 */
async function workedExample() {
  const name = `Accueil ${Date.now()}`;
  const activityId = await createActivity(t.db.pool, 'tarnos', {
    name,
    capacity: 4,
    cafDeclared: true,
    cafUnit: 'heures',
    cafHoursPerDay: 2.5,
  });
  await createTariff(t.db.pool, 'tarnos', activityId); // brackets from 0, 1 100, 1 500, 2 000 €
  const lea = await child(activityId, 'LEA', '2021-03-10');
  const hugo = await child(activityId, 'HUGO', '2018-06-01');
  const zoe = await child(activityId, 'ZOE', '2020-11-20');
  const tom = await child(activityId, 'TOM', '2019-01-01');
  await createQuotient(t.db.pool, 'tarnos', { familyId: lea.familyId, qf: 800 });
  await createQuotient(t.db.pool, 'tarnos', { familyId: hugo.familyId, qf: 1200 });
  await createQuotient(t.db.pool, 'tarnos', { familyId: hugo.familyId, qf: 1600, effectiveFrom: '2026-11-19' });
  const book = async (c: typeof lea, day: string, status: 'booked' | 'waiting' = 'booked') =>
    createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId: c.enrolmentId, childId: c.childId, day, status });
  for (const d of ['2026-11-19', '2026-11-20', '2026-11-26']) await book(lea, d);
  for (const d of ['2026-11-16', '2026-11-19', '2026-11-20']) await book(hugo, d);
  await book(zoe, '2026-11-19');
  await book(tom, '2026-11-26', 'waiting');
  const sheet = async (c: typeof lea, day: string, present: boolean, reserved = true) =>
    createAttendance(t.db.pool, 'tarnos', { activityId, enrolmentId: c.enrolmentId, childId: c.childId, day, present, reserved });
  await sheet(lea, '2026-11-19', true);
  await sheet(lea, '2026-11-20', false);
  await sheet(hugo, '2026-11-16', true);
  await sheet(hugo, '2026-11-19', true);
  await sheet(hugo, '2026-11-20', false);
  await sheet(zoe, '2026-11-19', true);
  await sheet(zoe, '2026-11-20', true, false);
  for (const [c, justified] of [
    [lea, false],
    [hugo, true],
  ] as const) {
    const requestId = await createRequest(t.db.pool, 'tarnos', { type: 'absence', familyId: c.familyId, childId: c.childId });
    await createAbsenceDays(t.db.pool, 'tarnos', {
      requestId,
      childId: c.childId,
      days: [{ activityId, enrolmentId: c.enrolmentId, day: '2026-11-20', wasReserved: true }],
      justified,
    });
  }
  return { name, activityId };
}

describe('statistics', () => {
  it('gives bookings, attendance, absences, walk-ins, waiting list and occupancy of the worked example', async () => {
    const { name, activityId } = await workedExample();
    const res = await agent.get(`/tarnos/agents/statistiques?activite=${activityId}&mois=2026-11`);
    expect(res.status).toBe(200);
    expect(page(res).heading()).toBe('Statistiques – novembre 2026');
    expect(page(res).row(`${name} (Site test)`).cells).toEqual(['7', '4 / 6', '67 %', '1', '1', '1', '1', '44 %']);
    expect(page(res).has('svg[role="img"] title')).toBe(true);
    // The same figures over a range of days; the 26th left out: 6 booked, no waiting list.
    const range = await agent.get(`/tarnos/agents/statistiques?activite=${activityId}&du=2026-11-01&au=25%2F11%2F2026`);
    expect(page(range).heading()).toBe('Statistiques – du 01/11/2026 au 25/11/2026');
    expect(page(range).row(`${name} (Site test)`).cells).toEqual(['6', '4 / 6', '67 %', '1', '1', '1', '0', '50 %']);

    const csv = await agent.get(`/tarnos/agents/statistiques/activites.csv?activite=${activityId}&mois=2026-11`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toContain(`${name};Site test;7;4;67;1;1;1;1;44\r\n`);
  });

  it('refuses a reversed or half-typed range with a message, and shows the month instead', async () => {
    const res = await agent.get('/tarnos/agents/statistiques?du=2026-11-20&au=2026-11-01');
    expect(res.status).toBe(200);
    expect(page(res).errorSummary()).toEqual([{ field: 'du', message: 'La date de fin doit être la même que la date de début ou après' }]);
    const half = await agent.get('/tarnos/agents/statistiques?du=n%27importe&au=');
    expect(page(half).fieldError('du')).toMatch(/Saisissez les deux dates/);
    // The form as sent with a month chosen and no dates: the month, no error.
    const month = await agent.get('/tarnos/agents/statistiques?activite=&mois=2026-10&du=&au=');
    expect(page(month).heading()).toBe('Statistiques – octobre 2026');
    expect(page(month).errorSummary()).toEqual([]);
  });

  it('counts requests by type against the promise, and the accounts activated', async () => {
    // Sent on Monday 2 November, decided on Tuesday 3rd: within 48 business hours.
    const id = await createRequest(t.db.pool, 'tarnos', { type: 'contact_change', now: new Date('2026-11-02T09:00:00Z') });
    await t.db.pool.query(`update requests set status = 'accepted', decided_at = '2026-11-03T09:00:00Z' where id = $1`, [id]);
    const res = await agent.get('/tarnos/agents/statistiques?mois=2026-11');
    const row = page(res).row('Changement de coordonnées').cells;
    expect(Number(row[0])).toBeGreaterThanOrEqual(1);
    expect(Number(row[2])).toBeGreaterThanOrEqual(1);
    expect(page(res).text()).toContain('Comptes validés par les services sur la période');
    const csv = await agent.get('/tarnos/agents/statistiques/demandes.csv?mois=2026-11');
    expect(csv.text).toContain('Changement de coordonnées;');
  });

  it('neutralises formula-like activity names in the CSV', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { name: `=HYPERLINK("http://evil.test";"x") ${Date.now()}`, site: '+33' });
    const csv = await agent.get(`/tarnos/agents/statistiques/activites.csv?activite=${activityId}&mois=2026-11`);
    expect(csv.text).toMatch(/\r\n"'=HYPERLINK\(""http:\/\/evil\.test"";""x""\) \d+";'\+33;0;/);
  });

  it('never counts another town’s data, whose agents get 404', async () => {
    const { name, activityId } = await workedExample();
    const other = await createAgentFixture(t.db.pool, 'bayeux');
    const bayeux = t.agent();
    await signInAgent(bayeux, 'bayeux', other.username, other.password);
    const own = await bayeux.get('/bayeux/agents/statistiques?mois=2026-11');
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(name);
    expect((await bayeux.get('/bayeux/agents/statistiques/caf.csv?mois=2026-11')).text).not.toContain(name);
    expect((await bayeux.get(`/bayeux/agents/statistiques?activite=${activityId}`)).status).toBe(404);
    expect((await bayeux.get('/tarnos/agents/statistiques')).status).toBe(404);
    expect((await bayeux.get('/tarnos/agents/statistiques/caf?mois=2026-11')).status).toBe(404);
    expect((await bayeux.get('/tarnos/agents/statistiques/activites.csv')).status).toBe(404);
    expect((await t.agent().get('/tarnos/agents/statistiques')).status).toBe(404);
  });
});

describe('the CAF return', () => {
  it('gives the hours per QF bracket and age band of the worked example', async () => {
    const { name } = await workedExample();
    const res = await agent.get('/tarnos/agents/statistiques/caf?mois=2026-11');
    expect(res.status).toBe(200);
    expect(page(res).heading()).toBe('Déclaration CAF – novembre 2026');
    expect(page(res).texts('h2')).toContain(`${name} (Site test)`);
    const csv = await agent.get('/tarnos/agents/statistiques/caf.csv?mois=2026-11');
    expect(csv.status).toBe(200);
    const lines = csv.text
      .split('\r\n')
      .filter((l) => l.startsWith(`2026-11;${name};`))
      .map((l) => l.split(';').slice(4).join(';').replaceAll('\u00a0', ' '));
    // Tranche, moins de 6 ans, 6 ans et plus, âge inconnu, total (hours). Absences do not
    // count, Zoé's walk-in does, at 6 years old; Hugo's QF is the one of each day.
    expect(lines).toEqual([
      '0 € à 1 099 €;2,5;0;0;2,5',
      '1 100 € à 1 499 €;0;2,5;0;2,5',
      '1 500 € à 1 999 €;0;2,5;0;2,5',
      '2 000 € et plus;0;0;0;0',
      'QF inconnu;2,5;2,5;0;5',
      'Total;5;7,5;0;12,5',
    ]);
  });
});

describe('the activity form’s CAF fields', () => {
  const VALID = {
    nom: 'Accueil de loisirs',
    site: `Centre ${Date.now()}`,
    unite: 'Journée',
    du: '01/09/2026',
    au: '02/07/2027',
    jours: ['3'],
    periode: 'all',
    capacite: '',
    regle: 'commune',
    annulation: 'identique',
    confirmation: 'immediate',
  };
  async function post(path: string, body: Record<string, unknown>) {
    const form = await agent.get(path);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...body });
  }

  it('saves an activity declared to the CAF in hours, and shows it again', async () => {
    const res = await post('/tarnos/agents/activites/nouvelle', { ...VALID, caf: 'oui', cafUnite: 'heures', cafHeures: '2,5' });
    expect(res.status).toBe(303);
    const id = res.headers.location!.split('/').pop()!;
    const { rows } = await t.db.pool.query(
      `select caf_declared, caf_unit, caf_hours_per_day::float8 as hours from activities where id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ caf_declared: true, caf_unit: 'heures', hours: 2.5 });
    const edit = await agent.get(`/tarnos/agents/activites/${id}/modifier`);
    expect(page(edit).checked('caf')).toEqual(['oui']);
    expect(page(edit).fieldValue('cafHeures')).toBe('2,5');
  });

  it('refuses hours missing or not a number, keeping what was typed', async () => {
    const missing = await post('/tarnos/agents/activites/nouvelle', { ...VALID, site: 'Sans heures', caf: 'oui', cafUnite: 'heures' });
    expect(missing.status).toBe(400);
    expect(page(missing).errorSummary()).toContainEqual({
      field: 'cafHeures',
      message: 'Saisissez le nombre d’heures comptées par jour de présence pour la CAF',
    });
    const bad = await post('/tarnos/agents/activites/nouvelle', { ...VALID, site: 'Heures folles', caf: 'oui', cafHeures: '30' });
    expect(bad.status).toBe(400);
    expect(page(bad).fieldError('cafHeures')).toMatch(/entre 0,25 et 24/);
    expect(page(bad).fieldValue('cafHeures')).toBe('30');
    const unit = await post('/tarnos/agents/activites/nouvelle', { ...VALID, site: 'Unité', caf: 'oui', cafUnite: 'jours' });
    expect(page(unit).errorSummary()).toContainEqual({ field: 'cafUnite', message: 'Choisissez heures ou actes' });
  });

  it('refuses a post without its CSRF token', async () => {
    const res = await agent
      .post('/tarnos/agents/activites/nouvelle')
      .type('form')
      .send({ ...VALID, site: 'Sans jeton', caf: 'oui', cafUnite: 'actes' });
    expect(res.status).toBe(403);
    expect((await t.db.pool.query(`select 1 from activities where site = 'Sans jeton'`)).rowCount).toBe(0);
  });
});
