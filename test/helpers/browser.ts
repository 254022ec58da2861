import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { AxeResults } from 'axe-core';
import type { Store } from 'express-session';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createSessionStore } from '../../src/middleware/session.js';
import { TEST_CAPTCHA } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** WCAG 2.1 A and AA: what RGAA 4.1 maps onto and what axe can check automatically. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** RGAA 10.11 / WCAG 1.4.10: content must reflow at 320 CSS pixels without horizontal scrolling. */
export const NARROW_VIEWPORT = { width: 320, height: 640 } as const;
export const DESKTOP_VIEWPORT = { width: 1280, height: 900 } as const;

/** axe-core's browser build, read once per test file. */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Debian's Chromium through playwright-core (which never downloads a browser). The
 * background-networking flags matter: offline, Chromium otherwise keeps retrying
 * update and sync endpoints.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh, cookie-less context as a French user would have it. */
export async function newContext(
  browser: Browser,
  options: { baseURL?: string; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: options.viewport ?? DESKTOP_VIEWPORT,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
  });
}

export interface E2eServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  baseUrl: string;
  db: TestDatabase;
  config: Config;
  clock: Clock;
  /** Sends mail in the background, like the running app (import jobs wait for runDue('import')). */
  jobs: JobQueue;
  close(): Promise<void>;
}

export interface E2eServerOptions {
  /** Where the mail worker sends (a TestSmtpServer's `url`); unset keeps mail in the outbox. */
  smtpUrl?: string;
  /** A FixedClock when a test needs to move time; the system clock otherwise. */
  clock?: Clock;
  env?: Record<string, string>;
  /** How often the background mail worker looks for a job (default and minimum 500 ms, pg-boss's floor). */
  mailIntervalMs?: number;
}

/**
 * The real app over real HTTP, on its own cloned database, for a browser to drive. Unlike
 * createTestApp, the mail worker runs in the background as in production: a test just
 * waits for the mail to reach its TestSmtpServer.
 */
export async function startE2eServer(options: E2eServerOptions = {}): Promise<E2eServer> {
  const db = await createTestDatabase();
  // Listen first: the port goes into PUBLIC_BASE_URL, so links in mails open in the browser.
  const server = http.createServer();
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Chromium keeps idle keep-alive sockets open; they would hold close() forever.
      server.closeAllConnections();
    });
  let started: Omit<E2eServer, 'close' | 'db'> & { sessionStore: Store };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      SESSION_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
      PUBLIC_BASE_URL: baseUrl,
      CAPTCHA_TEST_SOLUTION: TEST_CAPTCHA,
      LOG_LEVEL: 'silent',
      ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
      ...options.env,
    });
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    const clock = options.clock ?? systemClock;
    const sessionStore = createSessionStore(db.pool, logger);
    server.on('request', createApp({ config, pool: db.pool, logger, clock, sessionStore }));
    const jobs = await new JobQueue({
      pool: db.pool,
      clock,
      config,
      logger,
      work: ['mail'],
      pollingIntervalSeconds: options.mailIntervalMs === undefined ? 0.5 : Math.max(0.5, options.mailIntervalMs / 1000),
    }).start();
    started = { baseUrl, config, clock, jobs, sessionStore };
  } catch (err) {
    await closeServer();
    await db.drop();
    throw err;
  }

  const { sessionStore, ...rest } = started;
  return {
    ...rest,
    db,
    close: async () => {
      await closeServer();
      await rest.jobs.stop();
      (sessionStore as unknown as { close?: () => void }).close?.();
      await db.drop();
    },
  };
}

/**
 * Runs axe (WCAG 2.1 A + AA) on the page as it is now and fails with one readable line
 * per violation and node, so the report says what to fix without a debugger.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  // axe-core itself, put into the document once (a navigation starts a new one) and run
  // there. @axe-core/playwright's analyze() sends axe's 500 kB source again and opens a second
  // page for every check, to reach cross-origin frames our pages do not have: 0.7 s a check
  // against 0.1 s, hundreds of checks in the browser tests.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (tags) =>
      (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } }).axe.run(
        (globalThis as unknown as { document: unknown }).document,
        { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] },
      ),
    AXE_TAGS,
  );
  const lines = results.violations.flatMap((v) => [
    `- ${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${v.helpUrl}`,
    ...v.nodes.map((n) => `    at ${n.target.join(' ')}${n.failureSummary ? `: ${n.failureSummary.replace(/\s*\n\s*/g, ' ')}` : ''}`),
  ]);
  if (lines.length > 0) throw new Error(`${results.violations.length} axe violation(s) on ${label} (${page.url()}):\n${lines.join('\n')}`);
}

