import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CAPTCHA } from '../helpers/app.js';
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
import { createAgentFixture } from '../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../helpers/smtp.js';

/**
 * Accounts to activate, in Chromium: a parent without a Clé Enfance signs up through the
 * wizard and follows the email link; an agent signs in, finds the account in the list and
 * activates it with a new family file; the parent gets the mail and the family opens.
 * Every back-office page of issue 4 this engineer built is checked with axe on desktop and
 * at 320 px, in its normal and its error states.
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
async function expectErrorState(page: Page, status: number, field: string, message: string): Promise<void> {
  expect(status).toBe(400);
  expect(await page.title()).toMatch(/^Erreur : /);
  await expect.poll(() => page.locator('[data-error-summary]:focus').count()).toBe(1);
  const link = page.locator('[data-error-summary]').getByRole('link', { name: message });
  expect(await link.getAttribute('href')).toBe(`#${field}`);
  expect(await page.locator(`#${field}-error`).textContent()).toContain(message);
}

const PERSON = {
  lastName: 'Etcheberry',
  firstNames: 'Maïa',
  email: 'maia.etcheberry@example.fr',
  username: 'metcheberry',
  password: 'Vague-Sable-2026',
};

describe('activating an account in Chromium (Tarnos)', () => {
  it('goes from the sign-up without a key to the activated family', { timeout: 240_000 }, async () => {
    const parentContext = await newContext(browser);
    const agentContext = await newContext(browser);
    try {
      // ------------------------------------------------ the parent signs up through the wizard, without a Clé Enfance
      const parent = await parentContext.newPage();
      expect(await navigate(parent, () => parent.goto(`${server.baseUrl}/tarnos/creer-mon-espace`))).toBe(200);
      expect(await click(parent, parent.getByRole('link', { name: 'Je crée mon espace' }))).toBe(200);
      await parent.getByRole('radio', { name: 'Madame' }).check();
      await parent.getByLabel('Nom usuel').fill(PERSON.lastName);
      await parent.getByLabel('Prénom(s)').fill(PERSON.firstNames);
      expect(await click(parent, button(parent, 'Suivant'))).toBe(200);
      expect(await heading(parent)).toBe('Adresse');
      await parent.getByLabel('Numéro').fill('7');
      await parent.getByLabel('Nom de la voie').fill('Rue du Port');
      await parent.getByLabel('Code postal').fill('40220');
      await parent.getByLabel('Ville').fill('Tarnos');
      expect(await click(parent, button(parent, 'Suivant'))).toBe(200);
      expect(await heading(parent)).toBe('Moyens de contact');
      await parent.getByLabel('Courriel').fill(PERSON.email);
      expect(await click(parent, button(parent, 'Suivant'))).toBe(200);
      expect(await heading(parent)).toBe('Authentification');
      await parent.getByLabel("Nom d'utilisateur").fill(PERSON.username);
      await parent.getByLabel(/^\* ?Mot de passe/).fill(PERSON.password);
      await parent.getByLabel(/Confirmation du mot de passe/).fill(PERSON.password);
      await parent.getByLabel('Entrer le texte ci-dessous').fill(TEST_CAPTCHA);
      expect(await click(parent, button(parent, 'Valider'))).toBe(200);
      expect(await heading(parent)).toBe('Votre espace a bien été créé');

      const activation = await waitFor(() => smtp.to(PERSON.email)[0], 15_000, 'the activation mail');
      const link = linksIn(activation).find((l) => l.startsWith(`${server.baseUrl}/tarnos/activation`));
      expect(link).toBeDefined();
      expect(await navigate(parent, () => parent.goto(link!))).toBe(200);
      expect(await parent.getByText('en attente de validation par les services').count()).toBe(1);

      // The parent signs in and accepts the CGU: the dashboard says the account waits.
      expect(await click(parent, parent.getByRole('link', { name: "Aller à l'accueil pour me connecter" }))).toBe(200);
      const perso = parent.getByRole('region', { name: 'Mon espace perso' });
      await perso.getByLabel('Identifiant').fill(PERSON.username);
      await perso.getByLabel('Mot de passe').fill(PERSON.password);
      expect(await click(parent, perso.getByRole('button', { name: 'Connexion' }))).toBe(200);
      await parent.getByRole('region', { name: /Texte des conditions générales d'utilisation/ }).focus();
      await parent.keyboard.press('End');
      const accept = button(parent, "J'accepte les conditions générales d'utilisation");
      await expect.poll(() => accept.isEnabled()).toBe(true);
      expect(await click(parent, accept)).toBe(200);
      expect(await parent.getByRole('heading', { name: 'Votre espace est en attente de validation par les services' }).count()).toBe(1);

      // ------------------------------------------------ an admin signs in and finds the account
      const admin = await createAgentFixture(server.db.pool, 'tarnos', 'admin');
      const page = await agentContext.newPage();
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/connexion`))).toBe(200);
      await page.getByLabel("Nom d'utilisateur").fill(admin.username);
      await page.getByLabel('Mot de passe').fill(admin.password);
      expect(await click(page, button(page, 'Connexion'))).toBe(200);
      expect(await heading(page)).toBe(`Bonjour ${admin.displayName}`);
      expect(await page.getByRole('link', { name: '1 compte à activer' }).count()).toBe(1);
      await checkPage(page, "agents' home");

      expect(await click(page, page.getByRole('link', { name: '1 compte à activer' }))).toBe(200);
      expect(await heading(page)).toBe('Comptes à activer');
      const row = page.getByRole('row', { name: new RegExp(PERSON.lastName, 'i') });
      expect(await row.getByText('Dans les délais').count()).toBe(1);
      await checkPage(page, 'accounts to activate');

      await page.getByLabel('Rechercher un compte').fill(PERSON.email);
      expect(await click(page, button(page, 'Rechercher'))).toBe(200);
      expect(await page.getByText(`1 compte trouvé pour « ${PERSON.email} »`).count()).toBe(1);
      await checkPage(page, 'accounts to activate, searched');
      expect(await click(page, page.getByRole('link', { name: `${PERSON.firstNames} ${PERSON.lastName.toUpperCase()}` }))).toBe(200);

      // ------------------------------------------------ the detail, and its error states
      expect(await heading(page)).toBe(`${PERSON.firstNames} ${PERSON.lastName.toUpperCase()}`);
      expect(await page.getByText('Rue du Port').count()).toBeGreaterThan(0);
      expect(await page.getByText(PERSON.username, { exact: true }).count()).toBe(1);
      await checkPage(page, 'account detail');

      let status = await click(page, button(page, 'Refuser le compte'));
      await expectErrorState(page, status, 'motif', 'Saisissez le motif du refus');
      await checkPage(page, 'account detail, refusal without a reason');

      await page.getByLabel('Rechercher un dossier famille').fill('durand');
      expect(await click(page, page.getByRole('search', { name: 'Dossiers famille' }).getByRole('button', { name: 'Rechercher' }))).toBe(
        200,
      );
      expect(await page.getByRole('radio', { name: /DURAND/ }).count()).toBe(1);
      await checkPage(page, 'account detail, family files found');
      status = await click(page, button(page, 'Activer et rattacher au dossier choisi'));
      await expectErrorState(page, status, 'dossier', 'Choisissez le dossier famille auquel rattacher le compte');
      await checkPage(page, 'account detail, no family file chosen');

      // ------------------------------------------------ activation with a new family file
      expect(await click(page, button(page, 'Activer et créer le dossier famille'))).toBe(200);
      expect(await heading(page)).toBe('Comptes à activer');
      expect(
        await page
          .getByText(/est activé et rattaché au dossier famille ETCHEBERRY \(nouveau dossier, clé Enfance \d{5}-[A-Z0-9]{7}\)/)
          .count(),
      ).toBe(1);
      expect(await page.getByText('Aucun compte à activer : tout est à jour.').count()).toBe(1);
      await checkPage(page, 'accounts to activate, after the activation');
      const { rows } = await server.db.pool.query<{ id: string }>('select id from accounts where email = $1', [PERSON.email]);
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/agents/comptes/${rows[0]!.id}`))).toBe(200);
      expect(await page.getByText(/Compte activé le \d\d\/\d\d\/\d{4} à \d\d:\d\d, rattaché au dossier famille ETCHEBERRY/).count()).toBe(
        1,
      );
      expect(await page.getByRole('button', { name: 'Refuser le compte' }).count()).toBe(0);
      await checkPage(page, 'account detail, activated');

      // ------------------------------------------------ the parent's mail and dashboard
      const validated = await waitFor(
        () => smtp.to(PERSON.email).find((m) => m.subject === 'Votre espace famille est validé'),
        15_000,
        'the validation mail',
      );
      expect(validated.text).toContain(`Bonjour Mme ${PERSON.lastName.toUpperCase()},`);
      expect(validated.text).toContain('rattaché au dossier famille ETCHEBERRY');
      expect(await navigate(parent, () => parent.reload())).toBe(200);
      expect(await parent.getByText('en attente de validation', { exact: false }).count()).toBe(0);
      expect(await parent.getByText('Dossier famille ETCHEBERRY').count()).toBe(1);

      // ------------------------------------------------ the admin's other pages: team, new agent, audit log
      expect(await click(page, page.getByRole('link', { name: 'Équipe' }))).toBe(200);
      expect(await heading(page)).toBe('Équipe');
      await checkPage(page, 'team');
      expect(await click(page, page.getByRole('link', { name: 'Ajouter un agent' }))).toBe(200);
      await checkPage(page, 'new agent');
      await page.getByLabel("Nom de l'agent").fill('Jon Etxeberri');
      await page.getByLabel("Nom d'utilisateur").fill('jetxeberri');
      await page.getByLabel(/^\* ?Mot de passe/).fill('court');
      await page.getByLabel(/Confirmation du mot de passe/).fill('court');
      status = await click(page, button(page, "Créer l'agent"));
      await expectErrorState(page, status, 'motDePasse', 'Le mot de passe doit contenir au moins 12 caractères');
      await checkPage(page, 'new agent, with an error');
      await page.getByLabel(/^\* ?Mot de passe/).fill('Marees-Hautes-2027');
      await page.getByLabel(/Confirmation du mot de passe/).fill('Marees-Hautes-2027');
      expect(await click(page, button(page, "Créer l'agent"))).toBe(200);
      expect(await page.getByText('Jon Etxeberri (jetxeberri) peut maintenant se connecter').count()).toBe(1);

      // The newcomer's first sign-in: the admin's password opens only the page to choose one's own.
      const newcomerContext = await newContext(browser);
      try {
        const jon = await newcomerContext.newPage();
        expect(await navigate(jon, () => jon.goto(`${server.baseUrl}/tarnos/agents/connexion`))).toBe(200);
        await jon.getByLabel("Nom d'utilisateur").fill('jetxeberri');
        await jon.getByLabel('Mot de passe').fill('Marees-Hautes-2027');
        expect(await click(jon, button(jon, 'Connexion'))).toBe(200);
        expect(await heading(jon)).toBe('Choisissez votre mot de passe');
        await checkPage(jon, "an agent's first sign-in");
        await jon.getByLabel(/^\* ?Mot de passe/).fill('Marees-Hautes-2027');
        await jon.getByLabel(/Confirmation du mot de passe/).fill('Marees-Hautes-2027');
        const same = await click(jon, button(jon, 'Valider'));
        await expectErrorState(jon, same, 'motDePasse', "Le nouveau mot de passe doit être différent de celui choisi par l'administrateur");
        await checkPage(jon, "an agent's first sign-in, with an error");
        await jon.getByLabel(/^\* ?Mot de passe/).fill('Galets-Du-Port-2028');
        await jon.getByLabel(/Confirmation du mot de passe/).fill('Galets-Du-Port-2028');
        expect(await click(jon, button(jon, 'Valider'))).toBe(200);
        expect(await heading(jon)).toBe('Bonjour Jon Etxeberri');
      } finally {
        await newcomerContext.close();
      }
      expect(await click(page, page.getByRole('link', { name: 'Réinitialiser le mot de passe de Jon Etxeberri' }))).toBe(200);
      expect(await heading(page)).toBe('Réinitialiser le mot de passe de Jon Etxeberri');
      await checkPage(page, "an agent's password reset");
      await page.getByLabel(/^\* ?Mot de passe/).fill('court');
      await page.getByLabel(/Confirmation du mot de passe/).fill('court');
      status = await click(page, button(page, 'Réinitialiser le mot de passe'));
      await expectErrorState(page, status, 'motDePasse', 'Le mot de passe doit contenir au moins 12 caractères');
      await checkPage(page, "an agent's password reset, with an error");
      expect(await click(page, page.getByRole('link', { name: 'Annuler' }))).toBe(200);
      expect(await click(page, button(page, 'Désactiver Jon Etxeberri'))).toBe(200);
      expect(await page.getByRole('button', { name: 'Réactiver Jon Etxeberri' }).count()).toBe(1);
      await checkPage(page, 'team, after disabling an agent');

      expect(await click(page, page.getByRole('link', { name: 'Journal', exact: true }))).toBe(200);
      expect(await heading(page)).toBe('Journal des actions');
      expect(await page.getByRole('cell', { name: "Activation d'un compte" }).count()).toBe(1);
      await checkPage(page, 'audit log');
      await page.getByLabel('Du', { exact: true }).fill('31/02/2026');
      status = await click(page, button(page, 'Filtrer'));
      await expectErrorState(page, status, 'du', 'La date de début doit être une date réelle, comme 21/11/2026');
      await checkPage(page, 'audit log, with an error');
      await page.getByLabel('Du', { exact: true }).fill('');
      await page.getByLabel('Action').selectOption({ label: "Création d'un dossier famille" });
      expect(await click(page, button(page, 'Filtrer'))).toBe(200);
      expect(await page.getByText('1 ligne pour ces filtres.').count()).toBe(1);
      await checkPage(page, 'audit log, filtered');
    } finally {
      await parentContext.close();
      await agentContext.close();
    }
  });
});
