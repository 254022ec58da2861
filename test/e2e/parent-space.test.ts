import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  newContext,
  startE2eServer,
  waitFor,
  type E2eServer,
  expectAccessiblePage as checkPage,
} from '../helpers/browser.js';
import { pdf } from '../helpers/files.js';
import { createAgentFixture, createChild, createFamily, createParent, LONG_AGENT_NAME, longEmail } from '../helpers/fixtures.js';
import { TestSmtpServer } from '../helpers/smtp.js';

/**
 * The parent's space in Chromium, as a person uses it: a Tarnos parent changes a phone
 * number, adds a medical certificate to the private storage, sends an "Ajouter un membre" request; an agent finds it in the queue and accepts
 * it; the parent sees the new member and the request accepted. Every page of the parent's
 * space and of the request queue is checked with axe on a desktop and at 320 px.
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

async function h1(page: Page): Promise<string> {
  return ((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim();
}

/** A family file of Tarnos with one child, and its parent (validated, CGU accepted). */
async function tarnosFamily(key: string) {
  const family = await createFamily(server.db.pool, 'tarnos', {
    cleEnfance: key,
    name: 'TOULEMONDE',
    addressLine: '14 boulevard Jacques Duclos',
    postalCode: '40220',
    city: 'Tarnos',
  });
  const familyId = family.id;
  const childId = await createChild(server.db.pool, 'tarnos', familyId, {
    firstNames: 'Charlotte',
    lastName: 'TOULEMONDE',
    birthDate: '2017-06-02',
    school: 'École Félix Concaret',
    className: 'CE2',
  });
  const parent = await createParent(server.db.pool, 'tarnos', {
    familyId,
    // Long, accented values, so the 320 px checks see what real families type.
    lastName: "Toulemonde-D'Aubigné-Lévêque",
    firstNames: 'Jacques',
    email: longEmail(),
    addressNumber: '14',
    addressStreet: 'Boulevard Jacques Duclos',
    postalCode: '40220',
    city: 'Tarnos',
    mobile: '05 34 25 86 15',
  });
  return { familyId, childId, parent };
}

