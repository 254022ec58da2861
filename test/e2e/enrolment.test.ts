import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { saveEnrolmentSettings } from '../../src/repositories/enrolment.repository.js';
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
import {
  AGENT_PASSWORD,
  createActivity,
  createAgentFixture,
  createChild,
  createDocument,
  createFamily,
  createParent,
  LONG_AGENT_NAME,
  LONG_NAME,
  longEmail,
  town,
} from '../helpers/fixtures.js';
import crypto from 'node:crypto';

/**
 * Issue 16 in Chromium, one browser context: a parent finds an activity on the offer page,
 * enrols a child with a medical certificate from the storage, an agent accepts (and looks at
 * the activity's online enrolment settings and allocation pages), and the parent books a day
 * of it. Every new page is checked with axe on a desktop and at 320 px.
 */

const clock = new FixedClock('2026-12-02T09:00:00Z');
let server: E2eServer;
let browser: Browser;
let activityId: string;
let childId: string;
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  activityId = await createActivity(db, 'tarnos', {
    name: 'Atelier théâtre',
    site: 'Salle des fêtes',
    unit: 'Séance',
    startDate: '2027-01-04',
    endDate: '2027-06-30',
    weekdays: [3],
    runsDuring: 'all',
    capacity: 12,
  });
  const t = await town(db, 'tarnos');
  await saveEnrolmentSettings(
    db,
    t.id,
    activityId,
    {
      service: 'Culture',
      description: 'Improvisation et petites scènes, spectacle en juin.',
      minAge: 6,
      maxAge: 11,
      schoolLevels: [],
      requiredPieces: [{ kind: 'certificat_medical', maxAgeMonths: 12 }],
      asksPai: true,
      asksDiet: false,
      enrolmentOpensAt: new Date('2026-12-01T08:00:00Z'),
      enrolmentClosesAt: new Date('2026-12-31T17:00:00Z'),
      fairWindowMinutes: null,
    },
    clock.now(),
  );
  const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName, postalCode: '40220' });
  childId = await createChild(db, 'tarnos', family.id, { firstNames: 'Inès', lastName: LONG_NAME.lastName, birthDate: '2018-03-10' });
  await createChild(db, 'tarnos', family.id, { firstNames: 'Noé', lastName: LONG_NAME.lastName, birthDate: '2023-03-10' });
  parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
  const content = pdf('Certificat médical');
  await createDocument(db, 'tarnos', parent.id, {
    kind: 'certificat_medical',
    title: 'Certificat médical 2026',
    issuedOn: '2026-09-01',
    files: [
      {
        fileName: 'certificat.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
    now: clock.now(),
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('enrolment in Chromium', { timeout: 240_000 }, () => {
  it('finds an activity on the offer, enrols a child with a stored certificate, an agent accepts, the parent books a day', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      // A visitor: the offer, from the town's footer, and the activity's page.
      await page.goto('/tarnos/');
      await clickAndLoad(page, page.getByRole('contentinfo').getByRole('link', { name: 'Offre d’activités' }));
      await page.getByRole('heading', { level: 2, name: 'Culture' }).waitFor();
      await checkPage(page, 'offer');
      await clickAndLoad(page, page.getByRole('link', { name: 'Atelier théâtre', exact: true }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Atelier théâtre');
      await checkPage(page, 'offer detail');

      // "Inscrire mon enfant" leads a visitor to the sign-in; the parent signs in and asks for the enrolment.
      await clickAndLoad(page, page.getByRole('link', { name: /^Inscrire mon enfant/ }));
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');
      await clickAndLoad(page, page.getByRole('link', { name: 'Inscrire mon enfant à une activité' }));
      await checkPage(page, 'choice of activity');
      await clickAndLoad(page, page.getByRole('link', { name: /Atelier théâtre/ }));
      await page.getByText("Noé D'AUBIGNÉ-LÉVÊQUE : ").waitFor();
      await clickAndLoad(page, page.getByRole('button', { name: "Envoyer la demande d'inscription" }));
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'enrolment form with errors');
      await page.getByLabel("Inès D'AUBIGNÉ-LÉVÊQUE").check();
      await page.getByRole('group', { name: /PAI/ }).getByLabel('Non').check();
      await page.getByLabel(/Certificat médical 2026/).check();
      await clickAndLoad(page, page.getByRole('button', { name: "Envoyer la demande d'inscription" }));
      await page.waitForURL('**/mon-espace/inscriptions/*');
      expect(await page.getByRole('status').textContent()).toContain("Votre demande d'inscription a été envoyée");
      await checkPage(page, 'application status');
      const requestId = page.url().split('/').pop()!;

      // An agent accepts it, in the same browser after the parent signs out.
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL('**/tarnos/?deconnexion=1');
      const agent = await createAgentFixture(server.db.pool, 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');
      await page.goto(urls.agentEnrolmentSettings('tarnos', activityId));
      await checkPage(page, 'online enrolment settings');
      await page.getByLabel('Âge minimum (en années, au premier jour de l’activité)').fill('douze');
      await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer' }));
      await checkPage(page, 'online enrolment settings with an error');
      await page.goto(urls.agentAllocation('tarnos', activityId));
      await checkPage(page, 'allocation page');
      await page.goto(urls.agentRequest('tarnos', requestId));
      await clickAndLoad(page, page.getByRole('button', { name: "Accepter l'inscription" }));
      await page.getByRole('button', { name: /Se déconnecter/ }).click();
      await page.waitForURL('**/tarnos/**');

      // The parent sees it accepted and books the first Wednesday.
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');
      await page.goto(urls.enrolmentApplication('tarnos', requestId));
      expect(await page.locator('dt:text-is("État") + dd').textContent()).toBe('Acceptée');
      const { rows } = await server.db.pool.query<{ id: string }>(`select id from enrolments where child_id = $1 and activity_id = $2`, [
        childId,
        activityId,
      ]);
      await page.goto(urls.reservationGrid('tarnos', childId, rows[0]!.id, { mois: '2027-01' }));
      await page.getByRole('checkbox', { name: 'Séance, mercredi 6 janvier' }).check();
      await page.getByRole('button', { name: /Continuer vers le récapitulatif/ }).click();
      await page.waitForURL('**/recapitulatif');
      await page.getByRole('button', { name: 'Valider' }).click();
      await page.waitForURL('**/mon-espace/reservations/demandes/*');
    } finally {
      await context.close();
    }
    const booked = await server.db.pool.query<{ day: string; status: string }>(`select day, status from reservations where child_id = $1`, [
      childId,
    ]);
    expect(booked.rows).toEqual([{ day: '2027-01-06', status: 'booked' }]);
  });
});