interface ScrollBox {
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

/**
 * Reflow at 320 CSS pixels (WCAG 1.4.10): resizes the page to 320 px wide if needed and
 * checks that nothing overflows sideways.
 */
export async function expectNoHorizontalScroll(page: Page, label = page.url()): Promise<void> {
  const viewport = page.viewportSize();
  if (viewport?.width !== NARROW_VIEWPORT.width) await page.setViewportSize(NARROW_VIEWPORT);
  const size = await page.evaluate(() => {
    const w = globalThis as unknown as ScrollBox;
    return { scrollWidth: w.document.documentElement.scrollWidth, clientWidth: w.document.documentElement.clientWidth };
  });
  expect(
    size.scrollWidth,
    `horizontal scroll at ${NARROW_VIEWPORT.width}px on ${label}: content is ${size.scrollWidth}px wide for ${size.clientWidth}px`,
  ).toBeLessThanOrEqual(size.clientWidth);
}

interface TargetBox {
  label: string;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * WCAG 2.2 2.5.8 (target size, minimum), which axe does not check: every element matching
 * `selector` is at least 24 × 24 CSS px and stands at least `gap` px away from the others,
 * so a thumb on a phone does not press "Connexion" for "Renvoyer le lien d'activation".
 */
export async function expectTargetsOfMinimumSize(page: Page, selector: string, gap = 8): Promise<void> {
  const boxes = await page.locator(selector).evaluateAll((els): TargetBox[] =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { label: (el.textContent ?? '').trim().slice(0, 40), top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    }),
  );
  expect(boxes.length, `no target matches ${selector}`).toBeGreaterThan(0);
  for (const b of boxes) {
    expect(b.bottom - b.top, `"${b.label}" is ${Math.round(b.bottom - b.top)} px high`).toBeGreaterThanOrEqual(24);
    expect(b.right - b.left, `"${b.label}" is ${Math.round(b.right - b.left)} px wide`).toBeGreaterThanOrEqual(24);
  }
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const dx = Math.max(0, b.left - a.right, a.left - b.right);
      const dy = Math.max(0, b.top - a.bottom, a.top - b.bottom);
      expect(Math.hypot(dx, dy), `"${a.label}" and "${b.label}" are ${Math.round(Math.hypot(dx, dy))} px apart`).toBeGreaterThanOrEqual(
        gap,
      );
    }
  }
}

/**
 * Every page a parent or agent sees: zero axe violations on a desktop, then again at 320 px
 * with nothing overflowing sideways; the page is put back to the desktop size whatever happens.
 */
export async function expectAccessiblePage(page: Page, label: string): Promise<void> {
  await expectNoAxeViolations(page, `${label}, desktop`);
  await page.setViewportSize(NARROW_VIEWPORT);
  try {
    await expectNoAxeViolations(page, `${label}, 320 px`);
    await expectNoHorizontalScroll(page, label);
  } finally {
    await page.setViewportSize(DESKTOP_VIEWPORT);
  }
}

/**
 * Runs `action` (a click that navigates) and resolves once the resulting document has
 * loaded — after any 303 of Post/Redirect/Get — with its HTTP status. Waiting for `load`
 * matters: the deferred script that moves focus to the error summary has run by then.
 */
export async function navigate(page: Page, action: () => Promise<unknown>): Promise<number> {
  const response = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400),
  );
  // If the action itself fails, its error is the one to report, not the wait's later timeout.
  response.catch(() => undefined);
  await action();
  const status = (await response).status();
  await page.waitForLoadState('load');
  return status;
}

/** Clicks a link or button and waits for the page it leads to; resolves with its status. */
export const clickAndLoad = (page: Page, target: Locator): Promise<number> => navigate(page, () => target.click());

/** The page's h1, trimmed. */
export async function heading(page: Page): Promise<string> {
  return ((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim();
}

/** Waits until `predicate` holds (e.g. a mail reached the TestSmtpServer), or fails after `timeoutMs`. */
export async function waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
