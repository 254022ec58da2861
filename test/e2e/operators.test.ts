import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../src/features/operators/operators.service.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';

/**
 * Issue 20 in Chromium: an operator of the host signs in, adds a town (once wrongly, then
 * rightly), and opens its removal page. Every page is checked with axe.
 */

let server: E2eServer;
let browser: Browser;
const PASSWORD = 'Hebergeur-Exploit-2026';

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer(), launchBrowser()]);
  await createOperator({ pool: server.db.pool, clock: server.clock }, { username: 'ops', displayName: 'Opératrice', password: PASSWORD });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the operators' pages in Chromium", { timeout: 120_000 }, () => {
  it('signs in, adds a town after an error, and opens its removal', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto(urls.operatorSignIn());
      await checkPage(page, 'operators sign-in');
      await page.getByLabel("Nom d'utilisateur").fill('ops');
      await page.getByLabel('Mot de passe').fill(PASSWORD);
      await clickAndLoad(page, page.getByRole('button', { name: 'Connexion' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Communes');
      await checkPage(page, 'towns');

      await clickAndLoad(page, page.getByRole('link', { name: 'Ajouter une commune' }));
      await checkPage(page, 'new town');
      await page.getByLabel('Identifiant dans les adresses').fill('Saint Lô');
      await page.getByLabel('Nom de la commune').fill('Ville de Saint-Lô');
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Créer la commune' }))).toBe(400);
      expect(await page.title()).toMatch(/^Erreur : Ajouter une commune/);
      await checkPage(page, 'new town, with errors');

      await page.getByLabel('Identifiant dans les adresses').fill('saint-lo');
      await page.getByLabel("Nom d'utilisateur").fill('admin.stlo');
      await page.getByLabel('Mot de passe').fill('Mairie-Saint-Lo-2026');
      await clickAndLoad(page, page.getByRole('button', { name: 'Créer la commune' }));
      expect(await page.getByRole('status').textContent()).toContain('La commune Ville de Saint-Lô est créée');

      await clickAndLoad(page, page.getByRole('link', { name: 'Supprimer Ville de Saint-Lô' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Supprimer la commune Ville de Saint-Lô');
      await checkPage(page, 'town removal');
    } finally {
      await context.close();
    }
  });
});
