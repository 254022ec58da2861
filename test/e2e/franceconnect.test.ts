import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_SECRET, devIssuer } from '../../src/features/dev/identity-provider.js';
import { forgetTown } from '../../src/middleware/town.js';
import { TEST_CAPTCHA } from '../helpers/app.js';
import {
  clickAndLoad as click,
  expectAccessiblePage as checkPage,
  heading,
  launchBrowser,
  navigate,
  newContext,
  startE2eServer,
  waitFor,
  type E2eServer,
} from '../helpers/browser.js';
import { createAgentFixture } from '../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../helpers/smtp.js';

/**
 * Issue 18 in Chromium: a parent creates an account through FranceConnect's test identity
 * (the built-in provider), confirms the email, signs in with the button, signs out (of
 * FranceConnect too) and signs in again with the button. axe on every page of the flow.
 */
let server: E2eServer;
let browser: Browser;
const smtp = new TestSmtpServer();

beforeAll(async () => {
  await smtp.start();
  [server, browser] = await Promise.all([startE2eServer({ smtpUrl: smtp.url }), launchBrowser()]);
  await server.db.pool.query(
    `insert into franceconnect_settings (town_id, enabled, client_id, client_secret, discovery_url)
     select id, true, slug, $1, $2 from towns where slug = 'tarnos'`,
    [DEV_CLIENT_SECRET, `${devIssuer(server.baseUrl)}/.well-known/openid-configuration`],
  );
  forgetTown();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
});

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const EMAIL = 'angela.dubois@exemple.fr';
const PASSWORD = 'Plage-Metro-2026';

/** The button on the home page, then the test identity on the provider's page. */
async function signInWithButton(page: Page, check: boolean): Promise<number> {
  expect(await click(page, page.getByRole('link', { name: "S'identifier avec FranceConnect" }))).toBe(200);
  expect(await heading(page)).toBe("Fournisseur d'identité de test");
  if (check) await checkPage(page, 'test provider: choosing an identity');
  await page.getByRole('radio', { name: /Angela Claire Louise DUBOIS/ }).check();
  return click(page, button(page, 'Continuer'));
}

