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
import {
  AGENT_PASSWORD,
  createActivity,
  createAgentFixture,
  createChild,
  createCrowd,
  createEnrolment,
  createFamily,
  createReservation,
} from '../helpers/fixtures.js';

/**
 * Issue 19 (the roster) in Chromium, on a tablet: an agent with the health right opens the
 * site's roster of the day, sees the PAI, ticks a child present and finds it recorded.
 */

// Thursday 19 November 2026, 08:00 in Paris: a school day, the sheet can be ticked.
const clock = new FixedClock('2026-11-19T07:00:00Z');
const DAY = '2026-11-19';
const SITE = 'École Jean Moulin';
let server: E2eServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const activityId = await createActivity(db, 'tarnos', { name: 'Accueil du matin', site: SITE, unit: 'Heure' });
  for (const [firstNames, pai] of [
    ['Léa', true],
    ['Hugo', false],
  ] as const) {
    const family = await createFamily(db, 'tarnos', { name: 'PORTE' });
    const childId = await createChild(db, 'tarnos', family.id, { firstNames, lastName: 'PORTE' });
    if (pai) await db.query(`update children set pai = true, pai_allergens = 'arachide', photo_consent = true where id = $1`, [childId]);
    const enrolmentId = await createEnrolment(db, 'tarnos', { activityId, childId });
    await createReservation(db, 'tarnos', { activityId, enrolmentId, childId, day: DAY, status: 'booked' });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the day’s roster on a tablet', { timeout: 120_000 }, () => {
  it('opens the roster at 768 px, ticks the sheet and sees it recorded', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl, viewport: { width: 768, height: 1024 } });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(server.db.pool, 'tarnos');
      await server.db.pool.query('update agents set health_access = true where id = $1', [agent.id]);
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');

      await page.goto(urls.agentRoster('tarnos', { jour: DAY, site: SITE }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Liste du jeudi 19 novembre 2026 – ${SITE}`);
      const lea = page.getByRole('row', { name: /PORTE Léa/ });
      expect(await lea.getByText('PAI').first().isVisible()).toBe(true);
      expect(await lea.textContent()).toContain('arachide');
      // Big enough for a finger.
      const box = await page.getByRole('checkbox', { name: 'Présent : PORTE Hugo' }).boundingBox();
      expect(box!.width).toBeGreaterThanOrEqual(44);
      expect(box!.height).toBeGreaterThanOrEqual(44);
      await checkPage(page, 'roster on a tablet');

      // Hugo did not come: untick him, keep Léa.
      await page.getByRole('checkbox', { name: 'Présent : PORTE Hugo' }).uncheck();
      await clickAndLoad(page, page.getByRole('button', { name: /Enregistrer la présence/ }));
      expect(await page.getByText(/La feuille de présence du jeudi 19 novembre est enregistrée : 1 présent, 1 absent/).isVisible()).toBe(
        true,
      );
      expect(await page.getByRole('checkbox', { name: 'Présent : PORTE Léa' }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: 'Présent : PORTE Hugo' }).isChecked()).toBe(false);
      await checkPage(page, 'roster after the sheet is saved');
    } finally {
      await context.close();
    }
  });

  it('takes a large canteen’s sheet class by class: the classes, then one class’s form', async () => {
    const db = server.db.pool;
    const activityId = await createActivity(db, 'tarnos', { name: 'Cantine du groupe scolaire', site: SITE });
    await createCrowd(db, 'tarnos', { activityId, tag: 'CEA', n: 130, school: SITE, className: 'CE1 A', day: DAY });
    await createCrowd(db, 'tarnos', { activityId, tag: 'CEB', n: 25, school: SITE, className: 'CE1 B', day: DAY });
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(db, 'tarnos');
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');

      await page.goto(urls.agentActivityDay('tarnos', activityId, DAY));
      await page.getByText('155 enfants inscrits ce jour-là, dont 155 réservés : la présence se saisit classe par classe.').waitFor();
      expect(await page.getByRole('checkbox').count()).toBe(0);
      await checkPage(page, 'a large day’s classes');
      await clickAndLoad(page, page.getByRole('link', { name: `${SITE} – CE1 B` }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        `Feuille de présence du jeudi 19 novembre 2026 – ${SITE} – CE1 B`,
      );
      expect(await page.getByRole('checkbox', { name: /^Présent : / }).count()).toBe(25);
      await page.getByRole('checkbox', { name: 'Présent : CEB001 Enfant' }).uncheck();
      await clickAndLoad(page, page.getByRole('button', { name: 'Enregistrer la feuille de présence' }));
      await page.getByRole('status').filter({ hasText: 'est enregistrée : 24 présents, 1 absent' }).waitFor();
      await checkPage(page, 'one class’s sheet, recorded');

      // The site's door list offers the same classes, unfolded (with the morning care's two
      // children, of no class), and lists one class.
      await page.goto(urls.agentRoster('tarnos', { jour: DAY, site: SITE }));
      await page.getByText('157 enfants inscrits ce jour-là sur ce site').waitFor();
      await checkPage(page, 'a large site’s roster: its classes');
      await clickAndLoad(page, page.getByRole('link', { name: `${SITE} – CE1 B` }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/– CE1 B$/);
      expect(await page.getByRole('checkbox', { name: /^Présent : / }).count()).toBe(25);
      await checkPage(page, 'one class’s roster');
    } finally {
      await context.close();
    }
  });
});
