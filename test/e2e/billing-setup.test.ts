import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickAndLoad,
  expectAccessiblePage,
  heading,
  launchBrowser,
  navigate,
  newContext,
  startE2eServer,
  type E2eServer,
} from '../helpers/browser.js';
import { createActivity, createAgentFixture, familyByKey } from '../helpers/fixtures.js';

/**
 * The régie's setup in Chromium (Tarnos, with its demo billing data): an admin goes through
 * the régies, the tariffs, the billing settings and the online payment settings, records a tariff by brackets (adding a
 * row without JavaScript, correcting a wrong price) and a family's QF. Every page is checked
 * with axe on a desktop and at 320 px. One browser context, few page loads.
 */
let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer(), launchBrowser()]);
  context = await newContext(browser);
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const open = (path: string) => navigate(page, () => page.goto(`${server.baseUrl}${path}`));
const click = (name: string, role: 'button' | 'link' = 'button') => clickAndLoad(page, page.getByRole(role, { name, exact: true }));

describe('billing setup in Chromium (Tarnos)', () => {
  it('lets an admin record a tariff by brackets and a family’s QF, every page accessible', async () => {
    const admin = await createAgentFixture(server.db.pool, 'tarnos', 'admin');
    const activityId = await createActivity(server.db.pool, 'tarnos', { name: 'Garderie du matin', site: 'École Jean Jaurès' });
    const martin = await familyByKey(server.db.pool, 'tarnos', '40220-MARTIN1');

    expect(await open('/tarnos/agents/connexion')).toBe(200);
    await page.getByLabel("Nom d'utilisateur").fill(admin.username);
    await page.getByLabel('Mot de passe').fill(admin.password);
    expect(await click('Connexion')).toBe(200);

    // Régies: the demo régie, and the new activity listed as not invoiced.
    expect(await open('/tarnos/agents/facturation/regies')).toBe(200);
    expect(await page.getByRole('row', { name: /Régie Enfance Jeunesse ENF/ }).count()).toBe(1);
    expect(await page.getByText('Garderie du matin (École Jean Jaurès)').count()).toBe(1);
    await expectAccessiblePage(page, 'régies');
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Modifier la régie Régie Enfance Jeunesse' }))).toBe(200);
    await expectAccessiblePage(page, 'régie form');

    // Tariffs: the demo tariffs in force, then the new activity's page.
    expect(await open('/tarnos/agents/facturation/tarifs')).toBe(200);
    await expectAccessiblePage(page, 'tariffs');
    expect(await clickAndLoad(page, page.getByRole('link', { name: 'Garderie du matin : tarifs' }))).toBe(200);
    expect(await heading(page)).toBe('Garderie du matin');
    await expectAccessiblePage(page, 'tariff of an activity without one');

    await page.getByLabel("Date d'effet").fill('01/01/2027');
    await page.getByLabel('Garde (accueil, centre de loisirs)', { exact: false }).check();
    await page.locator('#qf0').fill('0');
    await page.locator('#prix0').fill('1,20');
    await page.locator('#qf1').fill('800');
    await page.locator('#prix1').fill('2,505');
    await page.locator('#qf2').fill('1 200');
    await page.locator('#prix2').fill('3,10');
    await page.locator('#qf3').fill('1600');
    await page.locator('#prix3').fill('3,60');
    // A fifth row, without JavaScript: the form comes back with what was typed.
    expect(await click('Ajouter une tranche')).toBe(200);
    expect(await page.locator('#qf3').inputValue()).toBe('1600');
    await page.locator('#qf4').fill('2000');
    await page.locator('#prix4').fill('4,10');
    expect(await click('Enregistrer ce tarif')).toBe(400);
    expect(await page.title()).toMatch(/^Erreur : /);
    expect(await page.locator('#prix1-error').textContent()).toContain('Le prix de la tranche 2 est un montant en euros');
    expect(await page.locator('#prix1').inputValue()).toBe('2,505');
    await expectAccessiblePage(page, 'tariff form with an error');
    await page.locator('#prix1').fill('2,50');
    expect(await click('Enregistrer ce tarif')).toBe(200);
    expect(await page.getByRole('heading', { name: 'À partir du 01/01/2027', level: 3 }).count()).toBe(1);
    expect(await page.getByRole('row', { name: 'De 800 € à 1199 € 2,50 € Même prix' }).count()).toBe(1);
    await expectAccessiblePage(page, 'tariff with its version');
    expect(page.url()).toBe(`${server.baseUrl}/tarnos/agents/facturation/tarifs/${activityId}`);

    expect(await open('/tarnos/agents/facturation/parametres')).toBe(200);
    expect(await page.getByLabel('Majoration des repas pris sans réservation (%)').inputValue()).toBe('30');
    await expectAccessiblePage(page, 'billing settings');

    // Online payment: PayFiP chosen while the régie has no client number is refused at its field.
    expect(await open('/tarnos/agents/facturation/paiement-en-ligne')).toBe(200);
    await expectAccessiblePage(page, 'online payment settings');
    await page.getByLabel('PayFiP, le service de paiement en ligne de la DGFiP').check();
    expect(await click('Enregistrer')).toBe(400);
    expect(await page.getByLabel('Régie Enfance Jeunesse (ENF)').getAttribute('aria-invalid')).toBe('true');
    await expectAccessiblePage(page, 'online payment settings with an error');

    // The family file's "Facturation": the demo QF, then a new one from January.
    expect(await open(`/tarnos/agents/familles/${martin.id}`)).toBe(200);
    expect(await clickAndLoad(page, page.getByRole('link', { name: /^Quotient familial et payeur des factures/ }))).toBe(200);
    expect(await heading(page)).toBe('Famille MARTIN : facturation');
    await page.getByLabel('Quotient familial (€)').fill('1 020');
    await page.getByLabel("Date d'effet").fill('01/01/2027');
    expect(await click('Enregistrer le quotient familial')).toBe(200);
    expect(await page.getByRole('row', { name: /^01\/01\/2027( \(en vigueur\))? 1\s?020\s€ Services de la commune/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /^01\/09\/2026( \(en vigueur\))? 850\s€ Attestation CAF ou MSA/ }).count()).toBe(1);
    await expectAccessiblePage(page, 'family billing');
  });
});
