import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import {
  createActivity,
  createAgentFixture,
  createChild,
  createEnrolment,
  createFamily,
  createReservation,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { pdfUnicodeText } from '../../helpers/pdf.js';
import { updateChildDiet, type ChildDiet } from '../../../src/repositories/kitchen.repository.js';
import { deleteReservations } from '../../../src/repositories/reservations.repository.js';

// Monday 23 November 2026, 10:00 in Paris: the page opens on Tuesday the 24th.
const NOW = '2026-11-23T09:00:00Z';
const TOMORROW = '2026-11-24';

let t: TestApp;
let agent: supertest.Agent;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
  await signInAsNewAgent();
});

/** A fresh agent's session: moving the clock hours ahead ends the previous one. */
async function signInAsNewAgent() {
  const a = await createAgentFixture(t.db.pool, 'tarnos');
  agent = t.agent();
  await signInAgent(agent, 'tarnos', a.username, a.password);
}

/** Families book and cancel until the day before, 23:59. */
const DAY_BEFORE = { kind: 'days_before', days: 1, calendar: 'calendar' } as const;

const NO_DIET: ChildDiet = { noPork: false, vegetarian: false, glutenFree: false, pai: false, paiAllergens: '' };

/** A child of a new family booked on `day` at `activityId`, with the diets given. */
async function bookedChild(activityId: string, firstNames: string, lastName: string, diet: Partial<ChildDiet> = {}, day = TOMORROW) {
  const family = await createFamily(t.db.pool, 'tarnos', { name: lastName });
  const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames, lastName });
  const tarnos = await town(t.db.pool, 'tarnos');
  await updateChildDiet(t.db.pool, tarnos.id, childId, { ...NO_DIET, ...diet });
  const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId });
  await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId, day, status: 'booked' });
  return childId;
}

const siteRow = async (site: string, query = '') => {
  const res = await agent.get(`/tarnos/agents/cuisine${query}`);
  expect(res.status).toBe(200);
  return page(res)
    .rows()
    .find((r) => r.header === site)?.cells;
};

