import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../src/features/billing/invoicing.service.js';
import { recordAttendance } from '../../src/features/reservations/attendance.service.js';
import { FixedClock } from '../../src/lib/clock.js';
import { formatEuros } from '../../src/lib/format.js';
import { findActivity } from '../../src/repositories/activities.repository.js';
import { listFamilyInvoices } from '../../src/repositories/billing-invoices.repository.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
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
  createQuotient,
  createRegie,
  createTariff,
  LONG_NAME,
  longEmail,
  payInvoice,
  town,
} from '../helpers/fixtures.js';
import { pdfUnicodeText } from '../helpers/pdf.js';

/**
 * Billing, the parent's journey (issue 14), in Chromium, in phases:
 *   1. on 12 October 2026 the parent signs in, reads the evening childcare's price for the
 *      family's QF on the Simulation des tarifs, ticks three November evenings in the
 *      reservation grid, reads their price in the recap and confirms with VALIDER;
 *   2. the services, through their services and not the UI: an agent records each day's
 *      attendance (one day absent without a justification, billed all the same) and
 *      invoices November on 2 December; the invoice is paid on 10 December (payments are
 *      the next issue: the builder records what they will);
 *   3. in January 2027 the parent opens Mes factures, finds the amount the recap announced,
 *      reads the invoice's lines, opens a line's day in the agenda, downloads the PDF and
 *      contests a line;
 *   4. Édition de documents: the attestation fiscale of 2026, whose printed verification
 *      URL confirms it.
 * One browser context; every page checked once with axe on a desktop and at 320 px.
 * The public simulation and the QF declaration are billing-simulation.test.ts's.
 */
let server: E2eServer;
let browser: Browser;
// Monday 12 October 2026: November is still open (Tarnos closes changes 15 days before).
const clock = new FixedClock('2026-10-12T08:00:00Z');
const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, parent: { username: string; password: string }) {
  await page.goto('/tarnos/');
  await page.getByLabel('Identifiant').fill(parent.username);
  await page.getByLabel('Mot de passe').fill(parent.password);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForURL('**/tarnos/mon-espace');
}

async function downloadedPdf(page: Page, click: () => Promise<unknown>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const bytes = await fs.readFile((await download.path())!);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return { name: download.suggestedFilename(), text: pdfUnicodeText(bytes) };
}

