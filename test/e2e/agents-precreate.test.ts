import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportWorker } from '../../src/jobs/import-worker.js';
import { createLogger } from '../../src/lib/logger.js';
import {
  launchBrowser,
  newContext,
  startE2eServer,
  type E2eServer,
  waitFor,
  clickAndLoad as click,
  expectAccessiblePage as checkPage,
  heading,
  navigate,
} from '../helpers/browser.js';
import { createAgentFixture, createFamily } from '../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../helpers/smtp.js';

/**
 * Création rapide in Chromium: an agent finds a family file, adds an adult with an email
 * and pre-creates their account; the parent follows the mail, signs in with the temporary
 * password, replaces it, accepts the CGU and reaches the dashboard. Every back-office page
 * of family files and of the import is checked with axe on desktop and at 320 px, in its
 * normal and its error states.
 */

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

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/** The error state: 400, "Erreur : " title, focus on the summary, its link to the field, the message beside it. */
async function expectErrorState(page: Page, status: number, field: string, message: string, errorId = field): Promise<void> {
  expect(status).toBe(400);
  expect(await page.title()).toMatch(/^Erreur : /);
  await expect.poll(() => page.locator('[data-error-summary]:focus').count()).toBe(1);
  const link = page.locator('[data-error-summary]').getByRole('link', { name: message });
  expect(await link.getAttribute('href')).toBe(`#${field}`);
  expect(await page.locator(`#${errorId}-error`).textContent()).toContain(message);
}

async function signInAgent(page: Page, slug: string) {
  const agent = await createAgentFixture(server.db.pool, slug);
  expect(await navigate(page, () => page.goto(`${server.baseUrl}/${slug}/agents/connexion`))).toBe(200);
  await page.getByLabel("Nom d'utilisateur").fill(agent.username);
  await page.getByLabel('Mot de passe').fill(agent.password);
  expect(await click(page, button(page, 'Connexion'))).toBe(200);
  return agent;
}

const PARENT = { lastName: 'Martin', firstNames: 'Sophie', email: 'sophie.martin.e2e@example.fr', password: 'Marée-Haute-2026' };

