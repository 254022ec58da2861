import zlib from 'node:zlib';
import type { Browser, Locator, Page } from 'playwright-core';
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
import { linksIn, TestSmtpServer } from '../helpers/smtp.js';

/**
 * The whole "Créer mon espace" journey in Chromium, as a person does it: by labels and
 * button names, in Tarnos (the strictest password policy), with a photo, a mistake on
 * every step, the activation mail through a real SMTP server, the first sign-in and the
 * CGU. Every state the person sees is checked with axe on desktop and at 320 px.
 */

let server: E2eServer;
let browser: Browser;
const smtp = new TestSmtpServer();

beforeAll(async () => {
  await smtp.start();
  [server, browser] = await Promise.all([startE2eServer({ smtpUrl: smtp.url }), launchBrowser()]);
  // The journey depends on the test solution being accepted by every security check.
  expect(server.config.captchaTestSolution).toBe(TEST_CAPTCHA);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
});

// ---------------------------------------------------------------- a tiny, valid PNG

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8×8 RGB PNG in the town's blue: signature, IHDR, one deflated IDAT, IEND. */
function tinyPng(size = 8): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: truecolour
  // compression, filter and interlace methods stay 0
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [0x1d, 0x4f, 0x91]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- helpers

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/**
 * An error state as the rules want it: status 400, "Erreur : " in the title, focus on the
 * error summary, a link in it to the field, the message beside the field.
 */
async function expectErrorState(page: Page, status: number, field: string, message: string): Promise<void> {
  expect(status).toBe(400);
  expect(await page.title()).toMatch(/^Erreur : /);
  // Focus is on the summary (main.js), so a screen reader announces the problems first.
  await expect.poll(() => page.locator('[data-error-summary]:focus').count()).toBe(1);
  const summary = page.locator('[data-error-summary]');
  expect(await summary.getByRole('heading', { name: 'Il y a un problème' }).count()).toBe(1);
  const link = summary.getByRole('link', { name: message });
  expect(await link.getAttribute('href')).toBe(`#${field}`);
  const input = page.locator(`#${field}`);
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  expect(await input.getAttribute('aria-describedby')).toContain(`${field}-error`);
  expect(await page.locator(`#${field}-error`).textContent()).toContain(message);
}

const value = (locator: Locator) => locator.inputValue();

// ---------------------------------------------------------------- the journey

const PERSON = {
  lastName: 'Lacoste',
  firstNames: 'Amélie',
  email: 'amelie.lacoste@example.fr',
  username: 'alacoste',
  password: 'Plage-Metro-2026',
};

