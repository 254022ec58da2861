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
import { pdf } from '../helpers/files.js';
import { AGENT_PASSWORD, createAgentFixture, LONG_AGENT_NAME } from '../helpers/fixtures.js';

/**
 * INFOS PRATIQUES in Chromium: an agent writes a page with a list and a link, previews it,
 * saves, publishes and attaches a PDF; a visitor finds it from the index and sees the file.
 * Every page is checked with axe on a desktop and at 320 px.
 */

const clock = new FixedClock('2026-12-02T09:00:00Z');
let server: E2eServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('Infos pratiques in Chromium', { timeout: 240_000 }, () => {
  it('an agent writes, previews, publishes and attaches a PDF; a visitor reads the page and sees the file', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(server.db.pool, 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');
      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Infos pratiques' }));
      await checkPage(page, 'agents’ list');
      await clickAndLoad(page, page.getByRole('link', { name: 'Écrire une page' }));

      await page.getByLabel('Titre').fill('Accueil périscolaire');
      await page.getByLabel('Adresse de la page').fill('accueil-periscolaire');
      await page.getByLabel('Service').selectOption({ label: 'Direction Éducation Enfance Jeunesse' });
      await page
        .getByLabel('Texte')
        .fill(
          '# Horaires\n\n- le matin de 7 h 30 à 8 h 30\n- le soir de 16 h 30 à 18 h 30\n\n[Le calendrier scolaire](https://www.education.gouv.fr)',
        );
      await clickAndLoad(page, page.getByRole('button', { name: 'Prévisualiser' }));
      const preview = page.getByRole('region', { name: 'Aperçu (non enregistré)' });
      await expect(preview.getByRole('listitem').allTextContents()).resolves.toEqual([
        'le matin de 7 h 30 à 8 h 30',
        'le soir de 16 h 30 à 18 h 30',
      ]);
      await checkPage(page, 'form with preview');
      await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer' }));
      await clickAndLoad(page, page.getByRole('button', { name: 'Publier la page Accueil périscolaire' }));
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('est publiée sur le portail');

      await clickAndLoad(page, page.getByRole('link', { name: 'Accueil périscolaire (modifier)' }));
      await page
        .getByLabel('Ajouter des fichiers')
        .setInputFiles({ name: 'Tarifs périscolaire.pdf', mimeType: 'application/pdf', buffer: pdf('Tarifs') });
      await clickAndLoad(page, page.getByRole('button', { name: 'Ajouter', exact: true }));
      await expect(page.locator('.file-list li').first().textContent()).resolves.toContain('Tarifs périscolaire.pdf');
      await checkPage(page, 'form with a file');

      // A visitor, in a fresh context.
      const visitor = await (await newContext(browser, { baseURL: server.baseUrl })).newPage();
      await visitor.goto('/tarnos/');
      await clickAndLoad(visitor, visitor.getByRole('link', { name: 'Toutes les infos pratiques des services' }));
      await checkPage(visitor, 'public index');
      await clickAndLoad(visitor, visitor.getByRole('link', { name: 'Accueil périscolaire' }));
      expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe('Accueil périscolaire');
      expect(await visitor.getByRole('heading', { level: 2, name: 'Horaires' }).count()).toBe(1);
      expect(await visitor.getByRole('link', { name: 'Le calendrier scolaire' }).getAttribute('rel')).toBe('noopener noreferrer');
      const file = visitor.locator('.file-list li');
      expect(await file.textContent()).toMatch(/Tarifs périscolaire\.pdf \(PDF, 1 Ko\)/);
      await checkPage(visitor, 'public page');
      const download = await visitor.request.get((await file.getByRole('link').getAttribute('href'))!);
      expect(download.headers()['content-type']).toBe('application/pdf');
      await visitor.context().close();
    } finally {
      await context.close();
    }
  });
});
