import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page, squish } from '../../helpers/html.js';
import {
  IDENTITE,
  JPEG,
  PNG,
  checkedRadio,
  countRows,
  fieldErrorOf,
  inputValue,
  openWizard,
  postIdentite,
  stepUrl,
  summaryOf,
  titleOf,
} from './signup-helpers.js';

let t: TestApp;
beforeAll(async () => {
  // 21 November 2026: a birth date must be before it.
  t = await createTestApp({ now: '2026-11-21T10:00:00+01:00' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

describe('IDENTITÉ', () => {
  it('shows the seed’s fields with their labels', async () => {
    const { agent } = await openWizard(t);
    const form = page(await agent.get(stepUrl('tarnos', 'identite')));
    expect(form.all('form[enctype="multipart/form-data"]')).toHaveLength(1);
    const civilite = form.all('legend').filter((_, l) => form.$(l).text().includes('Civilité'));
    expect(civilite.children().first().is('span.required-mark[aria-hidden="true"]')).toBe(true);
    expect(civilite.text()).toMatch(/^\* Civilité/);
    expect(form.label('civilite')).toBe('Monsieur');
    expect(form.label('civilite-Mme')).toBe('Madame');
    for (const [id, label] of [
      ['nomUsuel', 'Nom usuel'],
      ['nomNaissance', 'Nom de naissance'],
      ['prenoms', 'Prénom(s)'],
      ['paysNaissance', 'Pays de naissance'],
      ['departementNaissance', 'Département de naissance'],
      ['communeNaissance', 'Commune de naissance'],
      ['dateNaissanceJour', 'Jour'],
      ['dateNaissanceMois', 'Mois'],
      ['dateNaissanceAnnee', 'Année'],
      ['photo', 'Photo'],
    ] as const) {
      const labelEl = form.one(`label.label[for="${id}"]`);
      expect(squish(labelEl.text()).replace(/^\* /, ''), id).toMatch(new RegExp(`^${label.replace(/[()]/g, '\\$&')}`));
    }
    const date = form.one('fieldset.date-input[role="group"]');
    expect(date.children().first().is('legend')).toBe(true);
    expect(date.children('legend').text()).toBe('Date de naissance');
    expect(form.attrs('[autocomplete]', 'autocomplete')).toContain('bday-day');
    expect(form.one('input#photo').attr('accept')).toBe('image/png,image/jpeg');
  });

  it('accepts the seed’s identity and goes to ADRESSE', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, dateNaissanceMois: 'mars' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(stepUrl('tarnos', 'adresse'));
    const back = await agent.get(stepUrl('tarnos', 'identite'));
    expect(inputValue(back.text, 'dateNaissanceMois')).toBe('3');
  });

  it('accepts no date of birth at all (the field is optional)', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, {
      ...IDENTITE,
      dateNaissanceJour: '',
      dateNaissanceMois: '',
      dateNaissanceAnnee: '',
    });
    expect(res.status).toBe(303);
  });

  it('lists every missing required field, links each to its input, and keeps what was typed', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, {
      ...IDENTITE,
      civilite: '',
      nomUsuel: '  ',
      prenoms: '',
      communeNaissance: 'Bayonne',
      nomNaissance: 'Durand',
    });
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toBe('Erreur : Identité – Étape 2 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
    expect(res.text).toContain('Il y a un problème');
    expect(summaryOf(res.text)).toEqual([
      ['civilite', 'Sélectionnez votre civilité'],
      ['nomUsuel', 'Saisissez votre nom usuel'],
      ['prenoms', 'Saisissez votre prénom ou vos prénoms'],
    ]);
    expect(fieldErrorOf(res.text, 'nomUsuel')).toBe('Saisissez votre nom usuel');
    expect(fieldErrorOf(res.text, 'civilite')).toBe('Sélectionnez votre civilité');
    const nomUsuel = page(res).one('#nomUsuel');
    expect([nomUsuel.attr('aria-invalid'), nomUsuel.attr('aria-describedby')]).toEqual(['true', 'nomUsuel-error']);
    expect(inputValue(res.text, 'communeNaissance')).toBe('Bayonne');
    expect(inputValue(res.text, 'nomNaissance')).toBe('Durand');
    expect(inputValue(res.text, 'dateNaissanceAnnee')).toBe('1985');
    // And the next step stays out of reach.
    expect((await agent.get(stepUrl('tarnos', 'adresse'))).status).toBe(303);
  });

  it.each([
    [
      { dateNaissanceJour: '31', dateNaissanceMois: '2', dateNaissanceAnnee: '1985' },
      'dateNaissanceJour',
      'La date de naissance doit être une date réelle',
    ],
    [
      { dateNaissanceJour: '12', dateNaissanceMois: '13', dateNaissanceAnnee: '1985' },
      'dateNaissanceMois',
      'La date de naissance doit être une date réelle',
    ],
    [
      { dateNaissanceJour: '27', dateNaissanceMois: '', dateNaissanceAnnee: '1985' },
      'dateNaissanceMois',
      'La date de naissance doit comporter un mois',
    ],
    [
      { dateNaissanceJour: '27', dateNaissanceMois: '3', dateNaissanceAnnee: '85' },
      'dateNaissanceAnnee',
      "L'année doit comporter 4 chiffres",
    ],
    [
      { dateNaissanceJour: '21', dateNaissanceMois: '11', dateNaissanceAnnee: '2026' },
      'dateNaissanceJour',
      'La date de naissance doit être dans le passé',
    ],
    [
      { dateNaissanceJour: '2', dateNaissanceMois: '1', dateNaissanceAnnee: '2031' },
      'dateNaissanceJour',
      'La date de naissance doit être dans le passé',
    ],
    [
      { dateNaissanceJour: '31', dateNaissanceMois: '12', dateNaissanceAnnee: '1899' },
      'dateNaissanceJour',
      'La date de naissance doit être le 1er janvier 1900 ou après',
    ],
  ])('refuses the date %j', async (date, field, message) => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, ...date });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, 'dateNaissance')).toBe(message);
    expect(page(res).one(`[id="${field}"]`).attr('aria-invalid')).toBe('true');
    expect(inputValue(res.text, 'dateNaissanceAnnee')).toBe(date.dateNaissanceAnnee);
  });

  it('refuses a name with a line break, and one with digits', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, nomUsuel: 'Toulemonde\r\nBcc: x', prenoms: 'Jacques2' });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text).map(([f]) => f)).toEqual(['nomUsuel', 'prenoms']);
    expect(fieldErrorOf(res.text, 'prenoms')).toBe(
      'Le prénom ne doit contenir que des lettres, des espaces, des tirets et des apostrophes',
    );
  });

  it('accepts names with accents, apostrophes and hyphens', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, {
      ...IDENTITE,
      civilite: 'Mme',
      nomUsuel: "N'Diaye-Lefèvre",
      prenoms: 'Anne Sophie',
    });
    expect(res.status).toBe(303);
    const page = await agent.get(stepUrl('tarnos', 'identite'));
    expect(checkedRadio(page.text, 'civilite')).toBe('Mme');
    expect(inputValue(page.text, 'nomUsuel')).toBe("N'Diaye-Lefèvre");
  });

  it('escapes what was typed when showing it again', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, nomUsuel: '', communeNaissance: '"><script>alert(1)</script>' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(inputValue(res.text, 'communeNaissance')).toBe('"><script>alert(1)</script>');
  });
});

