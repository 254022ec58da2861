import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { urls } from '../../src/routes.js';
import {
  launchBrowser,
  newContext,
  startE2eServer,
  waitFor,
  type E2eServer,
  expectAccessiblePage as checkPage,
} from '../helpers/browser.js';
import { pdf } from '../helpers/files.js';
import { createAgentFixture, createParent, familyByKey, LONG_AGENT_NAME, LONG_NAME, longEmail } from '../helpers/fixtures.js';
import { TestSmtpServer } from '../helpers/smtp.js';

/**
 * Issue 6 from end to end in Chromium, in three steps that share the server, its clock and
 * the database:
 * 1. On Monday 12 October 2026, a Tarnos parent books every Monday and Thursday of November
 *    for Léa through the periodicity and its preview, validates the recap and sees the days
 *    in MON AGENDA.
 * 2. An agent looks at the activity: the list, the month with its occupancy chart, a day,
 *    the forms and the reservations to confirm.
 * 3. The clock moves to Thursday 5 November, a booked day whose cancellation deadline has
 *    long passed: the parent follows "Signaler une absence", is refused once without a
 *    justificatif, sends the absence with a PDF, sees the recap and VALIDER; an agent finds
 *    it from the home page, downloads the PDF, accepts it, then fills that day's attendance
 *    sheet (Léa's absence justified, a brother who came without a reservation); the parent
 *    sees the request accepted and gets the mail.
 * Every page is checked with axe on a desktop and at 320 px (reflow included), the week
 * grid and the error states included.
 */

// Monday 12 October 2026: November is next month, and all of it is still open (15 days).
const clock = new FixedClock('2026-10-12T08:00:00Z');
const smtp = new TestSmtpServer();
let server: E2eServer;
let browser: Browser;
let lea: { childId: string; enrolmentId: string; activityId: string };
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  await smtp.start();
  [server, browser] = await Promise.all([startE2eServer({ clock, smtpUrl: smtp.url }), launchBrowser()]);
  const { rows } = await server.db.pool.query<{ childId: string; enrolmentId: string; activityId: string }>(
    `select c.id as "childId", e.id as "enrolmentId", a.id as "activityId"
       from children c join families f on f.id = c.family_id join enrolments e on e.child_id = c.id join activities a on a.id = e.activity_id
      where f.cle_enfance = '40220-MARTIN1' and c.first_names = 'Léa' and a.name = 'Restauration Scolaire'`,
  );
  lea = rows[0]!;
  const family = await familyByKey(server.db.pool, 'tarnos', '40220-MARTIN1');
  parent = await createParent(server.db.pool, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
});

async function signInParent(page: Page): Promise<void> {
  await page.goto('/tarnos/');
  await page.getByLabel('Identifiant').fill(parent.username);
  await page.getByLabel('Mot de passe').fill(parent.password);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForURL('**/tarnos/mon-espace');
}

async function signInAgent(page: Page): Promise<void> {
  const a = await createAgentFixture(server.db.pool, 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });
  await page.goto(urls.agentSignIn('tarnos'));
  await page.getByLabel("Nom d'utilisateur").fill(a.username);
  await page.getByLabel('Mot de passe').fill(a.password);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForURL('**/tarnos/agents');
}

