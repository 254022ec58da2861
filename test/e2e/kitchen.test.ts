import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { updateChildDiet } from '../../src/repositories/kitchen.repository.js';
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
  createChild,
  createEnrolment,
  createFamily,
  createReservation,
  town,
} from '../helpers/fixtures.js';

/**
 * Issue 19 (the kitchen) in Chromium: an agent opens tomorrow's meal counts from the menu,
 * chooses a site and looks at the page as it prints. Every page is checked with axe.
 */

// Monday 23 November 2026, 10:00 in Paris.
const clock = new FixedClock('2026-11-23T09:00:00Z');
const SITE = '1-Restaurant Félix Concaret';
let server: E2eServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const rule = { kind: 'days_before', days: 1, calendar: 'calendar' };
  const activityId = await createActivity(db, 'tarnos', {
    name: 'Restauration scolaire',
    site: SITE,
    bookingRule: rule,
    cancellationRule: rule,
  });
  const tarnos = await town(db, 'tarnos');
  for (const [firstNames, pai] of [
    ['Léa', true],
    ['Hugo', false],
  ] as const) {
    const family = await createFamily(db, 'tarnos', { name: 'CANTINE' });
    const childId = await createChild(db, 'tarnos', family.id, { firstNames, lastName: 'CANTINE' });
    await updateChildDiet(db, tarnos.id, childId, {
      noPork: !pai,
      vegetarian: false,
      glutenFree: false,
      pai,
      paiAllergens: pai ? 'arachide' : '',
    });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day: '2026-11-24', status: 'booked' });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the kitchen in Chromium', { timeout: 120_000 }, () => {
  it('opens tomorrow’s meal counts of a site and its printable view', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(server.db.pool, 'tarnos');
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');

      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Cuisine' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Repas du mardi 24 novembre 2026');
      await checkPage(page, 'kitchen counts');

      await page.getByLabel('Site', { exact: true }).selectOption(SITE);
      await clickAndLoad(page, page.getByRole('button', { name: 'Afficher' }));
      const row = page.getByRole('row', { name: new RegExp(SITE) });
      expect(await row.getByRole('cell').allTextContents()).toEqual([
        'Provisoires, suivent les réservations',
        '2',
        '0',
        '1',
        '0',
        '0',
        '1',
      ]);
      expect(await page.getByText('Léa CANTINE : arachide').count()).toBe(1);
      await checkPage(page, 'kitchen counts of one site');

      // On paper: the menu and the links go, the figures stay.
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByRole('navigation', { name: 'Espace agents' }).isVisible()).toBe(false);
      expect(await page.getByRole('link', { name: 'Télécharger pour imprimer (PDF)' }).isVisible()).toBe(false);
      expect(await row.isVisible()).toBe(true);
      await checkPage(page, 'kitchen counts, printed');

      // The week ahead, for the orders.
      await page.emulateMedia({ media: 'screen' });
      await clickAndLoad(page, page.getByRole('link', { name: 'La semaine à partir de ce jour' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Repas de la semaine du mardi 24 novembre 2026');
      expect(
        await page
          .getByRole('row', { name: /mardi 24 novembre/ })
          .getByRole('cell')
          .first()
          .textContent(),
      ).toBe(SITE);
      await checkPage(page, 'kitchen week');
    } finally {
      await context.close();
    }
  });
});
