import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { formatEuros } from '../../src/lib/format.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { pdf } from '../helpers/files.js';
import { createActivity, createFamily, createParent, createQuotient, createTariff, LONG_NAME, longEmail } from '../helpers/fixtures.js';

/**
 * Issue 14, the parents' side of tariffs, in Chromium, in one browser context: a visitor
 * simulates the tariffs for a QF (and mistypes one); the parent signs in and declares a new
 * QF with its attestation. Every page is checked with axe on a desktop and at 320 px. The
 * signed-in simulation and the recap's price are billing-journey.test.ts's, which follows
 * that price to the invoice.
 */

const clock = new FixedClock('2026-10-12T08:00:00Z');
let server: E2eServer;
let browser: Browser;
let activityId: string;
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  // A family and an activity of their own, so the demo data's tariffs and QF cannot change the amounts.
  activityId = await createActivity(db, 'tarnos', { name: 'Cantine des Pins', site: 'École des Pins' });
  // Talloires' brackets: QF 1 200 € → 3,80 € a meal.
  await createTariff(db, 'tarnos', activityId);
  const family = await createFamily(db, 'tarnos', { name: 'PINS', postalCode: '40220' });
  await createQuotient(db, 'tarnos', { familyId: family.id, qf: 1200 });
  parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('tariffs and the QF in Chromium', { timeout: 240_000 }, () => {
  it('simulates for a typed QF, refuses an unreadable one, and takes a declared QF', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    const panel = page.locator(`section[aria-labelledby="act-${activityId}"]`);
    try {
      // A visitor: the public simulation, from the town's footer.
      await page.goto('/tarnos/');
      await clickAndLoad(page, page.getByRole('contentinfo').getByRole('link', { name: 'Simulation des tarifs' }));
      await page.getByLabel('Votre quotient familial (en euros)').fill('1200');
      await clickAndLoad(page, page.getByRole('button', { name: 'Simuler' }));
      expect(await panel.textContent()).toContain(formatEuros(380));
      expect(await panel.textContent()).toContain(formatEuros(6080));
      await checkPage(page, 'public simulation');

      await page.getByLabel('Votre quotient familial (en euros)').fill('douze cents');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Simuler' }))).toBe(400);
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'public simulation with an error');

      // The parent, signed in: a new QF with its attestation.
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');
      await page.goto(urls.quotientDeclaration('tarnos'));
      await checkPage(page, 'QF declaration');
      await page.getByLabel('Quotient familial (en euros)').fill('980');
      await page.getByLabel("Date d'effet").fill('01/11/2026');
      await page
        .getByLabel('Ajouter un fichier')
        .setInputFiles({ name: 'attestation-caf.pdf', mimeType: 'application/pdf', buffer: pdf('CAF') });
      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer aux services' }));
      expect(await page.getByRole('status').textContent()).toContain('Votre quotient familial a été envoyé aux services');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Quotient familial de 980 €');
    } finally {
      await context.close();
    }
  });
});
