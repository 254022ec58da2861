import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import {
  AGENT_PASSWORD,
  createActivity,
  createAgentFixture,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createReservation,
} from '../helpers/fixtures.js';

/**
 * Issue 19 (figures) in Chromium: an agent opens the statistics from the menu, then the
 * CAF's monthly return. Every page is checked with axe.
 */

// Monday 23 November 2026, 10:00 in Paris.
const clock = new FixedClock('2026-11-23T09:00:00Z');
let server: E2eServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const activityId = await createActivity(db, 'tarnos', {
    name: 'Accueil périscolaire',
    capacity: 10,
    cafDeclared: true,
    cafUnit: 'heures',
    cafHoursPerDay: 2,
  });
  for (const [firstNames, birthDate] of [
    ['Léa', '2021-03-10'],
    ['Hugo', '2018-06-01'],
  ] as const) {
    const family = await createFamily(db, 'tarnos', { name: 'STATS' });
    const childId = await createChild(db, 'tarnos', family.id, { firstNames, lastName: 'STATS', birthDate });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day: '2026-11-19', status: 'booked' });
    await createAttendance(db, 'tarnos', { activityId, enrolmentId, childId, day: '2026-11-19', present: true, reserved: true });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('statistics in Chromium', { timeout: 120_000 }, () => {
  it('opens the month’s statistics and the CAF return', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(server.db.pool, 'tarnos');
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');

      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Statistiques' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Statistiques – novembre 2026');
      const row = page.getByRole('row', { name: /Accueil périscolaire/ });
      expect((await row.getByRole('cell').allTextContents()).slice(0, 3)).toEqual(['2', '2 / 2', '100 %']);
      expect(await page.getByRole('img', { name: 'Réservations par activité' }).count()).toBe(1);
      await checkPage(page, 'statistics');

      await clickAndLoad(page, page.getByRole('link', { name: 'Déclaration mensuelle à la CAF' }));
      // The return opens on the previous month; November is one click ahead.
      await clickAndLoad(page, page.getByRole('link', { name: 'Mois suivant' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Déclaration CAF – novembre 2026');
      const table = page.getByRole('table', { name: /^Accueil périscolaire/ });
      const total = table.getByRole('row', { name: /^Total/ });
      expect(await total.getByRole('cell').allTextContents()).toEqual(['2', '2', '0', '4']);
      await checkPage(page, 'CAF return');
    } finally {
      await context.close();
    }
  });
});
