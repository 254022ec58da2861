import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../src/features/billing/invoicing.service.js';
import { dayLabel, parisDay } from '../../src/lib/calendar/index.js';
import { FixedClock } from '../../src/lib/clock.js';
import { listFamilyInvoices } from '../../src/repositories/billing-invoices.repository.js';
import { insertPayment, recordPaymentEvent } from '../../src/repositories/payments.repository.js';
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
  town,
} from '../helpers/fixtures.js';

/**
 * The régie's payments in Chromium (Tarnos, 2 December 2026): from the Facturation hub, an
 * agent opens the payments, records a cheque at the counter for a family's November invoice,
 * sees it in the day's payments and the invoice paid, then opens the day's reconciliation
 * (a payment still pending, a forged notification). Zero axe violations at 1280 and 320 px on
 * the payments list, the payment, the counter and the reconciliation. One browser context.
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

/** A family with one child booked four days of November at 3,80 € (QF 1200). */
async function bookedFamily(activityId: string, name: { firstNames: string; lastName: string }) {
  const family = await createFamily(db(), 'tarnos', { name: name.lastName });
  const childId = await createChild(db(), 'tarnos', family.id, name);
  const enrolmentId = await createEnrolment(db(), 'tarnos', { activityId, childId });
  await createQuotient(db(), 'tarnos', { familyId: family.id, qf: 1200 });
  for (const day of ['2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06']) {
    await createReservation(db(), 'tarnos', { activityId, enrolmentId, childId, day, status: 'booked' });
  }
  return family.id;
}

describe('the régie’s payments (Chromium)', () => {
  it('records a cheque at the counter, finds it in the day’s payments and the invoice paid, and reads the reconciliation', async () => {
    const tarnos = await town(db(), 'tarnos');
    const activityId = await createActivity(db(), 'tarnos', { name: 'Restauration scolaire – école élémentaire Jean-Jaurès' });
    const regieId = await createRegie(db(), 'tarnos', {
      activityIds: [activityId],
      code: 'RESTO',
      name: 'Régie de la restauration scolaire',
    });
    await createTariff(db(), 'tarnos', activityId);
    const familyId = await bookedFamily(activityId, LONG_NAME);
    const otherId = await bookedFamily(activityId, { firstNames: 'Noé', lastName: 'Bernard' });
    const ctx = { pool: db(), clock: server.clock, config: server.config };
    const run = await startInvoicingRun(ctx, tarnos.id, { agentId: null, actorLabel: 'Agent de test', ip: null }, regieId, '2026-11');
    if (!run.ok) throw new Error(run.message);
    await server.jobs.runDue('invoicing');
    const [invoice] = await listFamilyInvoices(db(), tarnos.id, familyId, null);
    const [other] = await listFamilyInvoices(db(), tarnos.id, otherId, null);
    // The other family is at the bank; a forged notification came in the night.
    const pending = await insertPayment(db(), {
      townId: tarnos.id,
      regieId,
      familyId: otherId,
      accountId: null,
      provider: 'builtin',
      method: 'card',
      reference: 'E2EPENDING1',
      status: 'pending',
      invoices: [{ invoiceId: other!.id, amountCents: other!.totalCents }],
    });
    await recordPaymentEvent(db(), {
      townId: tarnos.id,
      paymentId: null,
      provider: 'builtin',
      channel: 'notification',
      outcome: 'forged',
      detail: 'Signature invalide',
      remoteAddress: '203.0.113.9',
      at: pending.createdAt,
    });
    const agent = await createAgentFixture(db(), 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });

    context = await newContext(browser);
    page = await context.newPage();
    expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/connexion`))).toBe(200);
    await page.getByLabel("Nom d'utilisateur").fill(agent.username);
    await page.getByLabel('Mot de passe').fill(agent.password);
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Connexion', exact: true }))).toBe(200);

    // From the hub to the counter, choosing the family by its name.
    expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/facturation`))).toBe(200);
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Paiements', exact: true }))).toBe(200);
    expect(await heading(page)).toBe('Paiements');
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Enregistrer un paiement au guichet' }))).toBe(200);
    await page.getByLabel('Famille', { exact: true }).fill('aubigné');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Rechercher' }))).toBe(200);
    expect(await clickAndLoad(page, page.getByRole('link', { name: /^Famille D'AUBIGNÉ-LÉVÊQUE/ }))).toBe(200);
    expect(await heading(page)).toBe('Enregistrer un paiement au guichet');
    await expectAccessiblePage(page, 'counter payment');

    // A cheque of what the invoice owes, received today.
    await page.getByLabel(new RegExp(`^${invoice!.number} – novembre 2026 – doit 15,20`)).check();
    await page.getByLabel('Chèque', { exact: true }).check();
    await page.getByLabel('Montant reçu, en euros').fill('15,20');
    await page.getByLabel('Note').fill('Chèque n° 0012345, Crédit Agricole');
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer le paiement' }))).toBe(200);
    expect(await page.getByRole('status').textContent()).toContain(
      `Le paiement de 15,20\u00a0€ est enregistré : facture ${invoice!.number} payée.`,
    );
    expect(await heading(page)).toMatch(/^Paiement G20261202[0-9A-F]{12}$/);
    await expectAccessiblePage(page, 'payment');

    // The day's payments list it with its invoice, and the invoice is paid.
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Paiements de la famille' }))).toBe(200);
    const row = page.locator('table:has(#payments-caption) tbody tr').first();
    expect(await row.locator('td').nth(1).textContent()).toBe('Guichet – chèque');
    await expectAccessiblePage(page, 'payments of the family');
    expect(await clickAndLoad(page, row.getByRole('link', { name: invoice!.number }))).toBe(200);
    expect(await heading(page)).toBe(`Facture ${invoice!.number}`);
    expect(await page.locator('main .status-tag').first().textContent()).toBe('Payée');

    // The reconciliation of the day the pending payment and the forged notification came in
    // (the database's clock, not the test's): both listed.
    const day = parisDay(pending.createdAt);
    expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/facturation/rapprochement?jour=${day}`))).toBe(200);
    expect(await heading(page)).toBe(`Rapprochement du ${dayLabel(day)}`);
    expect(await page.locator('table:has(#open-caption) tbody tr th a').allTextContents()).toEqual([pending.reference]);
    expect(await page.locator('table:has(#alerts-caption) tbody tr').count()).toBe(1);
    await expectAccessiblePage(page, 'reconciliation');
  });
});
