import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/lib/clock.js';
import { insertCampaign } from '../../src/repositories/renewal.repository.js';
import { insertSchool, insertSectors } from '../../src/repositories/school-sectors.repository.js';
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
import {
  createActivity,
  createAgentFixture,
  createChild,
  createDocument,
  createEnrolment,
  createFamily,
  createParent,
  createRequest,
  LONG_AGENT_NAME,
  LONG_NAME,
  longEmail,
  town,
} from '../helpers/fixtures.js';

/**
 * Issue 16's dossier renewal in Chromium, in one browser context: a parent renews a child's
 * dossier (confirms it, picks the piece from the storage, keeps one of this year's two
 * activities); an admin sees it on the campaign's follow-up and validates it. axe at 1280
 * and 320 px on the parent's renewal pages and pre-enrolment page, and the agents' campaign and
 * sectors pages.
 */

const clock = new FixedClock('2027-06-10T08:00:00Z');
let server: E2eServer;
let browser: Browser;
let parent: Awaited<ReturnType<typeof createParent>>;
let childId: string;
let campaignId: string;
let preEnrolmentId: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer({ clock }), launchBrowser()]);
  const db = server.db.pool;
  const years = { startDate: '2026-09-01', endDate: '2028-07-07' };
  const canteen = await createActivity(db, 'tarnos', { name: 'Cantine des Pins', site: 'École des Pins', ...years });
  const nursery = await createActivity(db, 'tarnos', { name: 'Garderie des Pins', site: 'École des Pins', ...years });
  const family = await createFamily(db, 'tarnos', {
    name: LONG_NAME.lastName,
    addressLine: '12 bis av. de la République',
    postalCode: '40220',
    city: 'Tarnos',
  });
  childId = await createChild(db, 'tarnos', family.id, { ...LONG_NAME, birthDate: '2019-03-02' });
  await createEnrolment(db, 'tarnos', { activityId: canteen, childId });
  await createEnrolment(db, 'tarnos', { activityId: nursery, childId });
  parent = await createParent(db, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
  const content = pdf('Facture EDF');
  await createDocument(db, 'tarnos', parent.id, {
    kind: 'justificatif_domicile',
    title: 'Facture EDF de mai 2027',
    validUntil: '2027-11-30',
    files: [
      { fileName: 'edf.pdf', contentType: 'application/pdf', content, sha256: crypto.createHash('sha256').update(content).digest('hex') },
    ],
  });
  const t = await town(db, 'tarnos');
  const school = await insertSchool(db, t.id, {
    name: 'École maternelle Jules Ferry',
    kind: 'maternelle',
    address: '1 place de la Mairie',
  });
  preEnrolmentId = await createRequest(db, 'tarnos', {
    familyId: family.id,
    accountId: parent.id,
    childId,
    type: 'school_enrolment',
    summary: `Préinscription scolaire de ${LONG_NAME.firstNames} en Petite section (PS) (2027-2028)`,
    payload: {
      childName: LONG_NAME.firstNames,
      schoolYear: '2027-2028',
      level: 'PS',
      levelLabel: 'Petite section (PS)',
      sectorSchool: { id: school, name: 'École maternelle Jules Ferry' },
      derogation: null,
      pieces: ['Justificatif de domicile : fichier joint'],
    },
  });
  await insertSectors(db, t.id, [
    {
      streetLabel: 'Avenue de la République',
      streetKey: 'avenue republique',
      numberFrom: 1,
      numberTo: 49,
      postalCode: '40220',
      schoolId: school!,
    },
  ]);
  campaignId = await insertCampaign(
    db,
    t.id,
    {
      title: 'Rentrée 2027',
      yearStart: '2027-09-01',
      yearEnd: '2028-07-07',
      opensOn: '2027-05-01',
      closesOn: '2027-06-30',
      requiredKinds: ['justificatif_domicile'],
      reminderDays: [7, 2],
      activityIds: [canteen, nursery],
    },
    clock.now(),
  );
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('dossier renewal in Chromium', { timeout: 240_000 }, () => {
  it('a parent renews a child’s dossier and an admin validates it', async () => {
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');

      await page.goto(urls.renewal('tarnos'));
      expect(await page.locator('.renewal-children').textContent()).toContain('À faire');
      await checkPage(page, 'renewal overview');
      await clickAndLoad(page, page.getByRole('link', { name: /Renouveler le dossier/ }));
      await checkPage(page, 'a child’s renewal');

      // Sent without the confirmation: refused, said in French, then sent properly.
      const stored = page.getByLabel('Justificatif de domicile').locator('option', { hasText: 'Facture EDF de mai 2027' });
      expect(await stored.textContent()).toContain('Valable jusqu');
      await page.getByLabel('Justificatif de domicile').selectOption((await stored.getAttribute('value'))!);
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer le renouvellement' }))).toBe(400);
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'a child’s renewal with an error');
      await page.getByLabel('Je confirme que le dossier est à jour').check();
      await page.getByLabel('Garderie des Pins (École des Pins)').uncheck();
      expect(await page.getByLabel('Cantine des Pins (École des Pins)').isChecked()).toBe(true);
      expect(await clickAndLoad(page, page.getByRole('button', { name: 'Envoyer le renouvellement' }))).toBe(200);
      expect(await page.getByRole('status').textContent()).toContain('a été envoyé aux services');
      expect(await page.locator('.renewal-children').textContent()).toContain('Envoyé');

      // The school pre-enrolment page: the sector's school from the family's address.
      await page.goto(urls.schoolEnrolment('tarnos'));
      expect(await page.locator('.summary-list').textContent()).toContain('École maternelle Jules Ferry');
      await checkPage(page, 'school pre-enrolment');

      // The admin, in the same browser: the campaigns, the follow-up, Valider.
      const admin = await createAgentFixture(server.db.pool, 'tarnos', 'admin', { displayName: LONG_AGENT_NAME });
      await page.goto(urls.agentSignIn('tarnos'));
      await page.getByLabel("Nom d'utilisateur").fill(admin.username);
      await page.getByLabel('Mot de passe').fill(admin.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/agents');
      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Renouvellement' }));
      await checkPage(page, 'campaigns');
      await clickAndLoad(page, page.getByRole('link', { name: 'Rentrée 2027' }));
      await checkPage(page, 'campaign follow-up');
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(LONG_NAME.firstNames) }) });
      await clickAndLoad(page, row.getByRole('button', { name: /^Valider/ }));
      expect(await page.getByRole('status').textContent()).toContain('Le renouvellement est validé');
      expect(await row.textContent()).toContain('Validé');
      const enrolled = await server.db.pool.query(`select 1 from enrolments where child_id = $1 and start_date = '2027-09-01'`, [childId]);
      expect(enrolled.rowCount).toBe(1);

      await page.goto(urls.agentRenewalEdit('tarnos', campaignId));
      await checkPage(page, 'campaign form');
      await clickAndLoad(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Secteurs scolaires' }));
      expect(await page.getByRole('table', { name: /Voies/ }).textContent()).toContain('Avenue de la République');
      await checkPage(page, 'school sectors');
      await clickAndLoad(page, page.getByRole('link', { name: /Préinscription scolaire de/ }));
      expect(page.url()).toContain(preEnrolmentId);
      // The sector's school is preselected for the agent.
      expect(await page.locator('#ecole option:checked').textContent()).toBe('École maternelle Jules Ferry (maternelle)');
      await checkPage(page, 'a pre-enrolment’s decision');
    } finally {
      await context.close();
    }
  });
});
