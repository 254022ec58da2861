import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page, squish } from '../../helpers/html.js';
import {
  ADRESSE,
  CONTACT,
  IDENTITE,
  authentification,
  checkedRadio,
  fillUntil,
  inputValue,
  openWizard,
  postIdentite,
  postStep,
  selectedOption,
  stepUrl,
  summaryOf,
  textOf,
  titleOf,
  uniqueEmail,
} from './signup-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

describe('the way in', () => {
  it('goes from the town home to BIENVENUE, then to IDENTITÉ', async () => {
    const agent = t.agent();
    const home = await agent.get('/tarnos/');
    expect(page(home).attrs('a', 'href')).toContain(urls.signupStart('tarnos'));

    const welcome = await agent.get(urls.signupStart('tarnos'));
    expect(welcome.status).toBe(200);
    expect(titleOf(welcome.text)).toBe('Bienvenue – Étape 1 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
    const text = textOf(welcome.text);
    expect(text).toContain('Bonjour et bienvenue');
    expect(text).toContain("Vous allez dans quelques instants accéder à l'assistant qui vous permettra de créer votre espace citoyen.");
    const start = page(welcome).one(`a[href="${stepUrl('tarnos', 'identite')}"]`);
    expect([start.attr('class'), start.text()]).toEqual(['button', 'Je crée mon espace']);

    const identite = await agent.get(stepUrl('tarnos', 'identite'));
    expect(identite.status).toBe(200);
    expect(titleOf(identite.text)).toBe('Identité – Étape 2 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
  });

  it('shows the five steps as an ordered list, the current one marked, in text too', async () => {
    const { agent } = await fillUntil(t, 'contact');
    const contact = page(await agent.get(stepUrl('tarnos', 'contact')));
    expect(contact.text('div.stepper')).toContain('Étape 4 sur 5 : Moyens de contact');
    const items = contact
      .all('div.stepper ol > li')
      .toArray()
      .map((li) => contact.$(li));
    expect(items).toHaveLength(5);
    expect(items.map((li) => squish(li.text()).replace(' (terminée)', ''))).toEqual([
      'Bienvenue',
      'Identité',
      'Adresse',
      'Moyens de contact',
      'Authentification',
    ]);
    expect(items.map((li) => li.is('[aria-current="step"]') || li.find('[aria-current="step"]').length > 0)).toEqual([
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(squish(items[1]!.text())).toContain('(terminée)');
    // Icons are decoration: hidden from assistive technologies.
    for (const li of items) expect(li.find('span.stepper__icon[aria-hidden="true"] > svg').length, li.text()).toBe(1);
  });

  it('marks required fields and explains the mark once, at the top of each form', async () => {
    const { agent } = await fillUntil(t, 'authentification');
    for (const step of ['identite', 'adresse', 'contact', 'authentification'] as const) {
      const form = page(await agent.get(stepUrl('tarnos', step)));
      expect(form.text().split('sont obligatoires')).toHaveLength(2);
      expect(form.all('form.form').filter('[novalidate]')).toHaveLength(1);
    }
    const identite = page(await agent.get(stepUrl('tarnos', 'identite')));
    // What each required mark stands before: the mark opens its label or legend.
    const marked = identite
      .all('span.required-mark[aria-hidden="true"]')
      .toArray()
      .filter((mark) => identite.$(mark).text() === '* ' && identite.$(mark).prev().length === 0)
      .map((mark) => squish(identite.$(mark).parent().text()).replace(/^\* /, ''));
    for (const label of ['Civilité', 'Nom usuel', 'Prénom(s)'])
      expect(
        marked.some((m) => m.startsWith(label)),
        label,
      ).toBe(true);
    expect(marked.some((m) => m.startsWith('Nom de naissance'))).toBe(false);
  });

  it('offers ANNULER, PRÉCÉDENT and SUIVANT, and VALIDER on the last step', async () => {
    const { agent } = await fillUntil(t, 'authentification');
    const contact = page(await agent.get(stepUrl('tarnos', 'contact')));
    const buttons = contact
      .all('button')
      .toArray()
      .map((b) => contact.$(b));
    const next = contact.one('button[name="action"][value="suivant"]');
    expect([next.attr('class'), next.attr('type'), next.text()]).toEqual(['button', 'submit', 'Suivant']);
    expect(contact.one('button[value="precedent"]').text()).toBe('Précédent');
    expect(buttons.filter((b) => b.attr('form') === 'signup-annuler').map((b) => b.text())).toEqual(['Annuler']);
    const cancel = contact.one('form#signup-annuler');
    expect([cancel.attr('method'), cancel.attr('action')]).toEqual(['post', urls.signupCancel('tarnos')]);
    const auth = page(await agent.get(stepUrl('tarnos', 'authentification')));
    expect(auth.one('button[value="suivant"]').text()).toBe('Valider');
  });
});

describe('going forward', () => {
  it('moves to the next step with a 303 after each valid step (Post/Redirect/Get)', async () => {
    const { agent, token } = await openWizard(t);
    const identite = await postIdentite(agent, 'tarnos', token);
    expect(identite.status).toBe(303);
    expect(identite.headers.location).toBe(stepUrl('tarnos', 'adresse'));
    const adresse = await postStep(agent, 'tarnos', 'adresse', token, ADRESSE);
    expect(adresse.status).toBe(303);
    expect(adresse.headers.location).toBe(stepUrl('tarnos', 'contact'));
    const contact = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, courriel: uniqueEmail() });
    expect(contact.status).toBe(303);
    expect(contact.headers.location).toBe(stepUrl('tarnos', 'authentification'));
    expect((await agent.get(stepUrl('tarnos', 'authentification'))).status).toBe(200);
  });

  it.each([
    ['adresse', 'identite'],
    ['contact', 'identite'],
    ['authentification', 'identite'],
  ] as const)('refuses to show %s before the steps it needs (303 to %s)', async (step, first) => {
    const agent = t.agent();
    const res = await agent.get(stepUrl('tarnos', step));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(stepUrl('tarnos', first));
  });

  it('sends a later step, shown or posted, to the first step not done', async () => {
    const { agent, token } = await fillUntil(t, 'adresse');
    const get = await agent.get(stepUrl('tarnos', 'authentification'));
    expect(get.status).toBe(303);
    expect(get.headers.location).toBe(stepUrl('tarnos', 'adresse'));
    const post = await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, courriel: uniqueEmail() });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(stepUrl('tarnos', 'adresse'));
    const before = await t.db.pool.query('select count(*)::int as n from accounts');
    const validate = await postStep(agent, 'tarnos', 'authentification', token, authentification());
    expect(validate.status).toBe(303);
    expect(validate.headers.location).toBe(stepUrl('tarnos', 'adresse'));
    const after = await t.db.pool.query('select count(*)::int as n from accounts');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('keeps a draft to its town: another town starts from the beginning', async () => {
    const { agent } = await fillUntil(t, 'contact');
    const elsewhere = await agent.get(stepUrl('bayeux', 'contact'));
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.location).toBe(stepUrl('bayeux', 'identite'));
    const identite = await agent.get(stepUrl('bayeux', 'identite'));
    expect(inputValue(identite.text, 'nomUsuel')).toBe('');
  });
});

describe('going back', () => {
  it('PRÉCÉDENT saves what was typed without checking it, and the page shows it again', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const typed = { ...CONTACT, telephone: 'pas encore', courriel: 'pas-une-adresse', moyenContactPrefere: 'fax' };
    const back = await postStep(agent, 'tarnos', 'contact', token, typed, 'precedent');
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(stepUrl('tarnos', 'adresse'));

    const adresse = await agent.get(stepUrl('tarnos', 'adresse'));
    expect(inputValue(adresse.text, 'nomVoie')).toBe('Boulevard Jacques Duclos');
    expect(inputValue(adresse.text, 'codePostal')).toBe('40220');

    const contact = await agent.get(stepUrl('tarnos', 'contact'));
    expect(contact.status).toBe(200);
    expect(summaryOf(contact.text)).toEqual([]);
    expect(inputValue(contact.text, 'telephone')).toBe('pas encore');
    expect(inputValue(contact.text, 'courriel')).toBe('pas-une-adresse');
    expect(selectedOption(contact.text, 'moyenContactPrefere')).toBe('fax');
  });

  it('keeps every step when the browser goes back, and from IDENTITÉ goes back to BIENVENUE', async () => {
    const { agent, token } = await fillUntil(t, 'authentification');
    const identite = await agent.get(stepUrl('tarnos', 'identite'));
    expect(checkedRadio(identite.text, 'civilite')).toBe('M');
    expect(inputValue(identite.text, 'nomUsuel')).toBe('Toulemonde');
    expect(inputValue(identite.text, 'prenoms')).toBe('Jacques');
    expect(inputValue(identite.text, 'dateNaissanceJour')).toBe('27');
    expect(inputValue(identite.text, 'dateNaissanceMois')).toBe('3');
    expect(inputValue(identite.text, 'dateNaissanceAnnee')).toBe('1985');
    expect(inputValue(identite.text, 'communeNaissance')).toBe('Bayonne');
    const back = await postIdentite(agent, 'tarnos', token, IDENTITE, { action: 'precedent' });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(urls.signupStart('tarnos'));
    // Still complete: AUTHENTIFICATION is reachable.
    expect((await agent.get(stepUrl('tarnos', 'authentification'))).status).toBe(200);
  });

  it('a step made wrong on the way back must be fixed before going further', async () => {
    const { agent, token } = await fillUntil(t, 'authentification');
    await postIdentite(agent, 'tarnos', token, { ...IDENTITE, nomUsuel: '' }, { action: 'precedent' });
    const later = await agent.get(stepUrl('tarnos', 'contact'));
    expect(later.status).toBe(303);
    expect(later.headers.location).toBe(stepUrl('tarnos', 'identite'));
  });

  it('AUTHENTIFICATION keeps the username and key on PRÉCÉDENT, never the passwords', async () => {
    const { agent, token } = await fillUntil(t, 'authentification');
    await agent.get(stepUrl('tarnos', 'authentification'));
    const back = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: 'jtoulemonde', cleEnfance: '18456-N0OBOES' }),
      'precedent',
    );
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(stepUrl('tarnos', 'contact'));
    const page = await agent.get(stepUrl('tarnos', 'authentification'));
    expect(inputValue(page.text, 'nomUtilisateur')).toBe('jtoulemonde');
    expect(inputValue(page.text, 'cleEnfance')).toBe('18456-N0OBOES');
    expect(inputValue(page.text, 'motDePasse')).toBe('');
    expect(inputValue(page.text, 'confirmationMotDePasse')).toBe('');
  });
});

