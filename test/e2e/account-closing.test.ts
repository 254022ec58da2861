import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import {
  clickAndLoad,
  expectAccessiblePage,
  heading,
  launchBrowser,
  navigate,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import {
  createActivity,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createReservation,
  LONG_NAME,
  longEmail,
} from '../helpers/fixtures.js';

/**
 * Issue 17 in Chromium, one context: a parent opens "Agenda sur mon téléphone" from a child's
 * agenda, creates the private address and fetches the .ics, then closes the account from
 * Mon compte. Each page checked by axe on a desktop and at 320 px.
 */
let server: E2eServer;
let browser: Browser;
const clock = new FixedClock('2026-11-23T09:00:00Z');

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, who: { username: string; password: string }) {
  expect(await navigate(page, () => page.goto('/tarnos/'))).toBe(200);
  await page.getByLabel('Identifiant').fill(who.username);
  await page.getByLabel('Mot de passe').fill(who.password);
  await clickAndLoad(page, page.getByRole('button', { name: 'Connexion', exact: true }));
}

describe('calendar feed and closing one’s account in Chromium', { timeout: 120_000 }, () => {
  it('a parent subscribes to the agenda, then closes the account', async () => {
    const db = server.db.pool;
    const activityId = await createActivity(db, 'tarnos', { name: 'Restauration scolaire', site: 'École de la clôture' });
    const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName });
    const parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
    const childId = await createChild(db, 'tarnos', family.id, { firstNames: 'Jeanne', lastName: LONG_NAME.lastName });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day: '2026-12-08', status: 'booked' });

    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await signIn(page, parent);
      await page.waitForURL('**/tarnos/mon-espace');
      await page.goto(`/tarnos/mon-espace/enfants/${childId}/agenda`);
      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Voir cet agenda dans le calendrier de mon téléphone' }))).toBe(200);
      expect(await heading(page)).toBe('Agenda sur mon téléphone');
      await expectAccessiblePage(page, 'the calendar page');

      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Créer mon adresse privée' }))).toBe(200);
      const address = await page.getByLabel('Adresse du calendrier').inputValue();
      expect(address).toMatch(/\/tarnos\/agenda\/[A-Za-z0-9_-]{43}\.ics$/);
      await expectAccessiblePage(page, 'the calendar page with its address');
      const ics = await context.request.get(new URL(address).pathname);
      expect(ics.status()).toBe(200);
      expect(await ics.text()).toContain('DTSTART;VALUE=DATE:20261208');

      await page.goto('/tarnos/mon-espace/compte');
      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Clôturer mon compte' }))).toBe(200);
      expect(await heading(page)).toBe('Clôturer mon compte');
      await expectAccessiblePage(page, 'the closing page');
      await page.getByLabel('Votre mot de passe').fill(parent.password);
      await page.getByRole('checkbox', { name: "J'ai compris que la clôture de mon compte est définitive" }).check();
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Clôturer mon compte' }))).toBe(200);
      expect(await heading(page)).toBe('Compte clôturé');
      await expectAccessiblePage(page, 'the confirmation');
      expect((await context.request.get(new URL(address).pathname)).status()).toBe(404);
    } finally {
      await context.close();
    }
  });
});