describe('the photo', () => {
  it('keeps a real PNG, shows it back with "Changer d’image", and serves it only to its session', async () => {
    const before = await countRows(t, 'signup_photos');
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: PNG, filename: 'moi.png' } });
    expect(res.status).toBe(303);
    expect(await countRows(t, 'signup_photos')).toBe(before + 1);

    const again = page(await agent.get(stepUrl('tarnos', 'identite')));
    const img = again.one('img.signup-photo');
    expect([img.attr('src'), img.attr('alt')]).toEqual([urls.signupPhoto('tarnos'), 'Votre photo actuelle']);
    expect(again.one('label.label[for="photo"]').text()).toBe("Changer d'image");

    const photo = await agent.get(urls.signupPhoto('tarnos'));
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.headers['x-content-type-options']).toBe('nosniff');
    expect(photo.headers['cache-control']).toContain('no-store');
    expect(photo.headers['content-security-policy']).toContain('sandbox');
    expect(Buffer.compare(photo.body as Buffer, PNG)).toBe(0);

    expect((await t.agent().get(urls.signupPhoto('tarnos'))).status).toBe(404);
    const other = await openWizard(t);
    expect((await other.agent.get(urls.signupPhoto('tarnos'))).status).toBe(404);
    expect((await agent.get(urls.signupPhoto('bayeux'))).status).toBe(404);
  });

  it('types a photo from its content, not its name: a JPEG named .png is served as JPEG', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, {
      photo: { content: JPEG, filename: 'photo.png', contentType: 'image/png' },
    });
    expect(res.status).toBe(303);
    const photo = await agent.get(urls.signupPhoto('tarnos'));
    expect(photo.headers['content-type']).toBe('image/jpeg');
  });

  it('replaces the previous photo instead of piling them up', async () => {
    const { agent, token } = await openWizard(t);
    await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: PNG, filename: 'a.png' } });
    const before = await countRows(t, 'signup_photos');
    await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: JPEG, filename: 'b.jpg', contentType: 'image/jpeg' } });
    expect(await countRows(t, 'signup_photos')).toBe(before);
    expect((await agent.get(urls.signupPhoto('tarnos'))).headers['content-type']).toBe('image/jpeg');
  });

  it('refuses a text file named .png, in French, and keeps nothing', async () => {
    const before = await countRows(t, 'signup_photos');
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, {
      photo: { content: Buffer.from('ceci n’est pas une image\n'.repeat(20)), filename: 'photo.png', contentType: 'image/png' },
    });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['photo', 'La photo doit être une image PNG ou JPEG']]);
    expect(fieldErrorOf(res.text, 'photo')).toBe('La photo doit être une image PNG ou JPEG');
    expect(inputValue(res.text, 'nomUsuel')).toBe('Toulemonde');
    expect(await countRows(t, 'signup_photos')).toBe(before);
    expect((await agent.get(urls.signupPhoto('tarnos'))).status).toBe(404);
  });

  it('refuses an SVG (an image that can carry script)', async () => {
    const { agent, token } = await openWizard(t);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, {
      photo: { content: svg, filename: 'a.svg', contentType: 'image/svg+xml' },
    });
    expect(res.status).toBe(400);
    expect(fieldErrorOf(res.text, 'photo')).toBe('La photo doit être une image PNG ou JPEG');
  });

  it('refuses an image over 1 Mo with 413 and a message beside the field, and keeps nothing', async () => {
    const before = await countRows(t, 'signup_photos');
    const { agent, token } = await openWizard(t);
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024 + 10, 1)]);
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: big, filename: 'grande.png' } });
    expect(res.status).toBe(413);
    expect(titleOf(res.text)).toMatch(/^Erreur : Identité/);
    expect(summaryOf(res.text)).toEqual([['photo', 'La photo doit faire 1 Mo au maximum']]);
    expect(inputValue(res.text, 'prenoms')).toBe('Jacques');
    expect(await countRows(t, 'signup_photos')).toBe(before);
  });

  it('accepts an image of exactly 1 Mo', async () => {
    const { agent, token } = await openWizard(t);
    const exact = Buffer.concat([PNG, Buffer.alloc(1024 * 1024 - PNG.length, 1)]);
    const res = await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: exact, filename: 'juste.png' } });
    expect(res.status).toBe(303);
  });

  it('stores nothing when a multipart POST comes without its token', async () => {
    const before = await countRows(t, 'signup_photos');
    const { agent } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', undefined, IDENTITE, { photo: { content: PNG, filename: 'moi.png' } });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Votre formulaire a expiré');
    const big = await postIdentite(agent, 'tarnos', undefined, IDENTITE, {
      photo: { content: Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]), filename: 'grande.png' },
    });
    expect(big.status).toBe(403);
    expect(await countRows(t, 'signup_photos')).toBe(before);
  });

  it('keeps a good photo chosen with other mistakes, so it need not be chosen again', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, nomUsuel: '' }, { photo: { content: PNG, filename: 'moi.png' } });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`src="${urls.signupPhoto('tarnos')}"`);
    expect((await agent.get(urls.signupPhoto('tarnos'))).status).toBe(200);
  });

  it('drops the photo with ANNULER', async () => {
    const { agent, token } = await openWizard(t);
    await postIdentite(agent, 'tarnos', token, IDENTITE, { photo: { content: PNG, filename: 'moi.png' } });
    const before = await countRows(t, 'signup_photos');
    await agent.post(urls.signupCancel('tarnos')).type('form').send({ _csrf: token });
    expect(await countRows(t, 'signup_photos')).toBe(before - 1);
  });
});
