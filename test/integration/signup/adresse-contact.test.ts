import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import {
  ADRESSE,
  CONTACT,
  fieldErrorOf,
  fillUntil,
  inputValue,
  postStep,
  selectedOption,
  stepUrl,
  summaryOf,
  titleOf,
} from './signup-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

describe('ADRESSE', () => {
  it('shows the seed’s fields, France by default', async () => {
    const { agent } = await fillUntil(t, 'adresse');
    const page = await agent.get(stepUrl('tarnos', 'adresse'));
    expect(titleOf(page.text)).toBe('Adresse – Étape 3 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
    for (const [id, label] of [
      ['numero', 'Numéro'],
      ['nomVoie', 'Nom de la voie'],
      ['batiment', 'Bâtiment'],
      ['appartement', 'Appartement'],
      ['complement', 'Complément'],
      ['codePostal', 'Code postal'],
      ['ville', 'Ville'],
      ['pays', 'Pays'],
    ]) {
      expect(parse(page).one(`label.label[for="${id}"]`).text(), id).toBe(label);
    }
    expect(inputValue(page.text, 'pays')).toBe('France');
    expect(page.text).toMatch(/id="codePostal"[^>]*autocomplete="postal-code"/);
  });

  it('accepts the seed’s address, a postal code typed with a space, and shows it back normalised', async () => {
    const { agent, token } = await fillUntil(t, 'adresse');
    const res = await postStep(agent, 'tarnos', 'adresse', token, { ...ADRESSE, codePostal: '40 220', pays: 'FRANCE' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(stepUrl('tarnos', 'contact'));
    const page = await agent.get(stepUrl('tarnos', 'adresse'));
    expect(inputValue(page.text, 'codePostal')).toBe('40220');
    expect(inputValue(page.text, 'pays')).toBe('France');
  });

  it('accepts an empty address (no field is required)', async () => {
    const { agent, token } = await fillUntil(t, 'adresse');
    const empty = Object.fromEntries(Object.keys(ADRESSE).map((k) => [k, '']));
    expect((await postStep(agent, 'tarnos', 'adresse', token, empty)).status).toBe(303);
  });

  it.each([
    ['4022', 'Le code postal doit comporter 5 chiffres, par exemple 40220'],
    ['2A004', 'Le code postal doit comporter 5 chiffres, par exemple 40220'],
    ['96000', "Le code postal doit commencer par le numéro d'un département français, par exemple 40220"],
    ['00100', "Le code postal doit commencer par le numéro d'un département français, par exemple 40220"],
  ])('refuses the French postal code %j', async (codePostal, message) => {
    const { agent, token } = await fillUntil(t, 'adresse');
    const res = await postStep(agent, 'tarnos', 'adresse', token, { ...ADRESSE, codePostal });
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toMatch(/^Erreur : Adresse – Étape 3 sur 5/);
    expect(summaryOf(res.text)).toEqual([['codePostal', message]]);
    expect(fieldErrorOf(res.text, 'codePostal')).toBe(message);
    expect(inputValue(res.text, 'codePostal')).toBe(codePostal);
    expect(inputValue(res.text, 'nomVoie')).toBe('Boulevard Jacques Duclos');
  });

  it('accepts Corsican and overseas postal codes', async () => {
    const { agent, token } = await fillUntil(t, 'adresse');
    expect((await postStep(agent, 'tarnos', 'adresse', token, { ...ADRESSE, codePostal: '20000', ville: 'Ajaccio' })).status).toBe(303);
    expect((await postStep(agent, 'tarnos', 'adresse', token, { ...ADRESSE, codePostal: '97400', ville: 'Saint-Denis' })).status).toBe(303);
  });

  it('takes a foreign postal code as it is', async () => {
    const { agent, token } = await fillUntil(t, 'adresse');
    const res = await postStep(agent, 'tarnos', 'adresse', token, {
      ...ADRESSE,
      codePostal: 'SW1A 1AA',
      ville: 'London',
      pays: 'Royaume-Uni',
    });
    expect(res.status).toBe(303);
  });
});

describe('MOYENS DE CONTACT', () => {
  it('shows the seed’s fields; Courriel is required and Courriel is the preferred means by default', async () => {
    const { agent } = await fillUntil(t, 'contact');
    const page = await agent.get(stepUrl('tarnos', 'contact'));
    expect(titleOf(page.text)).toBe('Moyens de contact – Étape 4 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
    for (const [id, label] of [
      ['telephone', 'Téléphone'],
      ['mobile', 'Mobile'],
      ['fax', 'Fax'],
      ['moyenContactPrefere', 'Moyen de contact préféré'],
    ]) {
      expect(parse(page).one(`label.label[for="${id}"]`).text(), id).toBe(label);
    }
    const courrielLabel = parse(page).one('label.label[for="courriel"]');
    expect(courrielLabel.children().first().is('span.required-mark[aria-hidden="true"]')).toBe(true);
    expect(courrielLabel.text()).toMatch(/^\* Courriel/);
    const courriel = parse(page).one('input#courriel');
    expect([courriel.attr('type'), courriel.attr('autocomplete')]).toEqual(['email', 'email']);
    expect(selectedOption(page.text, 'moyenContactPrefere')).toBe('courriel');
    for (const option of ['Courriel', 'Téléphone', 'Mobile', 'Fax']) expect(page.text).toContain(`>${option}</option>`);
  });

  it('accepts valid contacts and shows the numbers back in one normalised form', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, {
      telephone: '+33 5 59 64 00 00',
      mobile: '0692123456',
      fax: '05.59.64.00.01',
      courriel: '  Jacques.Toulemonde@Example.FR ',
      moyenContactPrefere: 'mobile',
    });
    expect(res.status).toBe(303);
    const page = await agent.get(stepUrl('tarnos', 'contact'));
    expect(inputValue(page.text, 'telephone')).toBe('05 59 64 00 00');
    expect(inputValue(page.text, 'mobile')).toBe('+262 692 12 34 56');
    expect(inputValue(page.text, 'fax')).toBe('05 59 64 00 01');
    expect(inputValue(page.text, 'courriel')).toBe('jacques.toulemonde@example.fr');
    expect(selectedOption(page.text, 'moyenContactPrefere')).toBe('mobile');
  });

  it.each([
    ['telephone', '123', 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 00 00 ou +44 20 7946 0958'],
    ['mobile', '06 12 34', 'Saisissez un numéro de mobile valide, par exemple 06 12 34 56 78'],
    ['fax', 'appelez-moi', 'Saisissez un numéro de fax valide, par exemple 05 59 64 00 01'],
  ])('refuses the %s %j', async (field, value, message) => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, [field]: value });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, field)).toBe(message);
    expect(inputValue(res.text, field)).toBe(value);
  });

  it.each([
    ['', 'Saisissez votre adresse de courriel'],
    ['toulemonde', 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'],
    ['toulemonde@omail', 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'],
    ['a@b.fr, c@d.fr', 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'],
    ['Jacques <a@b.fr>', 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'],
    ['a@b.fr\r\nBcc: victime@example.fr', 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'],
    [`${'a'.repeat(250)}@b.fr`, "L'adresse de courriel doit comporter 254 caractères au maximum"],
  ])('refuses the email %j', async (courriel, message) => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, courriel });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['courriel', message]]);
    expect(titleOf(res.text)).toMatch(/^Erreur : Moyens de contact/);
  });

  it('refuses a preferred means that was not filled', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, telephone: '', moyenContactPrefere: 'telephone' });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([
      ['moyenContactPrefere', 'Saisissez votre numéro de téléphone, ou choisissez un autre moyen de contact préféré'],
    ]);
    expect(selectedOption(res.text, 'moyenContactPrefere')).toBe('telephone');
    expect((await agent.get(stepUrl('tarnos', 'authentification'))).status).toBe(303);
  });

  it('refuses a preferred means that is not on the list', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, moyenContactPrefere: 'pigeon' });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['moyenContactPrefere', 'Choisissez un moyen de contact préféré']]);
  });

  it('ignores fields that are not on the form', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, role: 'agent', validationStatus: 'validated' });
    expect(res.status).toBe(303);
    const { rows } = await t.db.pool.query<{ sess: string }>(`select sess::text as sess from session`);
    expect(rows.some((r) => r.sess.includes('validationStatus') || r.sess.includes('"role"'))).toBe(false);
  });
});