// One journey through a dozen pages, each checked twice by axe: more than the default minute on a busy machine.
describe('billing, the parent’s side, in Chromium', { timeout: 240_000 }, () => {
  it('simulates, books at the recap’s price, then finds that amount on the invoice, its PDF and the attestation fiscale', async () => {
    const db = server.db.pool;
    const ctx = { pool: db, clock, config: server.config };
    const tarnos = await town(db, 'tarnos');

    // The family's own activity, régie and tariff, so the demo data's (its régie ENF included) cannot change the amounts.
    const activityId = await createActivity(db, 'tarnos', { name: 'Accueil périscolaire du soir', unit: 'Soir' });
    const regieId = await createRegie(db, 'tarnos', { name: 'Régie périscolaire', code: 'PERI', activityIds: [activityId] });
    // Talloires' brackets: QF 1 200 € → 3,80 € an evening.
    await createTariff(db, 'tarnos', activityId, { category: 'garde' });
    const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName });
    const parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
    const childId = await createChild(db, 'tarnos', family.id, {
      firstNames: 'Jeanne',
      lastName: LONG_NAME.lastName,
      birthDate: '2021-04-12',
    });
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    // A second activity, not billed here: the agenda an invoice line opens has a column for each.
    const holidays = await createActivity(db, 'tarnos', { name: 'Accueil de loisirs (vacances)', unit: 'Journée' });
    await createEnrolment(db, 'tarnos', { activityId: holidays, childId });
    await createQuotient(db, 'tarnos', { familyId: family.id, qf: 1200 });

    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      // ---- 1. October: the price simulated, then the same price in the recap before VALIDER.
      await signIn(page, parent);
      await clickAndLoad(page, page.getByRole('link', { name: 'Simulation des tarifs' }).first());
      expect(await heading(page)).toBe('Simulation des tarifs');
      expect(await page.getByText("Quotient familial en vigueur aujourd'hui").textContent()).toContain('1\u202f200 €');
      const simulated = page.locator(`section[aria-labelledby="act-${activityId}"]`);
      expect(await simulated.locator('dt:has-text("Prix unitaire") + dd').textContent()).toBe(formatEuros(380));
      await checkPage(page, 'the family’s simulation');

      await page.goto(urls.reservationGrid('tarnos', childId, enrolmentId, { mois: '2026-11' }));
      for (const day of ['lundi 2 novembre', 'mardi 3 novembre', 'jeudi 5 novembre'])
        await page.getByRole('checkbox', { name: `Soir, ${day}` }).check();
      await clickAndLoad(page, page.getByRole('button', { name: /Continuer vers le récapitulatif/ }));
      expect(await heading(page)).toBe('Récapitulatif de votre demande');
      const price = page.locator('.recap-price');
      expect(await price.locator('dt:has-text("Jours ajoutés") + dd').textContent()).toBe(
        `3 jours × ${formatEuros(380)} : ${formatEuros(1140)}`,
      );
      // What the recap announces, to be found on the invoice.
      const total = (await price.locator('dt:has-text("Total") + dd').textContent())!.trim();
      const announced = /^(.+€) de plus sur vos factures$/.exec(total)?.[1];
      expect(announced).toBe(formatEuros(1140));
      await checkPage(page, 'the recap with its price');
      await clickAndLoad(page, page.getByRole('button', { name: 'Valider' }));
      expect(await page.getByRole('status').textContent()).toContain('3 réservations enregistrées');

      // ---- 2. The services: attendance of each day (3 November absent, without a justification),
      // then November's invoicing, on 2 December.
      clock.set('2026-12-02T09:00:00Z');
      const activity = (await findActivity(db, tarnos.id, activityId))!;
      for (const [day, present] of [
        ['2026-11-02', true],
        ['2026-11-03', false],
        ['2026-11-05', true],
      ] as const) {
        const saved = await recordAttendance(ctx, tarnos, actor, activity, day, {
          present: new Set(present ? [childId] : []),
          fromBooked: new Set([childId]),
        });
        expect(saved.ok).toBe(true);
      }
      const run = await startInvoicingRun(ctx, tarnos.id, actor, regieId, '2026-11');
      if (!run.ok) throw new Error(run.message);
      await server.jobs.runDue('invoicing');
      const [invoice] = await listFamilyInvoices(db, tarnos.id, family.id, parent.id);
      expect(invoice).toMatchObject({ number: 'PERI-2026-000001', totalCents: 1140 });
      await payInvoice(db, 'tarnos', invoice!.id, new Date('2026-12-10T10:00:00Z'));

      // ---- 3. January 2027: Mes factures, the invoice day by day, its PDF, contesting a line. The
      // parent signs in again: the October session ended while the clock jumped.
      clock.set('2027-01-11T09:00:00Z');
      await signIn(page, parent);
      await clickAndLoad(page, page.getByRole('link', { name: 'Mes factures' }).first());
      expect(await heading(page)).toBe('Mes factures');
      const row = page.locator('main tbody tr').first();
      expect(await row.locator('td').allTextContents()).toEqual(
        expect.arrayContaining(['N° PERI-2026-000001', 'novembre 2026', announced, 'Payée', '0,00\u00a0€']),
      );
      await checkPage(page, 'Mes factures');

      await clickAndLoad(page, page.getByRole('link', { name: 'N° PERI-2026-000001', exact: true }));
      expect(await heading(page)).toBe('Facture N° PERI-2026-000001');
      const lines = page.locator('.invoice-lines tbody tr');
      expect(await lines.count()).toBe(3);
      expect(await lines.nth(1).textContent()).toContain('Réservé, absent sans justification acceptée');
      await checkPage(page, 'the invoice');

      const invoicePdf = await downloadedPdf(page, () => page.getByRole('link', { name: 'Télécharger la facture en PDF' }).click());
      expect(invoicePdf.name).toBe('facture-PERI-2026-000001.pdf');
      expect(invoicePdf.text).toContain('Facture N° PERI-2026-000001');
      expect(invoicePdf.text).toContain(announced);

      // A line opens its day in the child's agenda, then back to the invoice.
      await clickAndLoad(page, page.getByRole('link', { name: /^Voir le jour du mardi 3 novembre/ }));
      expect(new URL(page.url()).hash).toBe('#jour-2026-11-03');
      expect(await page.locator('tr#jour-2026-11-03').textContent()).toContain('Réservé');
      await checkPage(page, 'the agenda at the invoice line’s day');
      await navigate(page, () => page.goBack());

      await clickAndLoad(page, page.getByRole('link', { name: /^Contester cette ligne du mardi 3 novembre/ }));
      expect(await heading(page)).toBe('Contester une ligne de facture');
      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer ma contestation' }));
      expect(await page.title()).toMatch(/^Erreur : Contester une ligne de facture/);
      await checkPage(page, 'the contest form with its error');
      await page.getByLabel('Votre message').fill('Jeanne était malade ce jour-là : le certificat est dans mes pièces justificatives.');
      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer ma contestation' }));
      // The request, in Mes demandes, with the line attached.
      expect(await heading(page)).toMatch(/^Facture N° PERI-2026-000001 : ligne du 03\/11\/2026 \(Jeanne /);
      expect(await page.locator('main').textContent()).toContain('Réservé, absent sans justification acceptée');

      // ---- 4. Édition de documents: the attestation fiscale of 2026, checked at its printed URL.
      await page.goto(urls.invoices('tarnos'));
      await clickAndLoad(page, page.locator('#contenu').getByRole('link', { name: 'Édition de documents', exact: true }));
      expect(await heading(page)).toBe('Édition de documents');
      await checkPage(page, 'Édition de documents');
      expect(await page.getByLabel('Année').inputValue()).toBe('2026');
      const attestation = await downloadedPdf(page, () => page.getByRole('button', { name: "Télécharger l'attestation fiscale" }).click());
      expect(attestation.name).toBe('attestation-fiscale-2026.pdf');
      expect(attestation.text).toContain('Jeanne');
      const url = /http:\/\/127\.0\.0\.1:\d+\/tarnos\/verifier-un-document\/[0-9A-Z-]{14}/.exec(attestation.text)?.[0];
      expect(url).toBeDefined();

      const check = await context.newPage();
      await check.goto(url!);
      expect(await heading(check)).toBe('Document authentique');
      expect(await check.locator('dd').allTextContents()).toEqual(
        expect.arrayContaining(['2026', '7,60\u00a0€', 'Attestation fiscale – frais de garde des enfants de moins de 6 ans']),
      );
      await checkPage(check, 'the verified document');
      await clickAndLoad(check, check.getByRole('link', { name: 'Vérifier un autre code' }));
      await checkPage(check, 'Vérifier un document');
    } finally {
      await context.close();
    }
  });
});
