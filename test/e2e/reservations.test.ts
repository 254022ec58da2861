import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { urls } from '../../src/routes.js';
import {
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { createAgentFixture, createParent, familyByKey } from '../helpers/fixtures.js';

/**
 * A Tarnos parent books every Monday and Thursday of next month for Léa through the
 * periodicity and its preview, validates the recap and sees the days in MON AGENDA; an
 * agent then looks at the activity. Every page is checked with axe on a desktop and at
 * 320 px, the week grid included.
 */

// Monday 12 October 2026: November is next month, and all of it is still open (15 days).
const clock = new FixedClock('2026-10-12T08:00:00Z');
let server: E2eServer;
let browser: Browser;
let lea: { childId: string; enrolmentId: string; activityId: string };

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const { rows } = await server.db.pool.query<{ childId: string; enrolmentId: string; activityId: string }>(
    `select c.id as "childId", e.id as "enrolmentId", a.id as "activityId"
       from children c join families f on f.id = c.family_id join enrolments e on e.child_id = c.id join activities a on a.id = e.activity_id
      where f.cle_enfance = '40220-MARTIN1' and c.first_names = 'Léa' and a.name = 'Restauration Scolaire'`,
  );
  lea = rows[0]!;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** axe on the page as it is, then again at 320 px with the reflow check. */
async function checkPage(page: Page, label: string): Promise<void> {
  await expectNoAxeViolations(page, label);
  await expectNoHorizontalScroll(page, label);
  await expectNoAxeViolations(page, `${label} at 320 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Each test checks many pages twice (desktop and 320 px): more than the default minute on a busy machine.
describe('reservations in Chromium', { timeout: 240_000 }, () => {
  it('books every Monday and Thursday of next month with the periodicity preview, and sees them in the agenda', async () => {
    const family = await familyByKey(server.db.pool, 'tarnos', '40220-MARTIN1');
    const parent = await createParent(server.db.pool, 'tarnos', { familyId: family.id });
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');

      await page.goto(urls.childAgenda('tarnos', lea.childId));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mon agenda');
      await checkPage(page, 'MON AGENDA');

      await page.getByRole('link', { name: 'Modifier les réservations' }).click();
      await page.waitForURL('**/reservations');
      await checkPage(page, 'choice of enrolment');
      await page.getByRole('link', { name: 'Restauration Scolaire' }).click();
      await page.waitForURL(`**/reservations/${lea.enrolmentId}`);
      expect(await page.getByRole('table').textContent()).toContain('LUNDI');
      await checkPage(page, 'week grid (month)');
      // The grid's own navigation is a form: next month keeps whatever was ticked.
      await page.getByRole('button', { name: /Suivant/ }).click();
      await page.getByRole('heading', { level: 2, name: 'Novembre 2026' }).waitFor();
      expect(await page.getByRole('checkbox', { name: 'Repas, lundi 2 novembre' }).isChecked()).toBe(false);
      await page.getByRole('button', { name: 'Afficher par semaine' }).click();
      await page.waitForURL('**?semaine=*');
      await checkPage(page, 'week grid (week)');

      await page.getByRole('link', { name: 'Appliquer une périodicité' }).click();
      await page.waitForURL('**/periodicite');
      await page.getByRole('button', { name: 'Voir les jours concernés' }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'periodicity with errors');
      await page.getByLabel('Lundi').check();
      await page.getByLabel('Jeudi').check();
      await page.getByRole('textbox', { name: /^Du/ }).fill('01/11/2026');
      await page.getByRole('textbox', { name: /^Au/ }).fill('30/11/2026');
      await page.getByLabel('Réserver', { exact: true }).check();
      await page.getByRole('button', { name: 'Voir les jours concernés' }).click();
      await page.getByRole('heading', { level: 2, name: 'Léa : 9 repas à réserver' }).waitFor();
      await checkPage(page, 'periodicity preview');
      await page.getByRole('button', { name: 'Confirmer' }).click();
      await page.waitForURL('**/recapitulatif');

      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Récapitulatif de votre demande');
      await page.getByText('Repas à réserver (9)').waitFor();
      await checkPage(page, 'recap');
      await page.getByRole('button', { name: 'Valider' }).click();
      await page.waitForURL('**/mon-espace/reservations/demandes/*');
      expect(await page.getByRole('status').textContent()).toContain('9 réservations enregistrées');
      await checkPage(page, 'request outcome');

      await page.getByRole('link', { name: "Voir l'agenda" }).click();
      await page.getByRole('heading', { level: 2, name: 'Novembre 2026' }).waitFor();
      for (const day of ['lundi 2 novembre', 'jeudi 5 novembre', 'lundi 16 novembre', 'jeudi 26 novembre', 'lundi 30 novembre']) {
        await page.getByRole('row', { name: new RegExp(`^${day} Réservé`) }).waitFor();
      }
      await page.getByRole('row', { name: /^mardi 3 novembre Non réservé/ }).waitFor();
      await checkPage(page, 'MON AGENDA after booking');

      await page.goto(urls.reservationGrid('tarnos', lea.childId, lea.enrolmentId, { mois: '2026-11' }));
      expect(await page.getByRole('checkbox', { name: 'Repas, jeudi 12 novembre' }).isChecked()).toBe(true);
      await checkPage(page, 'week grid with reservations');
    } finally {
      await context.close();
    }
    const { rows } = await server.db.pool.query<{ day: string }>(
      `select day from reservations where child_id = $1 and status = 'booked' order by day`,
      [lea.childId],
    );
    expect(rows.map((r) => r.day)).toEqual([
      '2026-11-02',
      '2026-11-05',
      '2026-11-09',
      '2026-11-12',
      '2026-11-16',
      '2026-11-19',
      '2026-11-23',
      '2026-11-26',
      '2026-11-30',
    ]);
  });

  it("shows the agents' activity pages without accessibility problems", async () => {
    const a = await createAgentFixture(server.db.pool, 'tarnos');
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(a.username);
      await page.getByLabel('Mot de passe').fill(a.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');
      await page.getByRole('link', { name: 'Activités', exact: true }).click();
      await checkPage(page, 'activities');
      await page.goto(urls.agentActivity('tarnos', lea.activityId, '2026-11'));
      await page.locator('svg.occupancy-chart').waitFor();
      await checkPage(page, 'activity with occupancy chart');
      await page.goto(urls.agentActivityDay('tarnos', lea.activityId, '2026-11-05'));
      await page.getByRole('row', { name: /MARTIN Léa/ }).waitFor();
      await checkPage(page, 'day roster');
      await page.goto(urls.agentActivityNew('tarnos'));
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'new activity with errors');
      await page.goto(urls.agentEnrolmentNew('tarnos', lea.activityId));
      await checkPage(page, 'enrolment form');
      await page.goto(urls.agentReservationQueue('tarnos'));
      await checkPage(page, 'requests to confirm');
    } finally {
      await context.close();
    }
  });
});