describe("the parent's space in Chromium", () => {
  let parentContext: BrowserContext;
  let agentContext: BrowserContext;

  afterAll(async () => {
    await parentContext?.close();
    await agentContext?.close();
  });

  it('changes a phone number, stores a document, sends "Ajouter un membre"; an agent accepts; the parent sees the new member and the request accepted', async () => {
    const family = await tarnosFamily('40220-TOULEM1');
    parentContext = await newContext(browser, { baseURL: server.baseUrl });
    const page = await parentContext.newPage();

    // ---- sign in: the dashboard
    await page.goto('/tarnos/');
    await page.getByLabel('Identifiant').fill(family.parent.username);
    await page.getByLabel('Mot de passe').fill(family.parent.password);
    await page.getByRole('button', { name: 'Connexion' }).click();
    await page.waitForURL('**/tarnos/mon-espace');
    expect(await h1(page)).toBe("Bonjour Monsieur TOULEMONDE-D'AUBIGNÉ-LÉVÊQUE.");
    for (const name of ['Mon espace', 'Mon tableau de bord', 'Ma famille', 'Actualités']) {
      await page.getByRole('heading', { level: 2, name }).waitFor();
    }
    await checkPage(page, 'dashboard');

    // ---- Coordonnées → Changement de téléphones, with a mistake first
    await page.getByRole('link', { name: /^Coordonnées/ }).click();
    await page.waitForURL('**/mon-espace/coordonnees');
    await checkPage(page, 'Coordonnées');
    await page.getByRole('link', { name: /Changement de téléphones/ }).click();
    await page.waitForURL('**/coordonnees/telephones');
    await checkPage(page, 'Changement de téléphones');
    await page.getByLabel('Mobile').fill('06 34 25 86 1X');
    await page.getByRole('button', { name: 'Enregistrer et transmettre' }).click();
    expect(await page.title()).toMatch(/^Erreur : /);
    await checkPage(page, 'Changement de téléphones with an error');
    await page.getByLabel('Mobile').fill('06 34 25 86 16');
    await page.getByRole('button', { name: 'Enregistrer et transmettre' }).click();
    await page.waitForURL('**/mon-espace/coordonnees');
    expect(await page.getByRole('status').textContent()).toContain('Vos numéros sont modifiés');
    await page.getByText('mobile 06 34 25 86 16').waitFor();

    // ---- Pièces justificatives: a medical certificate with its PDF into the private storage
    await page.goto('/tarnos/mon-espace');
    await page.getByRole('link', { name: /^Pièces justificatives/ }).click();
    await page.waitForURL('**/mon-espace/pieces-justificatives');
    await checkPage(page, 'Pièces justificatives');
    await page.getByRole('link', { name: 'Ajouter un document' }).click();
    await page.getByLabel('Qualification de la pièce').selectOption({ label: 'Certificat médical' });
    await page.getByLabel('Intitulé du document').fill('Certificat de Charlotte');
    await page
      .getByLabel('Fichiers de la pièce')
      .setInputFiles({ name: 'certificat.pdf', mimeType: 'application/pdf', buffer: pdf('Certificat médical') });
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForURL('**/mon-espace/pieces-justificatives');
    expect(await page.getByRole('status').textContent()).toContain('Le document « Certificat de Charlotte » a été ajouté');
    await page.getByRole('link', { name: 'Télécharger certificat.pdf' }).waitFor();
    await checkPage(page, 'Pièces justificatives with a document');

    // ---- Ma famille → Ajouter un membre → Un enfant, with a mistake first
    await page.goto('/tarnos/mon-espace');
    await page.getByRole('link', { name: 'Ajouter un membre' }).click();
    await page.waitForURL('**/ajouter-un-membre');
    await checkPage(page, 'Ajouter un membre');
    await page.getByRole('link', { name: /Un enfant/ }).click();
    await page.waitForURL('**/ajouter-un-membre/enfant');
    expect(await page.getByRole('textbox', { name: /^Nom\b/ }).inputValue()).toBe('TOULEMONDE');
    await checkPage(page, 'Ajouter un enfant');
    await page.getByLabel('Prénom(s)').fill('Coline');
    await page.getByRole('button', { name: 'Envoyer la demande' }).click();
    expect(await page.title()).toMatch(/^Erreur : /);
    await page.getByRole('link', { name: /Saisissez la date de naissance/ }).waitFor();
    await checkPage(page, 'Ajouter un enfant with an error');
    await page.getByLabel('Jour').fill('9');
    await page.getByLabel('Mois').fill('février');
    await page.getByLabel('Année').fill('2022');
    await page.getByLabel('Classe').fill('Petite section');
    await page.getByRole('button', { name: 'Envoyer la demande' }).click();
    await page.waitForURL('**/mon-espace/demandes/*');
    const requestUrl = new URL(page.url()).pathname;
    expect(await h1(page)).toBe("Ajout d'un membre : Coline TOULEMONDE (enfant)");
    await page.getByText('Envoyée', { exact: true }).first().waitFor();
    await checkPage(page, 'the request');
    await waitFor(
      () => smtp.to(family.parent.email).find((m) => m.subject === 'Votre demande a bien été envoyée'),
      10_000,
      'the request mail',
    );

    // ---- the agent: home, queue, the request, Accepter
    const agent = await createAgentFixture(server.db.pool, 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });
    agentContext = await newContext(browser, { baseURL: server.baseUrl });
    const back = await agentContext.newPage();
    await back.goto('/tarnos/agents/connexion');
    await back.getByLabel("Nom d'utilisateur").fill(agent.username);
    await back.getByLabel('Mot de passe').fill(agent.password);
    await back.getByRole('button', { name: 'Connexion' }).click();
    await back.waitForURL('**/tarnos/agents');
    await back.getByRole('link', { name: /demandes? des familles à traiter/ }).waitFor();
    await back.getByRole('navigation', { name: 'Espace agents' }).getByRole('link', { name: 'Demandes' }).click();
    await back.waitForURL('**/agents/demandes');
    expect(await h1(back)).toBe('Demandes des familles');
    await checkPage(back, 'request queue');
    await back.getByLabel('Type').selectOption('add_member');
    await back.getByLabel('Nom de la famille').fill('toulemonde');
    await back.getByRole('button', { name: 'Filtrer' }).click();
    await back.waitForURL('**/agents/demandes?*');
    await checkPage(back, 'request queue, filtered');
    await back.getByRole('link', { name: "Ajout d'un membre : Coline TOULEMONDE (enfant)" }).click();
    await back.waitForURL('**/agents/demandes/*');
    await back.getByText('Charlotte TOULEMONDE').waitFor();
    await checkPage(back, 'a request in the back-office');
    // A refusal needs its reason: the error is shown, nothing changes.
    await back.getByRole('button', { name: 'Refuser la demande' }).click();
    expect(await back.title()).toMatch(/^Erreur : /);
    await checkPage(back, 'a request with an error');
    await back.getByRole('button', { name: 'Accepter la demande' }).click();
    await back.getByRole('status').filter({ hasText: 'Acceptée' }).waitFor();
    await checkPage(back, 'an accepted request');
    // The phone change waits in the queue too.
    await back.goto('/tarnos/agents/demandes?type=contact_change');
    await back.getByRole('link', { name: 'Changement de téléphones' }).first().click();
    await back.getByText('06 34 25 86 16').first().waitFor();
    await checkPage(back, 'a contact change in the back-office');

    // ---- the parent: the new member, the request accepted
    await waitFor(() => smtp.to(family.parent.email).find((m) => m.subject === 'Votre demande : acceptée'), 10_000, 'the acceptance mail');
    await page.goto('/tarnos/mon-espace');
    const members = page.getByRole('region', { name: 'Ma famille' });
    await members.getByText('Coline TOULEMONDE').waitFor();
    expect(await members.textContent()).toMatch(/Jacques TOULEMONDE[\s\S]*Charlotte TOULEMONDE[\s\S]*Coline TOULEMONDE/);
    await page.getByRole('link', { name: /^Dernières demandes/ }).click();
    await page.waitForURL('**/mon-espace/demandes');
    const card = page.getByRole('listitem').filter({ hasText: "Ajout d'un membre : Coline TOULEMONDE (enfant)" });
    expect(await card.textContent()).toContain('Acceptée');
    await checkPage(page, 'Dernières demandes');
    await page.goto(requestUrl);
    await page.getByRole('heading', { level: 2, name: 'Votre demande a été acceptée' }).waitFor();
    await checkPage(page, 'the accepted request');
  }, 240_000);

  it('passes axe on desktop and at 320 px on every other page of the parent space', async () => {
    const family = await tarnosFamily('40220-TOULEM2');
    const context = await newContext(browser, { baseURL: server.baseUrl });
    const page = await context.newPage();
    try {
      await page.goto('/tarnos/');
      await page.getByLabel('Identifiant').fill(family.parent.username);
      await page.getByLabel('Mot de passe').fill(family.parent.password);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL('**/tarnos/mon-espace');

      const pages: [string, string][] = [
        ['/tarnos/mon-espace/echanges', 'Échanges à lire'],
        ['/tarnos/mon-espace/compte', 'Mon compte'],
        ['/tarnos/mon-espace/factures', 'Mes factures'],
        ['/tarnos/mon-espace/edition-de-documents', 'Édition de documents'],
        ['/tarnos/mon-espace/famille', 'Ma famille'],
        ['/tarnos/mon-espace/famille/ajouter-un-membre/adulte', 'Ajouter un adulte'],
        ['/tarnos/mon-espace/coordonnees/adresse', "Changement d'adresse postale"],
        ['/tarnos/mon-espace/coordonnees/courriel', 'Changement de courriel'],
        [`/tarnos/mon-espace/enfants/${family.childId}`, 'Charlotte TOULEMONDE'],
        [`/tarnos/mon-espace/enfants/${family.childId}/dossier`, 'Dossier administratif de Charlotte TOULEMONDE'],
      ];
      for (const [path, title] of pages) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBe(200);
        expect(await h1(page), path).toBe(title);
        await checkPage(page, title);
      }

      // The Dossier administratif: a change, with a mistake first.
      await page.goto(`/tarnos/mon-espace/enfants/${family.childId}/dossier`);
      await page.getByLabel('Allergies').fill('Arachide');
      await page
        .getByRole('group', { name: /photographié ou filmé/ })
        .getByLabel('Oui')
        .check();
      await page.getByRole('group', { name: 'Régime alimentaire' }).getByLabel('Végétarien').check();
      await page.getByLabel('Votre enfant a un PAI').check();
      await page.getByRole('group', { name: 'Personne 1' }).getByLabel('Téléphone').fill('pas un numéro');
      await page.getByRole('button', { name: 'Enregistrer et transmettre' }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await page.getByText('Saisissez les allergènes du PAI, ou décochez la case du PAI').first().waitFor();
      expect(await page.getByLabel('Végétarien').isChecked()).toBe(true);
      await checkPage(page, 'Dossier administratif with errors');
      await page.getByLabel('Allergènes du PAI').fill('Arachide, kiwi');
      await page.getByRole('group', { name: 'Personne 1' }).getByLabel('Nom et prénom').fill('Jeanne Toulemonde');
      await page.getByRole('group', { name: 'Personne 1' }).getByLabel('Téléphone').fill('06 12 34 56 78');
      await page.getByRole('button', { name: 'Enregistrer et transmettre' }).click();
      await page.waitForURL(`**/mon-espace/enfants/${family.childId}`);
      await page.getByText('Jeanne Toulemonde').waitFor();
      await page.getByText('Oui, allergènes : Arachide, kiwi').waitFor();
      await checkPage(page, 'child page after a change');

      // The email change: a wrong password shows its error.
      await page.goto('/tarnos/mon-espace/coordonnees/courriel');
      await page.getByLabel('Nouvelle adresse de courriel').fill('nathalie@example.fr');
      await page.getByLabel('Mot de passe actuel').fill('Pas-le-bon-1');
      await page.getByRole('button', { name: 'Envoyer le lien de confirmation' }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'Changement de courriel with an error');

      // A request with a conversation: the agent writes, the parent reads (Échanges à lire) and answers.
      const { rows } = await server.db.pool.query<{ id: string }>(
        `select id from requests where family_id = $1 and type = 'child_update' order by created_at desc limit 1`,
        [family.familyId],
      );
      const id = rows[0]!.id;
      const agent = await createAgentFixture(server.db.pool, 'tarnos', 'agent', { displayName: LONG_AGENT_NAME });
      const agentContext2 = await newContext(browser, { baseURL: server.baseUrl });
      const back = await agentContext2.newPage();
      await back.goto('/tarnos/agents/connexion');
      await back.getByLabel("Nom d'utilisateur").fill(agent.username);
      await back.getByLabel('Mot de passe').fill(agent.password);
      await back.getByRole('button', { name: 'Connexion' }).click();
      await back.waitForURL('**/tarnos/agents');
      await back.goto(`/tarnos/agents/demandes/${id}`);
      await back.getByLabel('Complément à demander à la famille').fill("Merci de joindre le projet d'accueil individualisé.");
      await back.getByRole('button', { name: 'Demander un complément' }).click();
      await back.getByRole('status').waitFor();
      await checkPage(back, 'a request waiting for a complement (agent)');
      await agentContext2.close();

      await page.goto('/tarnos/mon-espace');
      await page.getByText('1 message non lu').waitFor();
      await page.getByRole('link', { name: /Échanges à lire/ }).click();
      await page.getByText('Non lu', { exact: true }).waitFor();
      await checkPage(page, 'Échanges à lire with an unread message');
      await page.getByRole('link', { name: /Dossier de Charlotte TOULEMONDE/ }).click();
      await page.getByRole('heading', { level: 2, name: "Les services ont besoin d'un complément" }).waitFor();
      await checkPage(page, 'a request waiting for a complement');
      await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
      expect(await page.title()).toMatch(/^Erreur : /);
      await checkPage(page, 'the answer with an error');
      await page.getByLabel('Votre réponse').fill('Le PAI sera déposé lundi.');
      await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
      await page.getByRole('status').filter({ hasText: 'Votre réponse a été transmise' }).waitFor();
      await checkPage(page, 'the request after the answer');
    } finally {
      await context.close();
    }
  }, 240_000);
});
