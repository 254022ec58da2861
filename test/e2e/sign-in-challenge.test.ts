import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CAPTCHA } from '../helpers/app.js';
import { clickAndLoad, expectAccessiblePage, launchBrowser, newContext, startE2eServer, type E2eServer } from '../helpers/browser.js';
import { createAgentFixture, createParent } from '../helpers/fixtures.js';

/**
 * Issue 10: after a few failed sign-ins, a browser that never signed in to the account must
 * pass the CAPTCHA (image or text question). In Chromium: the challenged form passes axe on a
 * desktop and at 320 px, keeps the identifier, and Enter still means "Connexion".
 */
let server: E2eServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function fail(page: Page, path: string, identifiant: string, times: number) {
  for (let i = 0; i < times; i++) {
    await page.goto(path);
    await page.getByLabel(/^Identifiant|^Nom d'utilisateur/).fill(identifiant);
    await page.getByLabel('Mot de passe', { exact: true }).fill(`Faux-Mot-${i}`);
    expect(await clickAndLoad(page, page.getByRole('button', { name: 'Connexion' }))).toBe(401);
  }
}

describe('the sign-in CAPTCHA in a browser', () => {
  for (const who of ['parent', 'agent'] as const) {
    it(`challenges ${who === 'agent' ? 'an agent' : 'a parent'} after 3 failures, accessibly, and lets the right answer in with Enter`, async () => {
      const account = who === 'parent' ? await createParent(server.db.pool, 'tarnos') : await createAgentFixture(server.db.pool, 'tarnos');
      const path = who === 'parent' ? '/tarnos/' : '/tarnos/agents/connexion';
      const context = await newContext(browser, { baseURL: server.baseUrl });
      const page = await context.newPage();
      try {
        await fail(page, path, account.username, 3);
        await page.getByLabel('Mot de passe', { exact: true }).fill(account.password);
        expect(await clickAndLoad(page, page.getByRole('button', { name: 'Connexion' }))).toBe(400);
        await page.getByRole('group', { name: 'Contrôle de sécurité' }).waitFor();
        expect(await page.getByLabel(/^Identifiant|^Nom d'utilisateur/).inputValue()).toBe(account.username);
        expect(await page.getByLabel('Mot de passe', { exact: true }).inputValue()).toBe('');
        await expectAccessiblePage(page, `${who} sign-in with the CAPTCHA`);

        // "Changer le texte de contrôle" gives a new one and keeps the identifier.
        expect(await clickAndLoad(page, page.getByRole('button', { name: 'Changer le texte de contrôle' }))).toBe(200);
        expect(await page.getByLabel(/^Identifiant|^Nom d'utilisateur/).inputValue()).toBe(account.username);

        await page.getByLabel('Mot de passe', { exact: true }).fill(account.password);
        await page.getByLabel('Entrer le texte ci-dessous').fill(TEST_CAPTCHA);
        await page.getByLabel('Entrer le texte ci-dessous').press('Enter');
        await page.waitForURL(who === 'parent' ? '**/tarnos/mon-espace' : '**/tarnos/agents');
      } finally {
        await context.close();
      }
    });
  }
});
