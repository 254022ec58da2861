import type supertest from 'supertest';
import { expect } from 'vitest';
import { urls, type SignupStep } from '../../../src/routes.js';
import { csrfFrom, TEST_CAPTCHA, type TestApp } from '../../helpers/app.js';
import { page } from '../../helpers/html.js';

/** What the seed's Tarnos user typed (seed 004), as the form's fields. */
export const IDENTITE: Record<string, string> = {
  civilite: 'M',
  nomUsuel: 'Toulemonde',
  nomNaissance: '',
  prenoms: 'Jacques',
  dateNaissanceJour: '27',
  dateNaissanceMois: '3',
  dateNaissanceAnnee: '1985',
  paysNaissance: 'France',
  departementNaissance: 'Pyrénées-Atlantiques',
  communeNaissance: 'Bayonne',
};
export const ADRESSE: Record<string, string> = {
  numero: '14',
  nomVoie: 'Boulevard Jacques Duclos',
  batiment: '',
  appartement: '',
  complement: '',
  codePostal: '40220',
  ville: 'Tarnos',
  pays: 'France',
};
export const CONTACT: Record<string, string> = {
  telephone: '',
  mobile: '0534258615',
  fax: '',
  courriel: 'toulemonde@example.fr',
  moyenContactPrefere: 'courriel',
};
/** Satisfies every demo town's policy. */
export const PASSWORD = 'Ecole-Verte-2026';
export function authentification(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    nomUtilisateur: 'JTOULEMONDE',
    motDePasse: PASSWORD,
    confirmationMotDePasse: PASSWORD,
    cleEnfance: '',
    texteControle: TEST_CAPTCHA,
    reponseQuestion: '',
    siteInternet: '',
    ...overrides,
  };
}

let counter = 0;
/** A unique address per test, so tests of one file do not meet each other's accounts. */
export function uniqueEmail(prefix = 'parent'): string {
  counter += 1;
  return `${prefix}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.fr`;
}
export function uniqueUsername(prefix = 'parent'): string {
  counter += 1;
  return `${prefix}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export const stepUrl = (town: string, step: SignupStep) => urls.signupStep(town, step);

/** A fresh browser on the wizard: the first step's page, and the session's CSRF token. */
export async function openWizard(t: TestApp, town = 'tarnos'): Promise<{ agent: supertest.Agent; token: string }> {
  const agent = t.agent();
  const page = await agent.get(stepUrl(town, 'identite'));
  expect(page.status).toBe(200);
  return { agent, token: csrfFrom(page.text) };
}

export interface Photo {
  content: Buffer;
  filename: string;
  contentType?: string;
}

/** IDENTITÉ, sent as the browser sends it: multipart, the token first, the photo last, then the button. */
export function postIdentite(
  agent: supertest.Agent,
  town: string,
  token: string | undefined,
  fields: Record<string, string> = IDENTITE,
  options: { photo?: Photo; action?: string } = {},
) {
  // As a browser sends it: the app only lets a multipart post through when it is same-origin.
  let req = agent.post(stepUrl(town, 'identite')).set('Sec-Fetch-Site', 'same-origin');
  if (token !== undefined) req = req.field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (options.photo) {
    req = req.attach('photo', options.photo.content, {
      filename: options.photo.filename,
      contentType: options.photo.contentType ?? 'image/png',
    });
  }
  return req.field('action', options.action ?? 'suivant');
}

/** ADRESSE, MOYENS DE CONTACT or AUTHENTIFICATION, url-encoded like any form. */
export function postStep(
  agent: supertest.Agent,
  town: string,
  step: Exclude<SignupStep, 'identite'>,
  token: string | undefined,
  fields: Record<string, string>,
  action = 'suivant',
) {
  const body: Record<string, string> = { ...fields, action };
  if (token !== undefined) body._csrf = token;
  return agent.post(stepUrl(town, step)).type('form').send(body);
}

/** Goes through the steps before `until` with valid values; returns the token. */
export async function fillUntil(
  t: TestApp,
  until: SignupStep,
  options: { town?: string; contact?: Record<string, string>; identite?: Record<string, string> } = {},
): Promise<{ agent: supertest.Agent; token: string }> {
  const town = options.town ?? 'tarnos';
  const { agent, token } = await openWizard(t, town);
  if (until === 'identite') return { agent, token };
  expect((await postIdentite(agent, town, token, options.identite ?? IDENTITE)).status).toBe(303);
  if (until === 'adresse') return { agent, token };
  expect((await postStep(agent, town, 'adresse', token, ADRESSE)).status).toBe(303);
  if (until === 'contact') return { agent, token };
  expect((await postStep(agent, town, 'contact', token, options.contact ?? { ...CONTACT, courriel: uniqueEmail() })).status).toBe(303);
  return { agent, token };
}

/** Shows AUTHENTIFICATION (which issues the security check), then VALIDER with these values. */
export async function validate(agent: supertest.Agent, town: string, token: string, fields: Record<string, string>) {
  const page = await agent.get(stepUrl(town, 'authentification'));
  expect(page.status).toBe(200);
  return postStep(agent, town, 'authentification', token, fields);
}

// ---------------------------------------------------------------- reading pages
// Thin names over test/helpers/html.ts (a real parser), kept for the many tests that use them.

export function titleOf(html: string): string {
  return page(html).title();
}

/** The error summary's links, as [field, message]. */
export function summaryOf(html: string): [string, string][] {
  return page(html)
    .errorSummary()
    .filter((e): e is { field: string; message: string } => e.field !== undefined)
    .map((e) => [e.field, e.message]);
}

/** The message shown beside a field (the partials give it the id `<field>-error`). */
export function fieldErrorOf(html: string, id: string): string | undefined {
  return page(html).fieldError(id);
}

/** The value an input shows ('' when it has none); throws when there is no such input. */
export function inputValue(html: string, id: string): string {
  const p = page(html);
  if (!p.has(`input[id="${id}"]`)) throw new Error(`no input #${id}`);
  return p.fieldValue(id);
}

export function checkedRadio(html: string, name: string): string | undefined {
  const p = page(html);
  return p
    .all(`input[type="radio"][name="${name}"][checked]`)
    .toArray()
    .map((i) => p.$(i).attr('value'))[0];
}

export function selectedOption(html: string, id: string): string | undefined {
  return page(html).selected(id);
}

/** Whatever the page says, without tags, spaces collapsed; no-break spaces read as spaces. */
export function textOf(html: string): string {
  return page(html).text().replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------- images

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** The start of a JPEG (SOI + JFIF APP0): enough for content sniffing. */
export const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
  Buffer.alloc(200, 0),
  Buffer.from([0xff, 0xd9]),
]);

export async function countRows(t: TestApp, table: 'accounts' | 'signup_photos' | 'mail_outbox'): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]!.n;
}

/** The session rows holding a sign-up draft whose contact email is this one. */
export async function draftOf(t: TestApp, email: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await t.db.pool.query<{ sess: { signup?: { values?: { contact?: { courriel?: string } } } } }>(
    `select sess from session`,
  );
  return rows.map((r) => r.sess).find((s) => s.signup?.values?.contact?.courriel === email)?.signup as Record<string, unknown> | undefined;
}
