import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOWNS } from '../../src/db/demo-data.js';
import { enqueueMail } from '../../src/lib/mailer.js';
import {
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  expectTargetsOfMinimumSize,
  launchBrowser,
  NARROW_VIEWPORT,
  newContext,
  startE2eServer,
  type E2eServer,
  waitFor,
} from '../helpers/browser.js';
import { linksIn, TestSmtpServer } from '../helpers/smtp.js';

let server: E2eServer;
let browser: Browser;
const smtp = new TestSmtpServer();

beforeAll(async () => {
  await smtp.start();
  [server, browser] = await Promise.all([startE2eServer({ smtpUrl: smtp.url }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
});

interface PageCase {
  label: string;
  status: number;
  heading: string | RegExp;
  /** Brings a fresh page to the state under test; returns the HTTP status of the document. */
  open(page: Page, context: BrowserContext): Promise<number | undefined>;
}

const visit =
  (path: string) =>
  async (page: Page): Promise<number | undefined> =>
    (await page.goto(`${server.baseUrl}${path}`))?.status();

const cases: PageCase[] = [
  { label: 'town list', status: 200, heading: 'Espace Famille', open: visit('/') },
  ...DEMO_TOWNS.map((town): PageCase => ({
    label: `home of ${town.slug}`,
    status: 200,
    heading: `Accueil de l'Espace Famille – ${town.name}`,
    open: visit(`/${town.slug}/`),
  })),
  { label: '404 inside a town', status: 404, heading: 'Page introuvable', open: visit('/tarnos/nulle-part') },
  { label: '404 for an unknown town', status: 404, heading: 'Page introuvable', open: visit('/inconnue/') },
  { label: 'CGU', status: 200, heading: "Conditions générales d'utilisation", open: visit('/tarnos/cgu') },
  { label: 'mentions légales', status: 200, heading: 'Mentions légales', open: visit('/tarnos/mentions-legales') },
  { label: 'accessibility statement', status: 200, heading: 'Accessibilité', open: visit('/tarnos/accessibilite') },
  {
    // A real browser posting a form whose session has gone: the 403 page users actually see.
    label: 'expired form (CSRF 403)',
    status: 403,
    heading: 'Votre formulaire a expiré',
    open: async (page, context) => {
      await page.goto(`${server.baseUrl}/tarnos/`);
      await context.clearCookies();
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
        page.getByRole('button', { name: 'Connexion' }).click(),
      ]);
      await page.waitForLoadState('load');
      return response.status();
    },
  },
];

describe('foundation pages in Chromium', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s: accessible on desktop and at 320 px, skip link first', async (_label, c) => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      expect(await c.open(page, context)).toBe(c.status);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toEqual(expect.stringMatching(c.heading));

      await expectNoAxeViolations(page, `${c.label}, desktop`);

      // Keyboard users meet the skip link first, and it takes them to the content.
      await page.keyboard.press('Tab');
      const focused = page.locator(':focus');
      await expect.poll(() => focused.textContent()).toBe('Aller au contenu');
      expect(await focused.isVisible()).toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as FocusedDocument).document.activeElement?.id)).toBe('contenu');

      await page.setViewportSize(NARROW_VIEWPORT);
      await expectNoAxeViolations(page, `${c.label}, ${NARROW_VIEWPORT.width} px`);
      await expectNoHorizontalScroll(page, c.label);
    } finally {
      await context.close();
    }
  });
});

describe('e2e harness', () => {
  it('delivers queued mail in the background, with links that open in the browser', async () => {
    const { rows } = await server.db.pool.query<{ id: string }>(`select id from towns where slug = 'tarnos'`);
    await enqueueMail(server.db.pool, {
      townId: rows[0]!.id,
      to: 'parent@example.test',
      template: 'notification',
      subject: 'Essai',
      data: {
        greeting: 'Bonjour,',
        paragraphs: ['Un message de test.'],
        link: { label: 'Accessibilité', url: `${server.config.publicBaseUrl}/tarnos/accessibilite` },
      },
    });
    const mail = await waitFor(() => smtp.to('parent@example.test')[0], 10_000, 'the mail');
    const link = linksIn(mail).find((l) => l.startsWith(server.baseUrl));
    expect(link).toBeDefined();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      expect((await page.goto(link!))?.status()).toBe(200);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Accessibilité');
    } finally {
      await context.close();
    }
  });
});

interface FocusedDocument {
  document: { activeElement: { id: string } | null };
}

describe('tap targets on a phone (WCAG 2.2 2.5.8)', () => {
  it("gives the sign-in forms' links and buttons 24 px and room between them at 320 px", async () => {
    const context = await newContext(browser, { viewport: NARROW_VIEWPORT });
    try {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/tarnos/`);
      // "Renvoyer le lien d'activation" was 19 px high, 2 px under "Connexion".
      await expectTargetsOfMinimumSize(page, 'main form a, main form button');
      await page.goto(`${server.baseUrl}/tarnos/agents/connexion`);
      await expectTargetsOfMinimumSize(page, 'main form a, main form button');
    } finally {
      await context.close();
    }
  });
});