describe('Créer mon espace in Chromium (Tarnos)', () => {
  it('goes from the town home to the greeting, accessible at every step and every error', { timeout: 180_000 }, async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();

      // ------------------------------------------------ town home → BIENVENUE
      expect(await navigate(page, () => page.goto(`${server.baseUrl}/tarnos/`))).toBe(200);
      await checkPage(page, 'town home');
      expect(await click(page, page.getByRole('link', { name: 'Créer mon espace' }))).toBe(200);

      expect(await heading(page)).toBe('Bienvenue');
      expect(await page.getByText('Étape 1 sur 5 : Bienvenue').count()).toBe(1);
      await checkPage(page, 'BIENVENUE');
      expect(await click(page, page.getByRole('link', { name: 'Je crée mon espace' }))).toBe(200);

      // ------------------------------------------------ IDENTITÉ: first without the usual name, with the photo
      expect(await heading(page)).toBe('Identité');
      expect(await page.getByText('Étape 2 sur 5 : Identité').count()).toBe(1);
      await checkPage(page, 'IDENTITÉ');
      await page.getByRole('radio', { name: 'Madame' }).check();
      await page.getByLabel('Prénom(s)').fill(PERSON.firstNames);
      await page.getByLabel('Jour').fill('14');
      await page.getByLabel('Mois').fill('6');
      await page.getByLabel('Année').fill('1988');
      await page.getByLabel('Pays de naissance').fill('France');
      await page.getByLabel('Département de naissance').fill('Landes');
      await page.getByLabel('Commune de naissance').fill('Dax');
      await page.getByLabel('Photo', { exact: true }).setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: tinyPng() });
      let status = await click(page, button(page, 'Suivant'));
      await expectErrorState(page, status, 'nomUsuel', 'Saisissez votre nom usuel');
      // What was typed is kept, and so is the photo: a file input cannot be filled again.
      expect(await page.getByRole('radio', { name: 'Madame' }).isChecked()).toBe(true);
      expect(await value(page.getByLabel('Prénom(s)'))).toBe(PERSON.firstNames);
      expect(await value(page.getByLabel('Commune de naissance'))).toBe('Dax');
      expect(await page.getByRole('img', { name: 'Votre photo actuelle' }).count()).toBe(1);
      await checkPage(page, 'IDENTITÉ with an error');

      await page.getByLabel('Nom usuel').fill(PERSON.lastName);
      expect(await click(page, button(page, 'Suivant'))).toBe(200);

      // ------------------------------------------------ ADRESSE: first with a postal code that is not French
      expect(await heading(page)).toBe('Adresse');
      expect(await page.getByText('Étape 3 sur 5 : Adresse').count()).toBe(1);
      expect(await value(page.getByLabel('Pays', { exact: true }))).toBe('France');
      await checkPage(page, 'ADRESSE');
      await page.getByLabel('Numéro').fill('3');
      await page.getByLabel('Nom de la voie').fill('Rue des Pins');
      await page.getByLabel('Code postal').fill('4022');
      await page.getByLabel('Ville').fill('Tarnos');
      status = await click(page, button(page, 'Suivant'));
      await expectErrorState(page, status, 'codePostal', 'Le code postal doit comporter 5 chiffres, par exemple 40220');
      expect(await value(page.getByLabel('Nom de la voie'))).toBe('Rue des Pins');
      expect(await value(page.getByLabel('Code postal'))).toBe('4022');
      await checkPage(page, 'ADRESSE with an error');

      // PRÉCÉDENT keeps what was typed on both sides: IDENTITÉ as accepted, ADRESSE as corrected.
      await page.getByLabel('Code postal').fill('40220');
      await page.getByLabel('Appartement').fill('12');
      expect(await click(page, button(page, 'Précédent'))).toBe(200);
      expect(await heading(page)).toBe('Identité');
      expect(await value(page.getByLabel('Nom usuel'))).toBe(PERSON.lastName);
      expect(await value(page.getByLabel('Prénom(s)'))).toBe(PERSON.firstNames);
      expect([await value(page.getByLabel('Jour')), await value(page.getByLabel('Mois')), await value(page.getByLabel('Année'))]).toEqual([
        '14',
        '6',
        '1988',
      ]);
      expect(await page.getByRole('radio', { name: 'Madame' }).isChecked()).toBe(true);
      expect(await page.getByRole('img', { name: 'Votre photo actuelle' }).count()).toBe(1);
      expect(await click(page, button(page, 'Suivant'))).toBe(200);
      expect(await heading(page)).toBe('Adresse');
      expect(await value(page.getByLabel('Code postal'))).toBe('40220');
      expect(await value(page.getByLabel('Appartement'))).toBe('12');
      expect(await value(page.getByLabel('Nom de la voie'))).toBe('Rue des Pins');
      expect(await click(page, button(page, 'Suivant'))).toBe(200);

      // ------------------------------------------------ MOYENS DE CONTACT: first without the email
      expect(await heading(page)).toBe('Moyens de contact');
      expect(await page.getByText('Étape 4 sur 5 : Moyens de contact').count()).toBe(1);
      await checkPage(page, 'MOYENS DE CONTACT');
      await page.getByLabel('Mobile').fill('06 12 34 56 78');
      status = await click(page, button(page, 'Suivant'));
      await expectErrorState(page, status, 'courriel', 'Saisissez votre adresse de courriel');
      expect(await value(page.getByLabel('Mobile'))).not.toBe('');
      await checkPage(page, 'MOYENS DE CONTACT with an error');
      await page.getByLabel('Courriel').fill(PERSON.email);
      await page.getByLabel('Moyen de contact préféré').selectOption({ label: 'Courriel' });
      expect(await click(page, button(page, 'Suivant'))).toBe(200);

      // ------------------------------------------------ AUTHENTIFICATION: first with a password Tarnos refuses
      expect(await heading(page)).toBe('Authentification');
      expect(await page.getByText('Étape 5 sur 5 : Authentification').count()).toBe(1);
      // Tarnos's policy is stated before anything is typed.
      expect(await page.getByText('1 majuscule, 1 minuscule et 1 chiffre').count()).toBe(1);
      await checkPage(page, 'AUTHENTIFICATION');
      // Case-sensitive: "Mot de passe" is not "Confirmation du mot de passe".
      const password = () => page.getByLabel(/Mot de passe/);
      const confirmation = () => page.getByLabel(/Confirmation du mot de passe/);
      await page.getByLabel("Nom d'utilisateur").fill(PERSON.username);
      await password().fill('plage-metro-2026');
      await confirmation().fill('plage-metro-2026');
      await page.getByLabel('Entrer le texte ci-dessous').fill(TEST_CAPTCHA);
      status = await click(page, button(page, 'Valider'));
      await expectErrorState(page, status, 'motDePasse', 'Le mot de passe doit contenir au moins une majuscule');
      expect(await value(page.getByLabel("Nom d'utilisateur"))).toBe(PERSON.username);
      // Never a password sent back.
      expect([await value(password()), await value(confirmation())]).toEqual(['', '']);
      await checkPage(page, 'AUTHENTIFICATION with an error');

      // PRÉCÉDENT, then SUIVANT: contact details and the username are still there.
      expect(await click(page, button(page, 'Précédent'))).toBe(200);
      expect(await heading(page)).toBe('Moyens de contact');
      expect(await value(page.getByLabel('Courriel'))).toBe(PERSON.email);
      expect(await value(page.getByLabel('Mobile'))).not.toBe('');
      expect(await click(page, button(page, 'Suivant'))).toBe(200);
      expect(await heading(page)).toBe('Authentification');
      expect(await value(page.getByLabel("Nom d'utilisateur"))).toBe(PERSON.username);

      await password().fill(PERSON.password);
      await confirmation().fill(PERSON.password);
      await page.getByLabel('Entrer le texte ci-dessous').fill(TEST_CAPTCHA);
      expect(await click(page, button(page, 'Valider'))).toBe(200);

      // ------------------------------------------------ confirmation
      expect(await heading(page)).toBe('Votre espace a bien été créé');
      expect(await page.getByText(PERSON.email).count()).toBeGreaterThan(0);
      await checkPage(page, 'confirmation');

      // ------------------------------------------------ the activation mail, through SMTP
      const mail = await waitFor(() => smtp.to(PERSON.email)[0], 15_000, 'the activation mail');
      expect(mail.text).toContain(`Bonjour Mme ${PERSON.lastName.toUpperCase()},`);
      const link = linksIn(mail).find((l) => l.startsWith(`${server.baseUrl}/tarnos/activation`));
      expect(link, `activation link in:\n${mail.text}`).toBeDefined();

      expect(await navigate(page, () => page.goto(link!))).toBe(200);
      expect(await heading(page)).toBe('Votre espace est activé');
      expect(await page.getByText('en attente de validation par les services').count()).toBe(1);
      await checkPage(page, 'activation');
      expect(await click(page, page.getByRole('link', { name: "Aller à l'accueil pour me connecter" }))).toBe(200);

      // ------------------------------------------------ MON ESPACE PERSO: a wrong password first
      const perso = page.getByRole('region', { name: 'Mon espace perso' });
      await perso.getByLabel('Identifiant').fill(PERSON.username);
      await perso.getByLabel('Mot de passe').fill('Pas-le-bon-2026');
      status = await click(page, perso.getByRole('button', { name: 'Connexion' }));
      expect(status).toBe(401);
      expect(await page.title()).toMatch(/^Erreur : /);
      await expect.poll(() => page.locator('[data-error-summary]:focus').count()).toBe(1);
      expect(await page.locator('[data-error-summary]').getByRole('link', { name: 'Identifiant ou mot de passe incorrect' }).count()).toBe(
        1,
      );
      expect(await value(perso.getByLabel('Mot de passe'))).toBe('');
      await checkPage(page, 'sign-in with an error');

      await perso.getByLabel('Identifiant').fill(PERSON.username);
      await perso.getByLabel('Mot de passe').fill(PERSON.password);
      expect(await click(page, perso.getByRole('button', { name: 'Connexion' }))).toBe(200);

      // ------------------------------------------------ CGU: the button waits until the text has been read
      expect(await heading(page)).toBe("Conditions générales d'utilisation");
      await checkPage(page, 'CGU acceptance');
      const accept = button(page, "J'accepte les conditions générales d'utilisation");
      expect(await accept.isDisabled()).toBe(true);
      // The keyboard path: the text region takes focus, End scrolls it to its end.
      await page.getByRole('region', { name: /Texte des conditions générales d'utilisation/ }).focus();
      await page.keyboard.press('End');
      await expect.poll(() => accept.isEnabled()).toBe(true);
      expect(await click(page, accept)).toBe(200);

      // ------------------------------------------------ the dashboard's greeting
      expect(await heading(page)).toBe(`Bonjour Madame ${PERSON.lastName.toUpperCase()}.`);
      expect(await page.getByText("C'est votre première connexion").count()).toBe(1);
      expect(await page.getByRole('heading', { name: 'Votre espace est en attente de validation par les services' }).count()).toBe(1);
      expect(await page.getByRole('img', { name: 'Votre photo' }).count()).toBe(1);
      await checkPage(page, 'dashboard');
    } finally {
      await context.close();
    }
  });
});
