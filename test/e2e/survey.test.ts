import type { Browser } from 'playwright-core';
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
import { createAgentFixture, createFamily, createParent, LONG_AGENT_NAME, LONG_NAME, longEmail } from '../helpers/fixtures.js';

/**
 * VOTRE AVIS NOUS INTÉRESSE in Chromium (issue 17), in one browser context: a parent answers
 * Bayeux's demo survey (first without a rating: the error summary), then sets which
 * reminders to receive; an admin reads the results as a chart with its table. axe at 1280
 * and 320 px on each page.
 */

const clock = new FixedClock('2026-12-03T09:00:00Z');
let server: E2eServer;
let browser: Browser;
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const family = await createFamily(db, 'bayeux', { name: LONG_NAME.lastName });
  parent = await createParent(db, 'bayeux', { familyId: family.id, ...LONG_NAME, email: longEmail() });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the satisfaction survey in Chromium', { timeout: 240_000 }, () => {
  it('a parent answers it and an admin reads the results', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto('/bayeux/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/bayeux/mon-espace');

      await page.goto(urls.survey('bayeux'));
      await checkPage(page, 'the survey');
      const first = page.getByRole('group', { name: /Êtes-vous satisfait des repas servis/ });
      await first.getByLabel('4 – Satisfait').check();
      await page
        .getByRole('group', { name: /Les réservations en ligne/ })
        .getByLabel('5 – Très satisfait')
        .check();
      // The third question left without a rating: refused, said in French, the choices kept.
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer mon avis' }))).toBe(400);
      expect(await page.title()).toMatch(/^Erreur : /);
      expect(await page.locator('.error-summary').textContent()).toContain('Choisissez une note pour la question 3');
      expect(await first.getByLabel('4 – Satisfait').isChecked()).toBe(true);
      await checkPage(page, 'the survey with an error');
      await page
        .getByRole('group', { name: /L'accueil de votre enfant/ })
        .getByLabel('3 – Moyennement satisfait')
        .check();
      await page.getByLabel('Commentaire (facultatif)').fill('Plus de légumes, merci.');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer mon avis' }))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('Merci pour votre réponse');
      expect(await page.locator('main').textContent()).toContain('Merci, vous avez déjà répondu');
      await checkPage(page, 'the survey answered');

      await page.goto(urls.reminderPreferences('bayeux'));
      await checkPage(page, 'reminder preferences');
      await page.getByLabel('Factures').uncheck();
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer mes choix' }))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('Vos choix de rappels sont enregistrés');

      const admin = await createAgentFixture(server.db.pool, 'bayeux', 'admin', { displayName: LONG_AGENT_NAME });
      await page.goto(urls.agentSignIn('bayeux'));
      await page.getByLabel("Nom d'utilisateur").fill(admin.username);
      await page.getByLabel('Mot de passe').fill(admin.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/bayeux/agents');
      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Enquêtes' }));
      await checkPage(page, 'surveys');
      await clickAndLoad(page, page.getByRole('link', { name: 'Ouvrir une enquête' }));
      await checkPage(page, 'the survey form');
      await clickAndLoad(page, page.getByRole('link', { name: 'Toutes les enquêtes' }));
      await clickAndLoad(page, page.getByRole('link', { name: 'La restauration scolaire' }));
      expect(await page.getByRole('img', { name: 'Réponses par note, question 1' }).count()).toBe(1);
      const table = page.getByRole('table', { name: 'Réponses par note, question 1' });
      expect(await table.getByRole('row', { name: /4 – Satisfait/ }).textContent()).toContain('1');
      expect(await page.locator('.survey-comments').textContent()).toContain('Plus de légumes, merci.');
      await checkPage(page, 'survey results');
    } finally {
      await context.close();
    }
  });
});
