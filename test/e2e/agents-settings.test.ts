import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP_VIEWPORT,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  launchBrowser,
  NARROW_VIEWPORT,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { createAgentFixture } from '../helpers/fixtures.js';

/**
 * Town settings and news in Chromium (Tarnos): every page of this area, in its normal
 * state and in an error state of each form, with zero axe violations on desktop and at
 * 320 px, and nothing overflowing sideways.
 */

/** The page's window as evaluate() sees it (the project compiles without the DOM library). */
interface StyleWindow {
  getComputedStyle(element: unknown): { backgroundColor: string; whiteSpace: string };
}

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer(), launchBrowser()]);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** Runs a navigating action and resolves with the final document's status, once loaded (after any 303). */
async function navigate(action: () => Promise<unknown>): Promise<number> {
  const response = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400),
  );
  await action();
  const status = (await response).status();
  await page.waitForLoadState('load');
  return status;
}

const open = (path: string) => navigate(() => page.goto(`${server.baseUrl}${path}`));
const click = (target: Locator) => navigate(() => target.click());
const button = (name: string | RegExp) => page.getByRole('button', { name, exact: typeof name === 'string' });
const heading = async () => ((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim();

async function checkPage(label: string): Promise<void> {
  await expectNoAxeViolations(page, `${label}, desktop`);
  await page.setViewportSize(NARROW_VIEWPORT);
  try {
    await expectNoAxeViolations(page, `${label}, 320 px`);
    await expectNoHorizontalScroll(page, label);
  } finally {
    await page.setViewportSize(DESKTOP_VIEWPORT);
  }
}

/** The error state: 400, "Erreur : " title, focus on the summary, its link to the field, the message beside it. */
async function expectErrorState(status: number, field: string, message: string | RegExp): Promise<void> {
  expect(status).toBe(400);
  expect(await page.title()).toMatch(/^Erreur : /);
  await expect.poll(() => page.locator('[data-error-summary]:focus').count()).toBe(1);
  const link = page.locator('[data-error-summary]').getByRole('link', { name: message });
  expect(await link.getAttribute('href')).toBe(`#${field}`);
  expect(await page.locator(`#${field}-error`).textContent()).toMatch(message);
  expect(await page.locator(`#${field}`).getAttribute('aria-invalid')).toBe('true');
}

describe('town settings and news in Chromium (Tarnos)', () => {
  it('signs an admin in and finds Paramètres and Actualités in the navigation', async () => {
    const admin = await createAgentFixture(server.db.pool, 'tarnos', 'admin');
    context = await newContext(browser);
    page = await context.newPage();
    expect(await open('/tarnos/agents/connexion')).toBe(200);
    await page.getByLabel("Nom d'utilisateur").fill(admin.username);
    await page.getByLabel('Mot de passe').fill(admin.password);
    expect(await click(button('Connexion'))).toBe(200);
    const nav = page.getByRole('navigation', { name: 'Espace agents' });
    expect(await click(nav.getByRole('link', { name: 'Paramètres' }))).toBe(200);
    expect(await heading()).toBe('Paramètres de la commune');
    expect(await nav.getByRole('link', { name: 'Paramètres' }).getAttribute('aria-current')).toBe('page');
    await checkPage('settings overview');
  });

  it('name, colour and welcome text: the refused colour, the preview, the saved colour on the header', async () => {
    expect(await click(page.getByRole('link', { name: 'Modifier le nom, la couleur et le texte d’accueil' }))).toBe(200);
    expect(await heading()).toBe('Nom, couleur et accueil');
    await checkPage('town form');

    await page.getByLabel('Couleur').fill('#ffcc00');
    await expectErrorState(await click(button('Enregistrer')), 'couleur', /La couleur #ffcc00 est trop claire/);
    expect(await page.getByText('contraste de 1,51:1 avec le texte blanc, insuffisant').count()).toBe(1);
    await checkPage('town form, colour too light');

    await page.getByLabel('Couleur').fill('#5a2d82');
    expect(await click(button('Voir l’aperçu de la couleur'))).toBe(200);
    expect(await page.getByText('Rien n’est encore enregistré.').count()).toBe(1);
    await checkPage('town form, preview');

    expect(await click(button('Enregistrer'))).toBe(200);
    expect(await heading()).toBe('Paramètres de la commune');
    expect(await page.getByRole('status').textContent()).toContain('ont été enregistrés');
    // The header takes the new colour at once (a new theme address).
    const background = await page
      .locator('.site-header')
      .evaluate((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(90, 45, 130)');
    await checkPage('settings overview after a save');
  });

  it('services: the list, the form and its error state, the edit form', async () => {
    expect(await open('/tarnos/agents/parametres/services')).toBe(200);
    await checkPage('services');
    expect(await click(page.getByRole('link', { name: 'Ajouter un service' }))).toBe(200);
    await checkPage('new service');
    await page.getByLabel('Nom du service').fill('Service Jeunesse');
    await page.getByLabel('Téléphone').fill('12');
    await page.getByLabel('Courriel').fill('jeunesse@');
    const status = await click(button('Enregistrer'));
    await expectErrorState(status, 'telephone', 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 34 46');
    expect(await page.locator('#courriel-error').count()).toBe(1);
    await checkPage('new service, errors');
    await page.getByLabel('Téléphone').fill('05 59 64 34 46');
    await page.getByLabel('Courriel').fill('jeunesse@ville-tarnos.fr');
    expect(await click(button('Enregistrer'))).toBe(200);
    expect(await page.getByRole('heading', { level: 2, name: 'Service Jeunesse' }).count()).toBe(1);
    expect(await click(button('Monter le service Service Jeunesse'))).toBe(200);
    expect(await click(page.getByRole('link', { name: 'Modifier le service Service Jeunesse' }))).toBe(200);
    expect(await heading()).toBe('Modifier le service');
    await checkPage('edit service');
  });

  it('passwords and activation: the form and its error state', async () => {
    expect(await open('/tarnos/agents/parametres/mots-de-passe')).toBe(200);
    await checkPage('passwords');
    await page.getByLabel('Longueur minimale').fill('65');
    await expectErrorState(
      await click(button('Enregistrer')),
      'longueurMin',
      'La longueur minimale doit être un nombre entier entre 8 et 64',
    );
    await checkPage('passwords, error');
    await page.getByLabel('Longueur minimale').fill('10');
    await page.getByLabel('1 majuscule').uncheck();
    expect(await click(button('Enregistrer'))).toBe(200);
    expect(await page.getByText('au moins 10 caractères dont 1 minuscule et 1 chiffre').count()).toBe(1);
  });

  it('closures and school holidays: the page and its error state', async () => {
    expect(await open('/tarnos/agents/parametres/calendrier')).toBe(200);
    await checkPage('calendar');
    await page.getByLabel('Libellé').fill('Fermeture estivale');
    await page.getByLabel('Premier jour').fill('13/08/2027');
    await page.getByLabel('Dernier jour (inclus)').fill('02/08/2027');
    await expectErrorState(
      await click(button('Ajouter la période')),
      'au',
      'Le dernier jour doit être le même que le premier jour ou après',
    );
    await checkPage('calendar, error');
    await page.getByLabel('Premier jour').fill('02/08/2027');
    await page.getByLabel('Dernier jour (inclus)').fill('13/08/2027');
    expect(await click(button('Ajouter la période'))).toBe(200);
    expect(await page.getByRole('rowheader', { name: 'Fermeture estivale' }).count()).toBe(1);
    await checkPage('calendar with a closure');
  });

  it('CGU and mentions légales: the page, its error state, a past version', async () => {
    for (const [slug, name] of [
      ['cgu', "Conditions générales d'utilisation"],
      ['mentions-legales', 'Mentions légales'],
    ] as const) {
      expect(await open(`/tarnos/agents/parametres/${slug}`)).toBe(200);
      expect(await heading()).toBe(name);
      await checkPage(`${slug}`);
      await page.getByLabel('Texte de la version 2').fill('');
      await expectErrorState(await click(button('Publier la version 2')), 'texte', 'Saisissez le texte');
      await checkPage(`${slug}, error`);
      await page.getByLabel('Texte de la version 2').fill(`${name}, version 2.\n\nUn deuxième paragraphe.`);
      expect(await click(button('Publier la version 2'))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('La version 2');
      expect(await click(page.getByRole('link', { name: 'Version 1', exact: true }))).toBe(200);
      expect(await heading()).toBe(`${name} – version 1`);
      await checkPage(`${slug}, version 1`);
    }
  });

  it('news: the list, writing with an error, publishing to the town home, editing, unpublishing', async () => {
    const nav = page.getByRole('navigation', { name: 'Espace agents' });
    expect(await click(nav.getByRole('link', { name: 'Actualités' }))).toBe(200);
    await checkPage('news list');
    expect(await click(page.getByRole('link', { name: 'Écrire une actualité' }))).toBe(200);
    await checkPage('new news item');
    await page.getByLabel('Titre').fill('Fermeture estivale des services');
    await expectErrorState(await click(button('Enregistrer')), 'texte', 'Saisissez le texte de l’actualité');
    await checkPage('new news item, error');
    await page.getByLabel('Texte').fill('Les services seront fermés du 2 au 13 août.\n\nBonnes vacances à tous !');
    expect(await click(button('Enregistrer'))).toBe(200);
    expect(await click(button('Publier l’actualité Fermeture estivale des services'))).toBe(200);
    await checkPage('news list with a published item');

    const visitor = await context.browser()!.newContext({ locale: 'fr-FR' });
    try {
      const home = await visitor.newPage();
      await home.goto(`${server.baseUrl}/tarnos/`);
      const item = home.locator('.news-item', { hasText: 'Fermeture estivale des services' });
      expect(await item.count()).toBe(1);
      // The excerpt (the first paragraph, "Lire la suite" for the rest) keeps its line breaks.
      expect(
        await item.locator('.news-item__excerpt').evaluate((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).whiteSpace),
      ).toBe('pre-line');

      expect(await click(page.getByRole('link', { name: /^Fermeture estivale des services/ }))).toBe(200);
      expect(await heading()).toBe('Modifier l’actualité');
      await checkPage('edit news item');
      await page.getByLabel('Titre').fill('');
      await expectErrorState(await click(button('Enregistrer')), 'titre', 'Saisissez le titre de l’actualité');
      await checkPage('edit news item, error');
      expect(await open('/tarnos/agents/actualites')).toBe(200);
      expect(await click(button('Retirer l’actualité Fermeture estivale des services'))).toBe(200);
      await home.reload();
      expect(await home.locator('.news-item', { hasText: 'Fermeture estivale des services' }).count()).toBe(0);
    } finally {
      await visitor.close();
    }
  });
});