describe('ANNULER', () => {
  it('drops the draft and returns to the town home', async () => {
    const { agent, token } = await fillUntil(t, 'contact');
    const res = await agent.post(urls.signupCancel('tarnos')).type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.townHome('tarnos'));
    const later = await agent.get(stepUrl('tarnos', 'adresse'));
    expect(later.status).toBe(303);
    expect(later.headers.location).toBe(stepUrl('tarnos', 'identite'));
    const identite = await agent.get(stepUrl('tarnos', 'identite'));
    expect(inputValue(identite.text, 'nomUsuel')).toBe('');
    expect(checkedRadio(identite.text, 'civilite')).toBeUndefined();
  });
});

describe('CSRF', () => {
  it.each(['adresse', 'contact', 'authentification'] as const)('refuses a POST to %s without the token (403)', async (step) => {
    const { agent, token } = await fillUntil(t, 'authentification');
    await agent.get(stepUrl('tarnos', 'authentification'));
    const fields = step === 'adresse' ? ADRESSE : step === 'contact' ? CONTACT : authentification();
    const res = await postStep(agent, 'tarnos', step, undefined, fields);
    expect(res.status).toBe(403);
    expect(res.text).toContain('Votre formulaire a expiré');
    const wrong = await postStep(agent, 'tarnos', step, `${token}x`, fields);
    expect(wrong.status).toBe(403);
  });

  it('refuses IDENTITÉ (multipart) without the token or with another session’s', async () => {
    const { agent } = await openWizard(t);
    const other = await openWizard(t);
    expect((await postIdentite(agent, 'tarnos', undefined)).status).toBe(403);
    expect((await postIdentite(agent, 'tarnos', other.token)).status).toBe(403);
    // Nothing was kept: the next step is still out of reach.
    expect((await agent.get(stepUrl('tarnos', 'adresse'))).status).toBe(303);
  });

  it('refuses ANNULER without the token', async () => {
    const { agent } = await fillUntil(t, 'adresse');
    const res = await agent.post(urls.signupCancel('tarnos')).type('form').send({});
    expect(res.status).toBe(403);
    expect((await agent.get(stepUrl('tarnos', 'adresse'))).status).toBe(200);
  });

  it('checks the token of a multipart body on a step that takes no file, as for any form', async () => {
    const { agent } = await fillUntil(t, 'contact');
    const res = await agent
      .post(stepUrl('tarnos', 'adresse'))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('nomVoie', 'Rue forgée')
      .field('action', 'precedent');
    expect(res.status).toBe(403);
    const page = await agent.get(stepUrl('tarnos', 'adresse'));
    expect(inputValue(page.text, 'nomVoie')).toBe('Boulevard Jacques Duclos');
  });

  it('gives the page re-rendered after a multipart POST a token that works', async () => {
    const { agent, token } = await openWizard(t);
    const res = await postIdentite(agent, 'tarnos', token, { ...IDENTITE, nomUsuel: '' });
    expect(res.status).toBe(400);
    const again = await postIdentite(agent, 'tarnos', csrfFrom(res.text));
    expect(again.status).toBe(303);
  });
});
