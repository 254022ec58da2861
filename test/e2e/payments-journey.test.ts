import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../src/features/billing/invoicing.service.js';
import { FixedClock } from '../../src/lib/clock.js';
import { listFamilyInvoices } from '../../src/repositories/billing-invoices.repository.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  heading,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import {
  createActivity,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  LONG_NAME,
  longEmail,
  town,
} from '../helpers/fixtures.js';

/**
 * Paying online, the parent's journey (issue 15), in Chromium: two invoices of the family
 * (October and November) ticked on "Payer en ligne", their total confirmed, paid at the
 * built-in demonstration bank, then the payment's receipt and each invoice "Payée" with it.
 * One browser context; each new page checked with axe on a desktop and at 320 px.
 */
/** The page's window as evaluate() sees it (the project compiles without the DOM library). */
interface StyleWindow {
  getComputedStyle(element: unknown): { paddingLeft: string };
}

let server: E2eServer;
let browser: Browser;
const clock = new FixedClock('2026-12-02T09:00:00Z');
const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('paying invoices online, in Chromium', { timeout: 180_000 }, () => {
  it('pays two invoices in one go at the demonstration bank and sees both paid with their receipt', async () => {
    const db = server.db.pool;
    const ctx = { pool: db, clock, config: server.config };
    const tarnos = await town(db, 'tarnos');
    const activityId = await createActivity(db, 'tarnos', { name: 'Restauration scolaire', site: 'École des paiements' });
    const regieId = await createRegie(db, 'tarnos', { name: 'Régie de la restauration', code: 'PAYE', activityIds: [activityId] });
    await createTariff(db, 'tarnos', activityId);
    const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName });
    const parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
    const childId = await createChild(db, 'tarnos', family.id, {
      firstNames: 'Jeanne',
      lastName: LONG_NAME.lastName,
      birthDate: '2019-04-12',
    });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createQuotient(db, 'tarnos', { familyId: family.id, qf: 1200 });
    for (const day of ['2026-10-05', '2026-11-02']) {
      await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day, status: 'booked' });
      await createAttendance(db, 'tarnos', { activityId, enrolmentId, childId, day, present: true, reserved: true });
    }
    for (const month of ['2026-10', '2026-11']) {
      const run = await startInvoicingRun(ctx, tarnos.id, actor, regieId, month);
      if (!run.ok) throw new Error(run.message);
      await server.jobs.runDue('invoicing');
    }
    const [november, october] = await listFamilyInvoices(db, tarnos.id, family.id, parent.id);
    expect([october?.number, november?.number]).toEqual(['PAYE-2026-000001', 'PAYE-2026-000002']);

    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');

      await page.goto('/tarnos/mon-espace/factures');
      // Drawn as a button, the link keeps a button's padding: the tap-target rule for plain links
      // in a list of actions once set it to 0, the text touching the button's edges.
      const payLink = page.getByRole('link', { name: 'Payer en ligne' });
      expect(await payLink.evaluate((a) => (globalThis as unknown as StyleWindow).getComputedStyle(a).paddingLeft)).not.toBe('0px');
      await clickAndLoad(page, payLink);
      expect(await heading(page)).toBe('Payer en ligne');
      await checkPage(page, 'choosing the invoices to pay');
      await page.getByRole('checkbox', { name: /^Facture N° PAYE-2026-000001 d'octobre 2026/ }).check();
      await page.getByRole('checkbox', { name: /^Facture N° PAYE-2026-000002 de novembre 2026/ }).check();
      await clickAndLoad(page, page.getByRole('button', { name: 'Vérifier le total' }));

      expect(await heading(page)).toBe('Confirmer le paiement');
      expect(await page.locator('main dt:has-text("Total à payer") + dd').textContent()).toBe('7,60\u00a0€');
      await checkPage(page, 'the total to confirm');
      await clickAndLoad(page, page.getByRole('button', { name: 'Payer 7,60\u00a0€' }));

      expect(await heading(page)).toBe('Banque de démonstration');
      expect(await page.locator('main .bank-notice').textContent()).toContain('Banque de démonstration — aucun paiement réel.');
      await checkPage(page, 'the demonstration bank');
      await clickAndLoad(page, page.getByRole('button', { name: 'Payer 7,60\u00a0€' }));

      // Back through the return URL to the payment's receipt.
      expect(await heading(page)).toBe('Paiement confirmé');
      expect(await page.locator('main dt:has-text("Montant") + dd').textContent()).toBe('7,60\u00a0€');
      expect(await page.locator('main tbody tr td:first-child').allTextContents()).toEqual(['N° PAYE-2026-000001', 'N° PAYE-2026-000002']);
      const reference = (await page.locator('main dt:has-text("Référence") + dd').textContent())!.trim();
      expect(reference).toMatch(/^EF[0-9A-F]{28}$/);
      await checkPage(page, 'the payment’s receipt');

      for (const number of ['PAYE-2026-000001', 'PAYE-2026-000002']) {
        await clickAndLoad(page, page.getByRole('link', { name: `N° ${number}`, exact: true }));
        expect(await heading(page)).toBe(`Facture N° ${number}`);
        expect(await page.locator('main .status-tag').textContent()).toBe('Payée');
        expect(await page.locator('main dt:has-text("Montant réglé") + dd').textContent()).toBe('3,80\u00a0€');
        expect(await page.locator('main dt:has-text("Référence du paiement") + dd').textContent()).toBe(reference);
        await page.goBack();
      }
    } finally {
      await context.close();
    }
  });
});
