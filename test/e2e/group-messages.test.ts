import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { insertSchool } from '../../src/repositories/school-sectors.repository.js';
import { urls } from '../../src/routes.js';
import {
  clickAndLoad,
  expectAccessiblePage as checkPage,
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { AGENT_PASSWORD, createAgentFixture, createChild, createFamily, createParent, town } from '../helpers/fixtures.js';

/**
 * Issue 19 (messages to a group) in Chromium: an agent writes to a school's families,
 * previews the recipients and sends; a parent of that school signs in and reads the message
 * in "Échanges à lire". Every page is checked with axe.
 */

const clock = new FixedClock('2026-11-23T09:00:00Z');
let server: E2eServer;
let browser: Browser;
let parent: Awaited<ReturnType<typeof createParent>>;
let schoolId: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const tarnos = await town(db, 'tarnos');
  schoolId = (await insertSchool(db, tarnos.id, { name: 'École des Arbousiers', kind: 'elementaire', address: '' }))!;
  const family = await createFamily(db, 'tarnos', { name: 'ARBOUSIER' });
  await createChild(db, 'tarnos', family.id, {
    firstNames: 'Léa',
    lastName: 'ARBOUSIER',
    school: 'École des Arbousiers',
    className: 'CE1',
  });
  parent = await createParent(db, 'tarnos', { familyId: family.id });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('messages to a group in Chromium', { timeout: 180_000 }, () => {
  it('an agent writes to a school’s families, and a parent of that school reads it', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      const agent = await createAgentFixture(server.db.pool, 'tarnos');
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(agent.username);
      await page.getByLabel('Mot de passe').fill(AGENT_PASSWORD);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');

      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Messages' }));
      await checkPage(page, 'messages list');
      await clickAndLoad(page, page.getByRole('link', { name: 'Écrire aux familles' }));
      await checkPage(page, 'message form');

      await page.getByLabel('Une école').check();
      await page.getByLabel('Activité, site, école ou classe').selectOption(`ecole:${schoolId}`);
      await page.getByLabel('Jour (si « Un jour »)').fill('03/12/2026');
      await page.getByLabel('Objet').fill('Grève du jeudi 3 décembre');
      await page.locator('#texte').fill('L’école sera fermée jeudi 3 décembre.');
      await clickAndLoad(page, page.getByRole('button', { name: 'Prévisualiser les destinataires' }));
      expect(await page.getByText('1 famille recevra ce message.').count()).toBe(1);
      expect(await page.getByRole('listitem').filter({ hasText: 'ARBOUSIER — Léa ARBOUSIER' }).count()).toBe(1);
      await checkPage(page, 'message preview');

      await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer le message à 1 famille' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Grève du jeudi 3 décembre');
      expect(await page.getByRole('row', { name: /ARBOUSIER/ }).count()).toBe(1);
      await checkPage(page, 'message sent');
      await context.clearCookies();

      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');
      await page.goto(urls.inbox('tarnos'));
      expect(await page.getByText('L’école sera fermée jeudi 3 décembre.').count()).toBeGreaterThan(0);
      await checkPage(page, 'parent inbox');
    } finally {
      await context.close();
    }
  });
});
