import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import {
  clickAndLoad,
  DESKTOP_VIEWPORT,
  expectAccessiblePage as checkPage,
  launchBrowser,
  NARROW_VIEWPORT,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { createFamily, createNews, createParent, LONG_NAME, longEmail } from '../helpers/fixtures.js';

/**
 * Issue 17 in Chromium: the portal's menu by keyboard, as a disclosure at 320 px and as a bar
 * on a wide screen, the current page marked; a parent reads a families' news item through
 * "Lire la suite". axe on the home, the archive and the item's page.
 */

const clock = new FixedClock('2026-12-02T09:00:00Z');
let server: E2eServer;
let browser: Browser;
let parent: Awaited<ReturnType<typeof createParent>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  await createNews(db, 'tarnos', {
    title: 'Bienvenue sur votre espace privé',
    body: 'Suivez vos démarches et réservez les activités de vos enfants.\n\nVos documents restent dans votre espace de stockage.',
    visibility: 'families',
    publishedAt: new Date('2026-12-01T08:00:00Z'),
  });
  const family = await createFamily(db, 'tarnos', { name: LONG_NAME.lastName });
  parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The page's globals these checks read (the tests compile without the DOM's types). */
interface FocusWindow {
  document: {
    activeElement: { textContent: string | null; matches(selector: string): boolean; closest(selector: string): unknown } | null;
  };
}

/** Tabs forward until `focused` (run in the page, so self-contained) holds (a few dozen stops at most). */
async function tabTo(page: Page, focused: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(focused)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

/** The entry marked in the list the viewport shows (the other one carries the same mark). */
const currentEntry = async (page: Page) => {
  const narrow = (page.viewportSize()?.width ?? 0) < 768;
  return page.locator(`${narrow ? '.town-menu__disclosure' : '.town-menu__bar'} a[aria-current="page"]`).textContent();
};

describe('the portal’s menu and news in Chromium', { timeout: 240_000 }, () => {
  it('opens the menu by keyboard at 320 px and on a wide screen, marks the current page, and lets a parent read a private item', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl, viewport: NARROW_VIEWPORT });
    const page = await context.newPage();
    try {
      // At 320 px: the disclosure, reached by Tab, opened by Enter, closed and opened again by Space.
      await page.goto('/tarnos/');
      await tabTo(
        page,
        () => (globalThis as unknown as FocusWindow).document.activeElement?.matches('summary.town-menu__toggle') === true,
        'the menu button',
      );
      const details = page.locator('details.town-menu__disclosure');
      expect(await details.getAttribute('open')).toBeNull();
      await page.keyboard.press('Enter');
      expect(await details.getAttribute('open')).toBe('');
      await page.keyboard.press('Space');
      expect(await details.getAttribute('open')).toBeNull();
      await page.keyboard.press('Space');
      expect(await details.getAttribute('open')).toBe('');
      expect(await currentEntry(page)).toBe('Accueil');
      await tabTo(page, () => (globalThis as unknown as FocusWindow).document.activeElement?.textContent === 'Accueil', 'Accueil');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as FocusWindow).document.activeElement?.textContent)).toBe('Actualités');
      await Promise.all([page.waitForURL('**/tarnos/actualites'), page.keyboard.press('Enter')]);
      expect(await currentEntry(page)).toBe('Actualités');
      // A visitor never sees the families' item.
      expect(await page.getByRole('heading', { name: 'Bienvenue sur votre espace privé' }).count()).toBe(0);

      // On a wide screen: the bar, its entries reached by Tab.
      await page.setViewportSize(DESKTOP_VIEWPORT);
      await page.goto('/tarnos/');
      expect(await page.locator('details.town-menu__disclosure').isVisible()).toBe(false);
      await tabTo(
        page,
        () =>
          (globalThis as unknown as FocusWindow).document.activeElement?.closest('.town-menu__bar') != null &&
          (globalThis as unknown as FocusWindow).document.activeElement?.textContent === 'Activités',
        'Activités in the bar',
      );
      await Promise.all([page.waitForURL('**/tarnos/activites'), page.keyboard.press('Enter')]);
      expect(await currentEntry(page)).toBe('Activités');
      await page.goto('/tarnos/');
      await checkPage(page, 'home');

      // A parent signs in, opens the archive from the menu and reads the private item.
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await clickAndLoad(page, page.getByRole('button', { name: 'Connexion' }));
      await page.waitForURL('**/tarnos/mon-espace');
      await clickAndLoad(
        page,
        page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Actualités' }).locator('visible=true'),
      );
      await checkPage(page, 'archive');
      await clickAndLoad(page, page.getByRole('link', { name: 'Lire la suite : Bienvenue sur votre espace privé' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Bienvenue sur votre espace privé');
      expect(await page.getByText('Vos documents restent dans votre espace de stockage.').isVisible()).toBe(true);
      expect(await currentEntry(page)).toBe('Actualités');
      await checkPage(page, 'news item');
    } finally {
      await context.close();
    }
  });
});