describe('FranceConnect in Chromium (Tarnos)', () => {
  it(
    'creates an account from the test identity, confirms the email, signs out and in again with the button',
    { timeout: 180_000 },
    async () => {
      const context = await newContext(browser);
      try {
        const page = await context.newPage();
        expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/`))).toBe(200);
        expect(await page.getByRole('link', { name: /Qu'est-ce que FranceConnect/ }).count()).toBe(1);
        await checkPage(page, 'town home with the FranceConnect button');

        // ------------------------------------------------ first use: no account yet → Créer mon espace
        expect(await signInWithButton(page, true)).toBe(200);
        expect(await heading(page)).toBe('Première connexion avec FranceConnect');
        await checkPage(page, 'first use');
        expect(await click(page, button(page, 'Créer mon espace'))).toBe(200);

        expect(await heading(page)).toBe('Identité');
        expect(await page.getByText('Fourni par FranceConnect').count()).toBe(1);
        expect(await page.getByLabel('Prénom(s)').count()).toBe(0);
        expect(await page.getByLabel('Nom usuel').inputValue()).toBe('DUBOIS');
        await checkPage(page, 'IDENTITÉ from FranceConnect');
        await page.getByLabel('Commune de naissance').fill('Paris');
        expect(await click(page, button(page, 'Suivant'))).toBe(200);

        expect(await heading(page)).toBe('Adresse');
        await checkPage(page, 'ADRESSE');
        await page.getByLabel('Numéro').fill('3');
        await page.getByLabel('Nom de la voie').fill('Rue des Pins');
        await page.getByLabel('Code postal').fill('40220');
        await page.getByLabel('Ville').fill('Tarnos');
        expect(await click(page, button(page, 'Suivant'))).toBe(200);

        expect(await heading(page)).toBe('Moyens de contact');
        await checkPage(page, 'MOYENS DE CONTACT');
        await page.getByLabel('Courriel').fill(EMAIL);
        await page.getByLabel('Moyen de contact préféré').selectOption({ label: 'Courriel' });
        expect(await click(page, button(page, 'Suivant'))).toBe(200);

        expect(await heading(page)).toBe('Authentification');
        await checkPage(page, 'AUTHENTIFICATION');
        await page.getByLabel("Nom d'utilisateur").fill('adubois');
        await page.getByLabel(/Mot de passe/).fill(PASSWORD);
        await page.getByLabel(/Confirmation du mot de passe/).fill(PASSWORD);
        await page.getByLabel('Entrer le texte ci-dessous').fill(TEST_CAPTCHA);
        expect(await click(page, button(page, 'Valider'))).toBe(200);
        expect(await heading(page)).toBe('Votre espace a bien été créé');
        await checkPage(page, 'confirmation');

        // ------------------------------------------------ the email's link
        const mail = await waitFor(() => smtp.to(EMAIL)[0], 15_000, 'the activation mail');
        const link = linksIn(mail).find((l) => l.startsWith(`${server.baseUrl}/tarnos/activation`));
        expect(link, `activation link in:\n${mail.text}`).toBeDefined();
        expect(await navigate(page, () => page.goto(link!))).toBe(200);
        expect(await heading(page)).toBe('Votre espace est activé');
        await checkPage(page, 'activation');
        expect(await click(page, page.getByRole('link', { name: "Aller à l'accueil pour me connecter" }))).toBe(200);

        // ------------------------------------------------ the button opens the new account (CGU first)
        expect(await signInWithButton(page, false)).toBe(200);
        expect(await heading(page)).toBe("Conditions générales d'utilisation");
        const accept = button(page, "J'accepte les conditions générales d'utilisation");
        await page.getByRole('region', { name: /Texte des conditions générales d'utilisation/ }).focus();
        await page.keyboard.press('End');
        await expect.poll(() => accept.isEnabled()).toBe(true);
        expect(await click(page, accept)).toBe(200);
        expect(await heading(page)).toMatch(/^Bonjour Madame DUBOIS/);
        await checkPage(page, 'dashboard after FranceConnect');

        // ------------------------------------------------ sign-out ends FranceConnect's session too
        expect(await click(page, button(page, 'Se déconnecter'))).toBe(200);
        await page.waitForURL(/\/fournisseur-identite-de-test\/session\/end/);
        await page.waitForLoadState('load');
        expect(await heading(page)).toBe('Se déconnecter');
        await checkPage(page, 'test provider: signing out');
        expect(await click(page, button(page, 'Se déconnecter'))).toBe(200);
        expect(new URL(page.url()).pathname).toBe('/tarnos/');
        expect(await page.getByText('Vous êtes déconnecté').count()).toBe(1);

        // ------------------------------------------------ and in again with the button
        expect(await signInWithButton(page, false)).toBe(200);
        expect(await heading(page)).toMatch(/^Bonjour Madame DUBOIS/);
      } finally {
        await context.close();
      }
    },
  );

  it('an admin allowed ProConnect signs in to the back-office with it; its pages are accessible', { timeout: 120_000 }, async () => {
    await server.db.pool.query(
      `insert into proconnect_settings (town_id, enabled, client_id, client_secret, discovery_url)
       select id, true, slug, $1, $2 from towns where slug = 'tarnos'`,
      [DEV_CLIENT_SECRET, `${devIssuer(server.baseUrl)}/.well-known/openid-configuration`],
    );
    const admin = await createAgentFixture(server.db.pool, 'tarnos', 'admin', { displayName: 'Claire Martin' });
    await server.db.pool.query(`update agents set email = 'claire.martin@mairie.exemple.fr', proconnect_allowed = true where id = $1`, [
      admin.id,
    ]);
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/connexion`))).toBe(200);
      await checkPage(page, 'agents sign-in with ProConnect');
      expect(await click(page, page.getByRole('link', { name: "S'identifier avec ProConnect" }))).toBe(200);
      expect(await heading(page)).toBe("Fournisseur d'identité de test");
      await checkPage(page, 'test provider: choosing an agent');
      await page.getByRole('radio', { name: /Claire MARTIN/ }).check();
      expect(await click(page, button(page, 'Continuer'))).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/tarnos/agents');

      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/equipe`))).toBe(200);
      expect(await page.getByRole('columnheader', { name: 'ProConnect' }).count()).toBe(1);
      await checkPage(page, 'team with the ProConnect column');
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/parametres/proconnect`))).toBe(200);
      await checkPage(page, 'ProConnect settings');
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/parametres/franceconnect`))).toBe(200);
      await checkPage(page, 'FranceConnect settings');
    } finally {
      await context.close();
    }
  });
});
