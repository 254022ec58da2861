import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import {
  AGENT_PASSWORD,
  createAgentFixture,
  createChild,
  createFamily,
  createParent,
  LONG_AGENT_NAME,
  LONG_NAME,
  longEmail,
} from '../helpers/fixtures.js';

/**
 * NOUVELLE DÉMARCHE (issue 17) in Chromium, one browser context: an admin builds a form with
 * a few fields and publishes it, a parent finds it in Nouvelle démarche and sends it (once
 * with errors), an agent reads the answers in the queue. Every new page is checked with axe
 * on a desktop and at 320 px.
 */

const clock = new FixedClock('2026-12-02T09:00:00Z');
let server: E2eServer;
let browser: Browser;
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName, postalCode: '40220' });
  await createChild(db, 'tarnos', family.id, { firstNames: 'Inès', lastName: LONG_NAME.lastName, birthDate: '2018-03-10' });
  parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signInAgent(page: Page, role: 'agent' | 'admin') {
  const agent = await createAgentFixture(server.db.pool, 'tarnos', role, { displayName: LONG_AGENT_NAME });
  await page.goto(urls.agentSignIn('tarnos'));
  await page.getByLabel("Nom d'utilisateur").fill(agent.username);
  await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForURL('**/tarnos/agents');
}

describe('a town form in Chromium', { timeout: 240_000 }, () => {
  it('an admin builds and publishes it, a parent sends it from Nouvelle démarche, an agent reads it', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await signInAgent(page, 'admin');
      await clickAndLoad(page, page.getByRole('link', { name: 'Formulaires', exact: true }));
      await checkPage(page, 'forms list');
      await clickAndLoad(page, page.getByRole('link', { name: 'Créer un formulaire' }));
      await page.getByLabel('Titre').fill('Demande de badge de cantine');
      await page.getByLabel('Introduction').fill('Pour obtenir un nouveau badge.');
      await page.getByLabel('Service qui reçoit les demandes').selectOption({ label: 'Direction Éducation Enfance Jeunesse' });
      await clickAndLoad(page, page.getByRole('button', { name: 'Créer le formulaire' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Demande de badge de cantine');
      await page.getByLabel('Libellé').fill('Motif');
      await page.getByLabel('Réponse obligatoire').check();
      await clickAndLoad(page, page.getByRole('button', { name: 'Ajouter le champ' }));
      // A choice without options is refused, the label kept.
      await page.getByLabel('Libellé').fill('Badge perdu ou abîmé');
      await page.getByLabel('Type de champ').selectOption({ label: 'Choix dans une liste' });
      await clickAndLoad(page, page.getByRole('button', { name: 'Ajouter le champ' }));
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'form builder with an error');
      await page.getByLabel('Options (pour un choix dans une liste)').fill('Perdu\nAbîmé');
      await page.getByLabel('Réponse obligatoire').check();
      await clickAndLoad(page, page.getByRole('button', { name: 'Ajouter le champ' }));
      await page.getByLabel('Libellé').fill('Date de la perte');
      await page.getByLabel('Type de champ').selectOption({ label: 'Date' });
      await clickAndLoad(page, page.getByRole('button', { name: 'Ajouter le champ' }));
      await checkPage(page, 'form builder');
      await clickAndLoad(page, page.getByRole('link', { name: 'Aperçu du brouillon' }));
      await checkPage(page, 'preview');
      await clickAndLoad(page, page.getByRole('link', { name: 'Retour au formulaire' }));
      await clickAndLoad(page, page.getByRole('button', { name: 'Publier', exact: true }));
      expect(await page.getByRole('status').textContent()).toContain('est publié (version 1)');
      await page.getByRole('button', { name: /Se déconnecter/ }).click();
      await page.waitForURL('**/tarnos/**');

      // The parent: Nouvelle démarche, the form, one attempt with errors, then sent.
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');
      await page.goto(urls.procedures('tarnos'));
      await checkPage(page, 'catalogue');
      await page.getByRole('link', { name: /Signaler une absence de Inès/ }).waitFor();
      await clickAndLoad(page, page.getByRole('link', { name: /Demande de badge de cantine/ }));
      await checkPage(page, 'form');
      await page.getByLabel('Date de la perte').fill('31/02/2026');
      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer aux services' }));
      expect(await page.title()).toMatch(/^Erreur : /);
      const summary = page.getByRole('alert');
      expect(await summary.getByRole('link').allTextContents()).toEqual([
        'Saisissez une réponse pour « Motif »',
        'Choisissez une réponse pour « Badge perdu ou abîmé »',
        "La date saisie pour « Date de la perte » n'existe pas : vérifiez le jour et le mois",
      ]);
      await checkPage(page, 'form with errors');
      await page.getByLabel(/Motif/).fill('Badge tombé dans la cour');
      await page
        .getByRole('group', { name: /Badge perdu ou abîmé/ })
        .getByLabel('Perdu')
        .check();
      await page.getByLabel('Date de la perte').fill('01/12/2026');
      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer aux services' }));
      await page.waitForURL('**/mon-espace/demandes/*');
      expect(await page.getByRole('status').textContent()).toContain('a été envoyée aux services');
      await checkPage(page, 'request sent');
      const requestId = page.url().split('/').pop()!;
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL('**/tarnos/?deconnexion=1');

      // An agent finds it in the queue and reads the answers.
      await signInAgent(page, 'agent');
      await page.goto(urls.agentRequests('tarnos'));
      await clickAndLoad(page, page.getByRole('link', { name: 'Demande de badge de cantine' }));
      expect(page.url()).toContain(urls.agentRequest('tarnos', requestId));
      expect(await page.locator('dt:text-is("Motif") + dd').textContent()).toBe('Badge tombé dans la cour');
      expect(await page.locator('dt:text-is("Date de la perte") + dd').textContent()).toBe('01/12/2026');
      await checkPage(page, 'request in the queue');
    } finally {
      await context.close();
    }
  });
});
