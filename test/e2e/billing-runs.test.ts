import type { Browser, BrowserContext, Page } from 'playwright-core';
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
  createAgentFixture,
  createChild,
  createEnrolment,
  createFamily,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  LONG_AGENT_NAME,
  LONG_NAME,
} from '../helpers/fixtures.js';

/**
 * The régie's day in Chromium (Tarnos, 2 December 2026): an agent starts the invoicing of
 * November from the Facturation hub, watches the progress page finish (the job runs when the
 * test says, as a worker would pick it up; the page's script follows it and reloads once),
 * opens an invoice and issues a credit note. Zero axe violations at 1280 and 320 px on each
 * page. One browser context, one page load per step.
 */

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock: new FixedClock('2026-12-02T09:00:00Z') }), launchBrowser()]);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const db = () => server.db.pool;

describe('invoicing a month in the back-office (Chromium)', () => {
  it('starts the run, follows its progress to the end, opens an invoice and issues a credit note', async () => {
    const activityId = await createActivity(db(), 'tarnos', { name: 'Restauration scolaire – école élémentaire Jean-Jaurès' });
    const regieId = await createRegie(db(), 'tarnos', {
      activityIds: [activityId],
      code: 'RESTO',
      name: 'Régie de la restauration scolaire',
    });
    await createTariff(db(), 'tarnos', activityId);
    const family = await createFamily(db(), 'tarnos', { name: LONG_NAME.lastName });
    const childId = await createChild(db(), 'tarnos', family.id, { firstNames: LONG_NAME.firstNames, lastName: LONG_NAME.lastName });
    const enrolmentId = await createEnrolment(db(), 'tarnos', { activityId, childId });
    await createQuotient(db(), 'tarnos', { familyId: family.id, qf: 1200 });
    for (const day of ['2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06']) {
      await createReservation(db(), 'tarnos', { activityId, enrolmentId, childId, day, status: 'booked' });
    }
    const agent = await createAgentFixture(db(), 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });

    context = await newContext(browser);
    page = await context.newPage();
    expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/connexion`))).toBe(200);
    await page.getByLabel("Nom d'utilisateur").fill(agent.username);
    await page.getByLabel('Mot de passe').fill(agent.password);
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Connexion', exact: true }))).toBe(200);

    // The hub, from the navigation.
    const nav = page.getByRole('navigation', { name: 'Espace agents' });
    expect(await clickAndLoad(page, nav.getByRole('link', { name: 'Facturation' }))).toBe(200);
    expect(await heading(page)).toBe('Facturation');
    expect(await nav.getByRole('link', { name: 'Facturation' }).getAttribute('aria-current')).toBe('page');
    await expectAccessiblePage(page, 'billing hub');

    // Starting the current month is refused, in French, with the typed month kept.
    await page.getByLabel('Régie').selectOption(regieId);
    await page.getByLabel('Mois à facturer').fill('2026-12');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Lancer la facturation' }))).toBe(400);
    expect(await page.locator('#mois-error').textContent()).toContain('Ce mois n’est pas terminé');
    expect(await page.getByLabel('Mois à facturer').inputValue()).toBe('2026-12');
    await expectAccessiblePage(page, 'billing hub, month not finished');

    await page.getByLabel('Mois à facturer').fill('2026-11');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Lancer la facturation' }))).toBe(200);
    expect(await heading(page)).toBe('Facturation en cours');
    const live = page.locator('[role="status"][aria-live="polite"]');
    expect(await live.textContent()).toBe('La facturation attend son tour : elle commencera dans quelques instants.');
    await expectAccessiblePage(page, 'invoicing run, pending');

    // A worker picks the job up; the page's script sees the run finish and reloads once.
    const reloaded = page.waitForEvent('load');
    expect(await server.jobs.runDue('invoicing')).toBe(1);
    await reloaded;
    expect(await heading(page)).toBe('Facturation terminée');
    expect(await page.getByRole('status').last().textContent()).toBe(
      'La facturation de novembre 2026 est terminée : 1 facture émise, 15,20\u00a0€.',
    );
    expect(await page.locator('[aria-live]').count()).toBe(0);
    await expectAccessiblePage(page, 'invoicing run, done');

    // The run's invoices, then the invoice.
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Voir les factures de novembre 2026 de cette régie' }))).toBe(200);
    expect(await heading(page)).toBe('Factures');
    await expectAccessiblePage(page, 'invoices list');
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'RESTO-2026-000001' }))).toBe(200);
    expect(await heading(page)).toBe('Facture RESTO-2026-000001');
    expect(await page.locator('table:has(#lines-caption) tbody tr').count()).toBe(4);
    await expectAccessiblePage(page, 'invoice');

    // A credit note: first too much, then right.
    await page.getByLabel('Montant de l’avoir, en euros').fill('20,00');
    await page.getByLabel('Motif').fill('Repas du 6 novembre non servi');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Émettre l’avoir' }))).toBe(400);
    expect(await page.locator('#montant-error').textContent()).toContain('L’avoir ne peut pas dépasser ce qui reste de la facture');
    expect(await page.getByLabel('Motif').inputValue()).toBe('Repas du 6 novembre non servi');
    await expectAccessiblePage(page, 'invoice, credit note refused');
    await page.getByLabel('Montant de l’avoir, en euros').fill('3,80');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Émettre l’avoir' }))).toBe(200);
    expect(await page.locator('.notice--success').textContent()).toContain('L’avoir AV-RESTO-2026-000001 de 3,80\u00a0€ est émis.');
    expect(await page.getByRole('row', { name: /AV-RESTO-2026-000001/ }).count()).toBe(1);

    // The export page (the download itself is checked over HTTP in the integration tests).
    expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/facturation/export`))).toBe(200);
    expect(await heading(page)).toBe('Export comptable');
    await expectAccessiblePage(page, 'accounting export');
  });
});