describe('Création rapide in Chromium (Tarnos)', () => {
  it('goes from the family file to the parent on the dashboard', { timeout: 240_000 }, async () => {
    const agentContext = await newContext(browser);
    const parentContext = await newContext(browser);
    try {
      // ------------------------------------------------ the agent finds the MARTIN file
      const page = await agentContext.newPage();
      await signInAgent(page, 'tarnos');
      expect(await click(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Familles' }))).toBe(200);
      expect(await heading(page)).toBe('Familles');
      await checkPage(page, 'family files');
      await page.getByLabel('Rechercher une famille').fill('40220-martin1');
      expect(await click(page, button(page, 'Rechercher'))).toBe(200);
      expect(await page.getByText('1 famille pour « 40220-martin1 »').count()).toBe(1);
      await checkPage(page, 'family files, searched');
      expect(await click(page, page.getByRole('link', { name: 'MARTIN', exact: true }))).toBe(200);
      expect(await heading(page)).toBe('Famille MARTIN');
      expect(await page.getByText('40220-MARTIN1').count()).toBe(1);
      await checkPage(page, 'a family file');

      // ------------------------------------------------ adds an adult, with a mistake first
      expect(await click(page, page.getByRole('link', { name: 'Ajouter un adulte' }))).toBe(200);
      await checkPage(page, 'new adult');
      await page.getByRole('radio', { name: 'Madame' }).check();
      await page.locator('#nom').fill(PARENT.lastName);
      await page.getByLabel('Prénom(s)').fill(PARENT.firstNames);
      await page.getByLabel('Adresse de courriel').fill('sophie.martin@');
      await expectErrorState(
        page,
        await click(page, button(page, 'Ajouter l’adulte')),
        'courriel',
        'Saisissez une adresse de courriel valide',
      );
      expect(await page.getByLabel('Prénom(s)').inputValue()).toBe(PARENT.firstNames);
      await checkPage(page, 'new adult, error');
      await page.getByLabel('Adresse de courriel').fill(PARENT.email);
      expect(await click(page, button(page, 'Ajouter l’adulte'))).toBe(200);
      expect(await page.getByText('Sophie MARTIN a été ajouté au dossier.').count()).toBe(1);

      // ------------------------------------------------ Création rapide
      expect(await click(page, page.getByRole('link', { name: 'Création rapide du compte de Sophie MARTIN' }))).toBe(200);
      expect(await heading(page)).toBe("Création rapide d'un compte");
      expect(await page.getByText(PARENT.email).count()).toBe(1);
      await checkPage(page, 'Création rapide, confirmation');
      expect(await click(page, button(page, 'Créer le compte et envoyer le courriel'))).toBe(200);
      expect(await heading(page)).toBe('Famille MARTIN');
      expect(await page.getByText('Création rapide : compte pas encore activé').count()).toBe(1);
      await checkPage(page, 'a family file with a pre-created account');

      // ------------------------------------------------ the parent follows the mail
      const mail = await waitFor(() => smtp.to(PARENT.email)[0], 15_000, 'the Création rapide mail');
      const username = /Nom d'utilisateur : (\S+)/.exec(mail.text)![1]!;
      const temporary = /Mot de passe : (\S+)/.exec(mail.text)![1]!;
      const link = linksIn(mail).find((l) => l.startsWith(`${server.baseUrl}/tarnos/activation`))!;
      expect(await page.content()).not.toContain(temporary);

      const parent = await parentContext.newPage();
      expect(await navigate(parent, () => parent.goto(link))).toBe(200);
      expect(await heading(parent)).toBe('Votre espace est activé');
      expect(await navigate(parent, () => parent.goto(`${server.baseUrl}/tarnos/`))).toBe(200);
      const perso = parent.getByRole('region', { name: 'Mon espace perso' });
      await perso.getByLabel('Identifiant').fill(username);
      await perso.getByLabel('Mot de passe').fill(temporary);
      expect(await click(parent, perso.getByRole('button', { name: 'Connexion' }))).toBe(200);
      expect(await heading(parent)).toBe('Modification de vos identifiants');
      await parent.getByLabel(/^\* ?Mot de passe/).fill(PARENT.password);
      await parent.getByLabel(/Confirmation du mot de passe/).fill(PARENT.password);
      expect(await click(parent, button(parent, 'Valider'))).toBe(200);

      // The CGU: the accept button waits for the text to be read to its end (it scrolls).
      expect(await heading(parent)).toBe("Conditions générales d'utilisation");
      const accept = button(parent, "J'accepte les conditions générales d'utilisation");
      await parent.getByRole('region', { name: /Texte des conditions générales d'utilisation/ }).evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await expect.poll(() => accept.isEnabled()).toBe(true);
      expect(await click(parent, accept)).toBe(200);
      expect(await heading(parent)).toBe('Bonjour Madame MARTIN.');
      expect(parent.url()).toBe(`${server.baseUrl}/tarnos/mon-espace`);

      // The agent sees the account activated.
      expect(await navigate(page, () => page.reload())).toBe(200);
      expect(await page.getByText('Compte actif').count()).toBe(1);
    } finally {
      await agentContext.close();
      await parentContext.close();
    }
  });

  it('keeps every other back-office page of family files and imports accessible, errors included', { timeout: 240_000 }, async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await signInAgent(page, 'bayeux');

      // ------------------------------------------------ a list of several pages
      for (let n = 1; n <= 25; n++) {
        await createFamily(server.db.pool, 'bayeux', {
          cleEnfance: `LIST-${n}`,
          name: `Zliste${String(n).padStart(2, '0')}`,
          city: 'Bayeux',
        });
      }
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/bayeux/agents/familles?q=zliste`))).toBe(200);
      expect(await page.getByText('25 familles pour « zliste » – page 1 sur 2').count()).toBe(1);
      await checkPage(page, 'family files, page 1 of 2');
      expect(
        await click(page, page.getByRole('navigation', { name: 'Pages de résultats' }).getByRole('link', { name: /Page suivante/ })),
      ).toBe(200);
      expect(await page.getByRole('link', { name: 'ZLISTE25' }).count()).toBe(1);
      await checkPage(page, 'family files, page 2 of 2');

      // ------------------------------------------------ a new family file
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/bayeux/agents/familles`))).toBe(200);
      expect(await click(page, page.getByRole('link', { name: 'Créer un dossier famille' }))).toBe(200);
      await checkPage(page, 'new family file');
      await page.getByLabel('Code postal').fill('144');
      await expectErrorState(page, await click(page, button(page, 'Créer le dossier')), 'nom', 'Saisissez le nom de la famille');
      await checkPage(page, 'new family file, errors');
      await page.getByLabel('Nom de la famille').fill('Lebrun');
      await page.getByLabel('Code postal').fill('14400');
      await page.getByLabel('Référence du dossier').fill('B-2026-77');
      expect(await click(page, button(page, 'Créer le dossier'))).toBe(200);
      expect(await heading(page)).toBe('Famille LEBRUN');
      const fileUrl = page.url();

      expect(await click(page, page.getByRole('link', { name: 'Modifier le dossier famille LEBRUN' }))).toBe(200);
      await checkPage(page, 'edit family file');

      // ------------------------------------------------ a child, with its error state
      expect(await navigate(page, () => page.goto(fileUrl))).toBe(200);
      expect(await click(page, page.getByRole('link', { name: 'Ajouter un enfant' }))).toBe(200);
      await checkPage(page, 'new child');
      await page.getByLabel('Prénom(s)').fill('Élise');
      await page.getByLabel('Jour').fill('31');
      await page.getByLabel('Mois').fill('2');
      await page.getByLabel('Année').fill('2019');
      await page.getByLabel("L'enfant a un PAI").check();
      await expectErrorState(
        page,
        await click(page, button(page, 'Ajouter l’enfant')),
        'dateNaissanceJour',
        'La date de naissance doit être une date réelle',
        'dateNaissance',
      );
      await checkPage(page, 'new child, errors');
      expect(await page.getByText('Saisissez les allergènes du PAI, ou décochez la case du PAI').count()).toBeGreaterThan(0);
      await page.getByLabel('Jour').fill('28');
      await page.getByLabel('Allergènes du PAI').fill('Œuf');
      await page
        .getByRole('group', { name: /photographié/ })
        .getByRole('radio', { name: 'Non' })
        .check();
      await page
        .getByRole('group', { name: /partir seul/ })
        .getByRole('radio', { name: 'Non' })
        .check();
      await page.getByRole('group', { name: 'Personne 1' }).getByLabel('Nom et prénom').fill('Mamie Lebrun');
      expect(await click(page, button(page, 'Ajouter l’enfant'))).toBe(200);
      expect(await page.getByText('Mamie Lebrun').count()).toBe(1);
      expect(await page.getByText('Oui, allergènes : Œuf').count()).toBe(1);
      await checkPage(page, 'a family file with a child');
      expect(await click(page, page.getByRole('link', { name: "Modifier le dossier d'Élise LEBRUN" }))).toBe(200);
      await checkPage(page, 'edit child');

      // ------------------------------------------------ the Clé Enfance
      expect(await navigate(page, () => page.goto(fileUrl))).toBe(200);
      expect(await click(page, page.getByRole('link', { name: 'Générer une nouvelle clé Enfance' }))).toBe(200);
      await checkPage(page, 'new Clé Enfance, confirmation');
      expect(await click(page, button(page, 'Générer une nouvelle clé'))).toBe(200);
      expect(await page.getByText(/La nouvelle clé Enfance est \d{5}-/).count()).toBe(1);

      // ------------------------------------------------ the import: form, error, progress, result
      expect(await click(page, page.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Import' }))).toBe(200);
      expect(await heading(page)).toBe('Importer des familles');
      await checkPage(page, 'import form');
      await page.getByLabel('Fichier à importer (CSV)').setInputFiles({
        name: 'familles.xlsx',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
      });
      await expectErrorState(page, await click(page, button(page, 'Importer le fichier')), 'fichier', 'Ce fichier est un classeur');
      await checkPage(page, 'import form, error');

      const csv = [
        'reference_famille;nom_famille;adulte1_civilite;adulte1_nom;adulte1_prenom;adulte1_courriel;enfant1_prenom;enfant1_date_naissance',
        'B-100;Lemoine;Mme;Lemoine;Anne;anne.lemoine.e2e@example.fr;Jules;12/05/2018',
        'B-101;;M;Simon;Paul;;;',
        'B-102;Caron;Dr;Caron;Luc;;;',
      ].join('\r\n');
      await page
        .getByLabel('Fichier à importer (CSV)')
        .setInputFiles({ name: 'familles.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}\r\n`) });
      expect(await click(page, button(page, 'Importer le fichier'))).toBe(200);
      expect(await heading(page)).toBe('Import en cours');
      expect(await page.getByRole('status').textContent()).toContain("L'import attend son tour");
      await checkPage(page, 'import in progress');

      // The worker runs (here by hand); the page's script notices the end and shows the result.
      const worker = new ImportWorker(server.db.pool, { clock: server.clock, config: server.config, logger: createLogger('silent') });
      while (await worker.runOnce());
      // A locator, not waitForFunction: the page's CSP forbids the eval its polling needs.
      await page.getByRole('heading', { level: 1, name: "Résultat de l'import" }).waitFor({ timeout: 20_000 });
      await page.waitForLoadState('load');
      expect(await heading(page)).toBe("Résultat de l'import");
      expect(await page.getByRole('row', { name: /3 Le nom de la famille \(nom_famille\) est vide/ }).count()).toBe(1);
      expect(await page.getByRole('row', { name: /4 Adulte 1 : la civilité « Dr » n'est pas reconnue/ }).count()).toBe(1);
      await checkPage(page, 'import result');
      expect(await click(page, page.getByRole('link', { name: 'Importer des familles' }))).toBe(200);
      await checkPage(page, 'import form with the last imports');
    } finally {
      await context.close();
    }
  });
});
