import fs from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../src/routes.js';
import { launchBrowser, newContext, startE2eServer, type E2eServer, expectAccessiblePage as checkPage } from '../helpers/browser.js';
import { pdf, png } from '../helpers/files.js';
import { createParent, familyByKey, LONG_NAME, longEmail } from '../helpers/fixtures.js';

/**
 * A Tarnos parent adds an attestation with its PDF to the private storage, sees it listed
 * with its validity, downloads it, then looks at deleting it and at "Mes données". Every
 * page — the form's error state included — passes axe on a desktop and at 320 px.
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

describe('the private document storage in Chromium', () => {
  it('adds a document with a PDF, lists it, downloads it; every page accessible', async () => {
    const family = await familyByKey(server.db.pool, 'tarnos', '40220-MARTIN1');
    const parent = await createParent(server.db.pool, 'tarnos', { familyId: family.id, ...LONG_NAME, email: longEmail() });
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    const attestation = pdf('Attestation de quotient familial');
    try {
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(parent.username);
      await page.getByLabel('Mot de passe').fill(parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');

      await page.goto(urls.documents('tarnos'));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pièces justificatives');
      await checkPage(page, 'empty storage');

      await page.getByRole('link', { name: 'Ajouter un document' }).click();
      await checkPage(page, 'add form');

      // First an error state: nothing chosen, and a PNG that calls itself a PDF.
      await page.getByLabel('Intitulé du document').fill('Attestation CAF');
      await page.getByLabel('Fichiers de la pièce').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: png() });
      await page.getByRole('button', { name: 'Valider' }).click();
      expect(await page.title()).toMatch(/^Erreur : Ajouter un document/);
      const summary = page.locator('.error-summary');
      expect(await summary.textContent()).toContain('Sélectionnez la qualification du document');
      expect(await summary.textContent()).toContain('Le fichier « scan.pdf » ne correspond pas à son extension');
      expect(await page.getByLabel('Intitulé du document').inputValue()).toBe('Attestation CAF');
      await checkPage(page, 'add form with errors');

      await page.getByLabel('Qualification de la pièce').selectOption({ label: 'Attestation CAF (quotient familial)' });
      await page.getByLabel('Numéro de la pièce').fill('CAF-40-123456');
      await page.getByLabel('Autorité de délivrance').fill('CAF des Landes');
      const issued = page.getByRole('group', { name: 'Date de délivrance' });
      await issued.getByLabel('Jour').fill('15');
      await issued.getByLabel('Mois').fill('1');
      await issued.getByLabel('Année').fill('2026');
      await page
        .getByLabel('Fichiers de la pièce')
        .setInputFiles({ name: 'attestation.pdf', mimeType: 'application/pdf', buffer: attestation });
      await page.getByRole('button', { name: 'Valider' }).click();
      await page.waitForURL(`**${urls.documents('tarnos')}`);
      expect(await page.getByRole('status').textContent()).toContain('Le document « Attestation CAF » a été ajouté');
      const card = page.locator('.document-card', { hasText: 'Attestation CAF' });
      expect(await card.textContent()).toContain('Sans date limite de validité');
      expect(await card.textContent()).toContain('CAF des Landes');
      await checkPage(page, 'storage with a document');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Télécharger attestation.pdf' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('attestation.pdf');
      const saved = await download.path();
      expect(Buffer.compare(await fs.readFile(saved), attestation)).toBe(0);

      await page.getByRole('link', { name: 'Supprimer le document Attestation CAF' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Supprimer ce document ?');
      await checkPage(page, 'delete confirmation');
      await page.getByRole('link', { name: 'Annuler, garder le document' }).click();

      await page.getByRole('link', { name: 'Télécharger mes données' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mes données personnelles');
      await checkPage(page, 'Mes données');
      const [archive] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Télécharger mes données' }).click(),
      ]);
      expect(archive.suggestedFilename()).toMatch(/^mes-donnees-tarnos-\d{4}-\d{2}-\d{2}\.zip$/);
    } finally {
      await context.close();
    }
  });
});
