import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../src/features/billing/invoicing.service.js';
import { FixedClock } from '../../src/lib/clock.js';
import { saveSepaSettings } from '../../src/repositories/direct-debit.repository.js';
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
  createAgentFixture,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  LONG_AGENT_NAME,
  LONG_NAME,
  longEmail,
  town,
} from '../helpers/fixtures.js';

/**
 * Direct debit (issue 15) in Chromium, one browser context: on 2 December 2026 a parent
 * signs a SEPA mandate from Mon compte and finds November's invoice marked for debit; then
 * an admin of the régie prepares the collection of 20 December and records a reject. Each
 * new page is checked by axe on a desktop and at 320 px.
 */
let server: E2eServer;
let browser: Browser;
const clock = new FixedClock('2026-12-02T09:00:00Z');

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, url: string, labels: [string, string], who: { username: string; password: string }) {
  expect(await navigate(page, () => page.goto(url))).toBe(200);
  await page.getByLabel(labels[0]).fill(who.username);
  await page.getByLabel(labels[1]).fill(who.password);
  await clickAndLoad(page, page.getByRole('button', { name: 'Connexion', exact: true }));
}

describe('direct debit in Chromium', { timeout: 180_000 }, () => {
  it('a parent signs a mandate and sees the next invoice marked for debit; the régie exports it and records a reject', async () => {
    const db = server.db.pool;
    const tarnos = await town(db, 'tarnos');
    await saveSepaSettings(
      db,
      tarnos.id,
      {
        enabled: true,
        creditorId: 'FR72ZZZ123456',
        creditorName: 'Régie Enfance de Tarnos',
        creditorIban: 'FR7630006000011234567890189',
        creditorBic: 'AGRIFRPP',
        prenotificationDays: 14,
      },
      clock.now(),
    );
    const activityId = await createActivity(db, 'tarnos', { name: 'Restauration scolaire', site: 'École du prélèvement' });
    const regieId = await createRegie(db, 'tarnos', { name: 'Régie prélèvement', code: 'PRLV', activityIds: [activityId] });
    await createTariff(db, 'tarnos', activityId);
    const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName });
    const parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
    const childId = await createChild(db, 'tarnos', family.id, {
      firstNames: 'Jeanne',
      lastName: LONG_NAME.lastName,
      birthDate: '2021-04-12',
    });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createQuotient(db, 'tarnos', { familyId: family.id, qf: 1200 });
    for (const day of ['2026-11-02', '2026-11-03'])
      await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day, status: 'booked' });
    const run = await startInvoicingRun(
      { pool: db, clock, config: server.config },
      tarnos.id,
      { agentId: null, actorLabel: 'Test', ip: null },
      regieId,
      '2026-11',
    );
    if (!run.ok) throw new Error(run.message);
    await server.jobs.runDue('invoicing');
    const admin = await createAgentFixture(db, 'tarnos', 'admin', { displayName: LONG_AGENT_NAME });

    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      // ---- The parent: Mon compte → Prélèvement automatique, the mandate signed.
      await signIn(page, '/tarnos/', ['Identifiant', 'Mot de passe'], parent);
      await page.waitForURL('**/tarnos/mon-espace');
      await clickAndLoad(page, page.getByRole('link', { name: /Mon compte/ }).first());
      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Prélèvement automatique' }))).toBe(200);
      expect(await heading(page)).toBe('Prélèvement automatique');
      await expectAccessiblePage(page, 'the mandate form');

      await page.locator('#iban').fill('FR76 3000 6000 0112 3456 7890 188');
      await page.locator('#lieu').fill('Tarnos');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Signer le mandat' }))).toBe(400);
      expect(await page.locator('#iban-error').textContent()).toContain('sa clé de contrôle ne correspond pas');
      expect(await page.locator('#consentement-error').textContent()).toContain('Cochez la case pour autoriser le prélèvement');
      await expectAccessiblePage(page, 'the mandate form with errors');

      await page.locator('#iban').fill('FR76 3000 6000 0112 3456 7890 189');
      await page.locator('#adresse').fill('12 avenue Julian Grimau, 40220 Tarnos');
      await page.getByRole('checkbox', { name: /J’autorise Régie Enfance de Tarnos/ }).check();
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Signer le mandat' }))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('Votre mandat de prélèvement est signé');
      expect(await page.locator('dt:has-text("Compte débité") + dd').textContent()).toBe('FR76 **** … 0189');
      await expectAccessiblePage(page, 'the signed mandate');

      await page.goto('/tarnos/mon-espace/factures');
      expect(await page.locator('.debit-notice').textContent()).toBe(
        'Sera prélevée le mercredi 16 décembre 2026 sur le compte FR76 **** … 0189 (avis de prélèvement du 02/12/2026).',
      );

      // ---- The régie: the collection of 20 December, its batch, a reject.
      await signIn(page, '/tarnos/agents/connexion', ["Nom d'utilisateur", 'Mot de passe'], admin);
      await page.goto('/tarnos/agents/facturation');
      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Prélèvements automatiques' }))).toBe(200);
      await expectAccessiblePage(page, 'the collections');
      await page.locator('#dateCollecte').fill('20/12/2026');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Préparer les prélèvements' }))).toBe(200);
      expect(await heading(page)).toBe('Prélèvements du 20/12/2026');
      expect(await page.getByRole('link', { name: /Télécharger le fichier pour la banque/ }).count()).toBe(1);
      await expectAccessiblePage(page, 'a batch');

      expect(await clickAndLoad(page, page.getByRole('link', { name: /Enregistrer un rejet/ }))).toBe(200);
      await expectAccessiblePage(page, 'recording a reject');
      await page.locator('#motif').selectOption('AM04');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer le rejet' }))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('est de nouveau à payer');

      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Retour aux prélèvements automatiques' }))).toBe(200);
      expect(await clickAndLoad(page, page.getByRole('link', { name: 'Paramètres du prélèvement automatique' }))).toBe(200);
      await expectAccessiblePage(page, 'the SEPA settings');
    } finally {
      await context.close();
    }
  });
});