describe('the kitchen’s meal counts', () => {
  it('counts tomorrow’s booked meals per site and follows a booking and a cancellation', async () => {
    const site = `Restaurant ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, 'Léa', 'MARTIN');
    const second = await bookedChild(activityId, 'Hugo', 'MARTIN');
    // Another day's booking is not tomorrow's meal.
    await bookedChild(activityId, 'Zoé', 'AUTRE', {}, '2026-11-26');

    const res = await agent.get('/tarnos/agents/cuisine');
    expect(page(res).heading()).toBe('Repas du mardi 24 novembre 2026');
    expect(await siteRow(site)).toEqual(['Provisoires, suivent les réservations', '2', '2', '0', '0', '0', '0']);

    await bookedChild(activityId, 'Inès', 'NOUVEAU');
    expect((await siteRow(site))?.[1]).toBe('3');

    const tarnos = await town(t.db.pool, 'tarnos');
    await deleteReservations(t.db.pool, tarnos.id, activityId, [{ childId: second, day: TOMORROW }]);
    expect((await siteRow(site))?.[1]).toBe('2');
  });

  it('freezes the counts at the deadline: a later cancellation leaves them as they were', async () => {
    const site = `Restaurant gelé ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    const first = await bookedChild(activityId, 'Léa', 'GEL', { vegetarian: true });
    await bookedChild(activityId, 'Hugo', 'GEL');
    expect((await siteRow(site))?.[0]).toBe('Provisoires, suivent les réservations');

    // Tuesday 24, 00:30 in Paris: Monday's 23:59 has passed.
    t.clock.set('2026-11-23T23:30:00Z');
    await signInAsNewAgent();
    const frozen = await siteRow(site, `?jour=${TOMORROW}`);
    expect(frozen?.[0]).toMatch(/^Effectifs arrêtés le /);
    expect(frozen?.slice(1)).toEqual(['2', '1', '0', '1', '0', '0']);

    // An agent cancels late and the child's file changes: the kitchen's figures do not.
    const tarnos = await town(t.db.pool, 'tarnos');
    await deleteReservations(t.db.pool, tarnos.id, activityId, [{ childId: first, day: TOMORROW }]);
    await updateChildDiet(t.db.pool, tarnos.id, first, { ...NO_DIET, pai: true });
    expect(await siteRow(site, `?jour=${TOMORROW}`)).toEqual(frozen);
  });

  it('gives the week ahead day by day, each day’s counts as on its own page', async () => {
    const site = `Semaine ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, 'Léa', 'SEMAINE');
    await bookedChild(activityId, 'Hugo', 'SEMAINE', { vegetarian: true }, '2026-11-26');
    await bookedChild(activityId, 'Zoé', 'SEMAINE', {}, '2026-12-01');
    const res = await agent.get(`/tarnos/agents/cuisine/semaine?site=${encodeURIComponent(site)}`);
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe('Repas de la semaine du mardi 24 novembre 2026');
    const rows = p.rows('table:has(#semaine-caption)').map((r) => [r.header, ...r.cells]);
    // Seven days from tomorrow: 24 to 30 November; the 1st of December is the next week's.
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual(['mardi 24 novembre', site, 'Provisoires', '1', '1', '0', '0', '0', '0']);
    expect(rows[1]).toEqual(['mercredi 25 novembre', 'Aucun repas réservé']);
    expect(rows[2]).toEqual(['jeudi 26 novembre', site, 'Provisoires', '1', '0', '0', '1', '0', '0']);
    const next = page(await agent.get(`/tarnos/agents/cuisine/semaine?du=2026-12-01&site=${encodeURIComponent(site)}`));
    expect(next.rows('table:has(#semaine-caption)')[0]!.cells.slice(0, 2)).toEqual([site, 'Provisoires']);
  });

  it('counts each child once, a PAI child in PAI only, with its allergens listed', async () => {
    const site = `Cuisine ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, 'Paul', 'PAI', { pai: true, paiAllergens: 'arachide, kiwi', vegetarian: true, glutenFree: true });
    await bookedChild(activityId, 'Vera', 'VEGE', { vegetarian: true, noPork: true, glutenFree: true });
    await bookedChild(activityId, 'Sam', 'PORC', { noPork: true });
    await bookedChild(activityId, 'Nina', 'STANDARD');
    // The same child booked at a second meal activity of the same site eats one meal.
    const second = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    const family = await createFamily(t.db.pool, 'tarnos', { name: 'DOUBLE' });
    const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames: 'Tom', lastName: 'DOUBLE' });
    for (const a of [activityId, second]) {
      const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId: a, childId });
      await createReservation(t.db.pool, 'tarnos', { activityId: a, enrolmentId, childId, day: TOMORROW, status: 'booked' });
    }

    // Repas, Standard, Sans porc, Végétarien, Sans gluten, PAI
    expect(await siteRow(site, `?site=${encodeURIComponent(site)}`)).toEqual([
      'Provisoires, suivent les réservations',
      '5',
      '2',
      '1',
      '1',
      '1',
      '1',
    ]);
    const res = await agent.get(`/tarnos/agents/cuisine?site=${encodeURIComponent(site)}`);
    expect(page(res).text()).toContain('Paul PAI : arachide, kiwi');
  });

  it('exports the counts as a CSV whose formula-like text is neutralised', async () => {
    const site = `=HYPERLINK("http://evil.test";"x") ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, '=HYPERLINK("http://evil.test")', 'PIEGE', { pai: true, paiAllergens: '+oeuf' });
    const res = await agent.get(`/tarnos/agents/cuisine/export.csv?jour=${TOMORROW}&site=${encodeURIComponent(site)}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.text.replace('\uFEFF', '').split('\r\n');
    expect(lines[0]).toBe('Jour;Site;Effectifs;Repas;Standard;Sans porc;Végétarien;Sans gluten;PAI;Allergènes des PAI');
    expect(lines[1]).toBe(
      `${TOMORROW};"'${site.replaceAll('"', '""')}";Provisoires;1;0;0;0;0;1;"'=HYPERLINK(""http://evil.test"") PIEGE : +oeuf"`,
    );
  });

  it('gives the counts as a PDF', async () => {
    const site = `Restaurant PDF ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, 'Léa', 'PDF', { pai: true, paiAllergens: 'arachide' });
    const res = await agent.get(`/tarnos/agents/cuisine/repas.pdf?jour=${TOMORROW}&site=${encodeURIComponent(site)}`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const body = res.body as Buffer;
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfUnicodeText(body);
    expect(text).toContain('Repas du mardi 24 novembre 2026');
    expect(text).toContain(site);
    expect(text).toContain('Léa PDF : arachide');
  });

  it('shows a town’s counts to its own agents only', async () => {
    const site = `Tarnos seul ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    await bookedChild(activityId, 'Léo', 'LOCAL');
    const other = await createAgentFixture(t.db.pool, 'bayeux');
    const bayeux = t.agent();
    await signInAgent(bayeux, 'bayeux', other.username, other.password);
    const own = await bayeux.get('/bayeux/agents/cuisine');
    expect(own.status).toBe(200);
    expect(
      page(own)
        .rows()
        .map((r) => r.header),
    ).not.toContain(site);
    expect((await bayeux.get('/tarnos/agents/cuisine')).status).toBe(404);
    expect((await bayeux.get('/tarnos/agents/cuisine/export.csv')).status).toBe(404);
    expect((await bayeux.get('/tarnos/agents/cuisine/semaine')).status).toBe(404);
    expect((await t.agent().get('/tarnos/agents/cuisine')).status).toBe(404);
  });
});