// Each test checks many pages twice (desktop and 320 px): more than the default minute on a busy machine.
describe('reservations in Chromium', { timeout: 240_000 }, () => {
  it('books every Monday and Thursday of next month with the periodicity preview, and sees them in the agenda', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await signInParent(page);

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
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await signInAgent(page);
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

  it('reports an absence with a PDF justificatif after the deadline; an agent accepts it and records attendance', async () => {
    // Thursday 5 November 2026, 8:00 in Paris: Léa is booked today (by the first test, so this
    // one does not run alone), and cancelling closed 15 days ago.
    clock.set('2026-11-05T07:00:00Z');
    const summary = 'Absence de Léa MARTIN le 05/11/2026';
    const certificate = pdf('Certificat médical de Léa');
    const parentContext = await newContext(browser, { baseURL: server.baseUrl });
    const agentContext = await newContext(browser, { baseURL: server.baseUrl });
    const page = await parentContext.newPage();
    const back = await agentContext.newPage();
    try {
      // ---- the parent: the child's page, the intro, step 1 (once without a justificatif), the recap, VALIDER
      await signInParent(page);
      await page.goto(urls.child('tarnos', lea.childId));
      await page.getByRole('link', { name: 'Signaler une absence' }).click();
      await page.waitForURL(`**${urls.absenceStart('tarnos', lea.childId)}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe("Signalement d'absence");
      await checkPage(page, 'absence intro');
      await page.getByRole('link', { name: 'Commencer' }).click();
      await page.waitForURL('**/absence/etape-1');
      // Léa has one enrolment: it comes ticked.
      expect(await page.getByRole('checkbox', { name: /^Restauration Scolaire/ }).isChecked()).toBe(true);
      await checkPage(page, 'absence step 1');
      await page.getByLabel("Aujourd'hui", { exact: true }).check();
      await page.getByRole('textbox', { name: /^Commentaire/ }).fill('Absence pour raison de santé');
      await page.getByRole('button', { name: "Aller à l'étape 2" }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await page.getByRole('link', { name: /^Joignez un justificatif d'absence/ }).waitFor();
      // The choices come back; only the files must be chosen again.
      expect(await page.getByLabel("Aujourd'hui", { exact: true }).isChecked()).toBe(true);
      expect(await page.getByRole('textbox', { name: /^Commentaire/ }).inputValue()).toBe('Absence pour raison de santé');
      await checkPage(page, 'absence step 1 without a justificatif');
      await page.getByLabel('Qualification de la pièce').selectOption({ label: 'Certificat médical' });
      await page.getByLabel('Intitulé du document').fill('Certificat médical de Léa');
      await page
        .getByLabel('Fichiers de la pièce')
        .setInputFiles({ name: 'certificat-lea.pdf', mimeType: 'application/pdf', buffer: certificate });
      await page.getByRole('button', { name: "Aller à l'étape 2" }).click();
      await page.waitForURL('**/mon-espace/absences/*');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Récapitulatif de votre signalement');
      await page.getByText('jeudi 5 novembre 2026 – réservé').waitFor();
      await page.getByText('Certificat médical de Léa : certificat-lea.pdf').waitFor();
      await checkPage(page, 'absence recap');
      await page.getByRole('button', { name: 'Valider' }).click();
      await page.waitForURL('**/mon-espace/demandes/*');
      const requestUrl = new URL(page.url()).pathname;
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(summary);
      expect(await page.getByRole('status').textContent()).toContain('Votre signalement d’absence a été envoyé aux services.');
      await page.getByText('Envoyée', { exact: true }).first().waitFor();
      await page.getByRole('link', { name: 'certificat-lea.pdf' }).waitFor();
      await checkPage(page, 'the absence request');

      // ---- the agent: the home line, the absence, its PDF, Accepter
      await signInAgent(back);
      await back
        .getByRole('listitem')
        .filter({ hasText: /demandes? des familles à traiter, dont 1 signalement d'absence/ })
        .waitFor();
      await back.getByRole('link', { name: "1 signalement d'absence", exact: true }).click();
      await back.waitForURL('**/agents/demandes?type=absence');
      await checkPage(back, 'request queue, absences');
      await back.getByRole('link', { name: summary }).click();
      await back.waitForURL('**/agents/demandes/*');
      await back.getByText('Restauration Scolaire : 05/11/2026 (réservé)').waitFor();
      await back.getByText('Accepter justifie ces jours : ils ne seront pas facturés.').waitFor();
      await checkPage(back, 'an absence in the back-office');
      const [download] = await Promise.all([back.waitForEvent('download'), back.getByRole('link', { name: 'certificat-lea.pdf' }).click()]);
      expect(download.suggestedFilename()).toBe('certificat-lea.pdf');
      expect(Buffer.compare(await readFile(await download.path()), certificate)).toBe(0);
      await back.getByRole('button', { name: 'Accepter la demande' }).click();
      await back.getByRole('status').filter({ hasText: 'Acceptée' }).waitFor();
      await checkPage(back, 'an accepted absence');

      // ---- the agent: Thursday's attendance sheet; Léa justified, her brother came without a place
      await back.goto(urls.agentActivityDay('tarnos', lea.activityId, '2026-11-05'));
      expect(await back.getByRole('heading', { level: 1 }).textContent()).toBe('Feuille de présence du jeudi 5 novembre 2026');
      const leaRow = back.getByRole('row', { name: /MARTIN Léa/ }).first();
      expect(await leaRow.textContent()).toContain('Absence justifiée');
      // An absence reported by the family: not ticked in advance.
      expect(await back.getByRole('checkbox', { name: 'Présent : MARTIN Léa' }).isChecked()).toBe(false);
      await back.getByRole('region', { name: 'Absences signalées par les familles' }).getByText('Absence justifiée').waitFor();
      await checkPage(back, 'attendance sheet');
      await back.getByRole('checkbox', { name: /^MARTIN Hugo/ }).check();
      await back.getByRole('button', { name: 'Enregistrer la feuille de présence' }).click();
      // Présents counts whoever came, Hugo included; Léa, booked and not ticked, is the absent one.
      await back.getByRole('status').filter({ hasText: 'est enregistrée : 1 présent, 1 absent, 1 venu sans réservation' }).waitFor();
      await back.getByText(/^Feuille enregistrée le 05\/11\/2026 à 08:00 par /).waitFor();
      const counts = back.locator('dl.attendance-counts');
      expect((await counts.innerText()).replace(/\s+/g, ' ').trim()).toBe('Réservés 1 Présents 1 Absents 1 Venus sans réservation 1');
      expect(await back.getByRole('checkbox', { name: /^MARTIN Hugo/ }).isChecked()).toBe(true);
      await checkPage(back, 'attendance sheet recorded');

      // ---- the parent: the mail, the request accepted
      await waitFor(() => smtp.to(parent.email).find((m) => m.subject === 'Votre demande : acceptée'), 10_000, 'the acceptance mail');
      await page.goto(requestUrl);
      await page.getByRole('heading', { level: 2, name: 'Votre demande a été acceptée' }).waitFor();
      await checkPage(page, 'the accepted absence');
    } finally {
      await parentContext.close();
      await agentContext.close();
    }
    const { rows } = await server.db.pool.query<{ day: string; was_reserved: boolean; justified: boolean }>(
      `select day, was_reserved, justified from absence_days where child_id = $1`,
      [lea.childId],
    );
    expect(rows).toEqual([{ day: '2026-11-05', was_reserved: true, justified: true }]);
  });
});
