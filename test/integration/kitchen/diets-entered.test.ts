import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createActivity, createEnrolment, createReservation } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, signedInAgent, signedInFamily } from '../requests/helpers.js';

// Monday 23 November 2026, 10:00 in Paris: the kitchen's page opens on Tuesday the 24th.
const NOW = '2026-11-23T09:00:00Z';
const TOMORROW = '2026-11-24';
const DAY_BEFORE = { kind: 'days_before', days: 1, calendar: 'calendar' } as const;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

describe('diets entered in the dossier reach the kitchen', () => {
  it('counts a child the parent marked vegetarian and gluten-free, and one the agent gave a PAI', async () => {
    const site = `Restaurant saisi ${Date.now()}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, bookingRule: DAY_BEFORE, cancellationRule: DAY_BEFORE });
    const parent = t.agent();
    const fam = await signedInFamily(t.db.pool, parent, 'tarnos', 'SAISIE', 'Lina');
    const other = await signedInFamily(t.db.pool, t.agent(), 'tarnos', 'PANIER', 'Malo');
    for (const childId of [fam.childId, other.childId]) {
      const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId });
      await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId, day: TOMORROW, status: 'booked' });
    }

    const dossier = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    const saved = await postForm(parent, dossier, dossier, {
      ecole: 'École du Centre',
      classe: 'CP',
      droitImage: 'non',
      partSeul: 'non',
      regimeVegetarien: 'oui',
      regimeSansGluten: 'oui',
    });
    expect(saved.status).toBe(303);

    const agent = t.agent();
    await signedInAgent(t.db.pool, agent, 'tarnos');
    const childForm = `/tarnos/agents/familles/${other.familyId}/enfants/${other.childId}`;
    const edited = await postForm(agent, childForm, childForm, {
      prenoms: 'Malo',
      nom: 'PANIER',
      dateNaissanceJour: '4',
      dateNaissanceMois: '5',
      dateNaissanceAnnee: '2018',
      autorisationPhoto: 'non',
      sortieSeul: 'non',
      pai: 'oui',
      paiAllergenes: 'Sésame',
    });
    expect(edited.status).toBe(303);

    const res = await agent.get(`/tarnos/agents/cuisine?site=${encodeURIComponent(site)}`);
    expect(res.status).toBe(200);
    // Effectifs, Repas, Standard, Sans porc, Végétarien, Sans gluten, PAI
    expect(
      page(res)
        .rows()
        .find((r) => r.header === site)?.cells,
    ).toEqual(['Provisoires, suivent les réservations', '2', '0', '0', '1', '1', '1']);
    expect(page(res).text()).toContain('Malo PANIER : Sésame');
  });
});
