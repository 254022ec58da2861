import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaptchaChallenge } from '../../../src/lib/captcha.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import {
  CONTACT,
  PASSWORD,
  authentification,
  countRows,
  draftOf,
  fieldErrorOf,
  fillUntil,
  inputValue,
  postStep,
  stepUrl,
  summaryOf,
  textOf,
  titleOf,
  uniqueEmail,
  uniqueUsername,
  validate,
} from './signup-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

/** A browser on AUTHENTIFICATION with a known email, to find its draft in the session table. */
async function onAuthentification(town = 'tarnos') {
  const email = uniqueEmail();
  const { agent, token } = await fillUntil(t, 'authentification', { town, contact: { ...CONTACT, courriel: email } });
  return { agent, token, email };
}

async function challengeOf(email: string): Promise<CaptchaChallenge> {
  const draft = (await draftOf(t, email)) as { captcha?: CaptchaChallenge } | undefined;
  if (!draft?.captcha) throw new Error('no security check in the draft');
  return draft.captcha;
}

describe('the AUTHENTIFICATION page', () => {
  it('states the town’s password rules before anything is typed', async () => {
    const tarnos = await onAuthentification('tarnos');
    const page = await tarnos.agent.get(stepUrl('tarnos', 'authentification'));
    expect(titleOf(page.text)).toBe('Authentification – Étape 5 sur 5 – Créer mon espace – Ville de Tarnos – Espace Famille');
    const form = parse(page);
    const hint = form.one('p.hint#motDePasse-hint').text();
    expect(hint).toContain('au moins 8 caractères dont 1 majuscule, 1 minuscule et 1 chiffre');
    const password = form.one('input#motDePasse');
    expect([password.attr('type'), password.attr('autocomplete'), password.attr('aria-describedby')]).toEqual([
      'password',
      'new-password',
      'motDePasse-hint',
    ]);
    // The rules come before the field, in reading order.
    expect(form.attrs('#motDePasse-hint, #motDePasse', 'id')).toEqual(['motDePasse-hint', 'motDePasse']);

    const bayeux = await onAuthentification('bayeux');
    const bayeuxPage = await bayeux.agent.get(stepUrl('bayeux', 'authentification'));
    expect(bayeuxPage.text).toContain('au moins 8 caractères dont 1 majuscule et 1 chiffre');
  });

  it('has the seed’s SERVICES block with a labelled key for Enfance', async () => {
    const { agent } = await onAuthentification();
    const page = await agent.get(stepUrl('tarnos', 'authentification'));
    const text = textOf(page.text);
    expect(text).toContain("Vous avez la possibilité de saisir les clés d'accès à différents services proposés sur le portail.");
    expect(text).toContain('effective dans les 48 heures ouvrées');
    const services = parse(page);
    const table = services.all('table').filter((_, e) => services.$(e).find('#cleEnfance').length > 0);
    expect(
      table
        .find('thead th[scope="col"]')
        .toArray()
        .map((th) => services.$(th).text()),
    ).toEqual(['Service', 'Clé']);
    expect(services.row('Enfance').el.find('input#cleEnfance')).toHaveLength(1);
    const keyLabel = services.one('label[for="cleEnfance"]');
    expect([keyLabel.attr('class'), keyLabel.text()]).toEqual(['visually-hidden', 'Clé du service Enfance']);
  });

  it('has a security check: an image with an alternative text that does not give the answer, and a question', async () => {
    const { agent, email } = await onAuthentification();
    const page = await agent.get(stepUrl('tarnos', 'authentification'));
    const challenge = await challengeOf(email);
    const check = parse(page);
    const img = check.one('img.captcha-image');
    const src = img.attr('src') ?? '';
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(img.attr('alt')).toContain('Texte de contrôle à recopier (image)');
    expect(check.one('label.label[for="texteControle"]').text()).toBe('Entrer le texte ci-dessous');
    expect(check.text()).toContain('Changer le texte de contrôle');
    const question = check.one('label.label[for="reponseQuestion"]').text();
    expect(question).toBe(`Ou répondez à cette question : ${challenge.question}`);
    // The answers are in the session only: not in the page, not in the image's markup.
    const svg = Buffer.from(src.split(',')[1]!, 'base64').toString('utf8');
    expect(svg.toUpperCase()).not.toContain(challenge.text);
    expect(page.text.replace(src, '')).not.toContain(challenge.text);
    expect(page.text).not.toContain(`value="${challenge.answers[0]}"`);
  });

  it('has a honeypot out of sight, out of the tab order, without autocomplete', async () => {
    const { agent } = await onAuthentification();
    const page = await agent.get(stepUrl('tarnos', 'authentification'));
    const form = parse(page);
    const trap = form.one('div.signup-hp');
    expect(trap.attr('aria-hidden')).toBe('true');
    expect(
      trap
        .children()
        .toArray()
        .map((e) => e.tagName),
    ).toEqual(['label', 'input']);
    expect(trap.children('label').attr('for')).toBe('siteInternet');
    const input = trap.children('input');
    expect(['id', 'name', 'type', 'tabindex', 'autocomplete'].map((a) => input.attr(a))).toEqual([
      'siteInternet',
      'siteInternet',
      'text',
      '-1',
      'off',
    ]);
  });
});

describe('passwords', () => {
  it.each([
    ['tarnos', 'Ecole-2026', 'ecole-verte-2026', 'Le mot de passe doit contenir au moins une majuscule'],
    ['tarnos', 'Ecole-2026', 'ECOLE-VERTE-2026', 'Le mot de passe doit contenir au moins une minuscule'],
    ['tarnos', 'Ecole-2026', 'Ecole-Verte-Deux', 'Le mot de passe doit contenir au moins un chiffre'],
    ['tarnos', 'Ecole-2026', 'Ec0le', 'Le mot de passe doit contenir au moins 8 caractères'],
    ['bayeux', 'Ecole-2026', 'ecole-verte-2026', 'Le mot de passe doit contenir au moins une majuscule'],
    ['bayeux', 'Ecole-2026', 'Ecole-Verte-Deux', 'Le mot de passe doit contenir au moins un chiffre'],
    ['villennes', 'Ecole-2026', 'ECOLE-VERTE-2026', 'Le mot de passe doit contenir au moins une minuscule'],
  ])('%s refuses %j', async (town, _label, password, message) => {
    const { agent, token } = await onAuthentification(town);
    const res = await validate(
      agent,
      town,
      token,
      authentification({ nomUtilisateur: uniqueUsername(), motDePasse: password, confirmationMotDePasse: password }),
    );
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['motDePasse', message]]);
    expect(fieldErrorOf(res.text, 'motDePasse')).toBe(message);
    expect(res.text).not.toContain(password);
  });

  it('Bayeux takes a password without lower case (its rule is upper case and digit)', async () => {
    const { agent, token } = await onAuthentification('bayeux');
    const res = await validate(
      agent,
      'bayeux',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), motDePasse: 'ECOLE-VERTE-2026', confirmationMotDePasse: 'ECOLE-VERTE-2026' }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.signupDone('bayeux'));
  });

  it('refuses a common password', async () => {
    const { agent, token } = await onAuthentification('villennes');
    const res = await validate(
      agent,
      'villennes',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), motDePasse: 'password1', confirmationMotDePasse: 'password1' }),
    );
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['motDePasse', 'Ce mot de passe est trop courant : choisissez-en un autre']]);
  });

  it('refuses a password containing the username', async () => {
    const { agent, token } = await onAuthentification();
    const res = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: 'jtoulemonde', motDePasse: 'Jtoulemonde-2026', confirmationMotDePasse: 'Jtoulemonde-2026' }),
    );
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['motDePasse', "Le mot de passe ne doit pas contenir votre nom d'utilisateur"]]);
  });

  it('refuses a confirmation that differs, and gives both password fields back empty', async () => {
    const { agent, token } = await onAuthentification();
    const res = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: 'jtoulemonde', confirmationMotDePasse: `${PASSWORD}x`, cleEnfance: 'ABC-123' }),
    );
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toMatch(/^Erreur : Authentification – Étape 5 sur 5/);
    expect(summaryOf(res.text)).toEqual([['confirmationMotDePasse', 'La confirmation ne correspond pas au mot de passe']]);
    expect(inputValue(res.text, 'motDePasse')).toBe('');
    expect(inputValue(res.text, 'confirmationMotDePasse')).toBe('');
    expect(inputValue(res.text, 'nomUtilisateur')).toBe('jtoulemonde');
    expect(inputValue(res.text, 'cleEnfance')).toBe('ABC-123');
    expect(res.text).not.toContain(PASSWORD);
  });

  it('asks for everything missing at once, in the form’s order', async () => {
    const { agent, token } = await onAuthentification();
    const res = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: '', motDePasse: '', confirmationMotDePasse: '', texteControle: '', reponseQuestion: '' }),
    );
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([
      ['nomUtilisateur', "Saisissez un nom d'utilisateur"],
      ['motDePasse', 'Saisissez un mot de passe'],
      ['texteControle', "Recopiez le texte de l'image ou répondez à la question"],
    ]);
  });

  it('refuses a username with an @ or forbidden characters', async () => {
    const { agent, token } = await onAuthentification();
    const res = await validate(agent, 'tarnos', token, authentification({ nomUtilisateur: 'jacques toulemonde' }));
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)[0]![0]).toBe('nomUtilisateur');
  });
});

describe('the security check', () => {
  it('refuses a wrong answer, and the next page brings a new check', async () => {
    const { agent, token, email } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    const first = await challengeOf(email);
    const before = await countRows(t, 'accounts');
    const res = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: 'MAUVAIS' }),
    );
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([
      [
        'texteControle',
        'La réponse au contrôle de sécurité ne correspond pas : recopiez le nouveau texte ou répondez à la nouvelle question',
      ],
    ]);
    expect(inputValue(res.text, 'texteControle')).toBe('');
    expect(await countRows(t, 'accounts')).toBe(before);
    const second = await challengeOf(email);
    expect(second.id).not.toBe(first.id);
  });

  it('accepts the right image text (without case), then the right answer to the question', async () => {
    const a = await onAuthentification();
    await a.agent.get(stepUrl('tarnos', 'authentification'));
    const c1 = await challengeOf(a.email);
    const byImage = await postStep(
      a.agent,
      'tarnos',
      'authentification',
      a.token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: c1.text.toLowerCase() }),
    );
    expect(byImage.status).toBe(303);

    const b = await onAuthentification();
    await b.agent.get(stepUrl('tarnos', 'authentification'));
    const c2 = await challengeOf(b.email);
    const byQuestion = await postStep(
      b.agent,
      'tarnos',
      'authentification',
      b.token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: '', reponseQuestion: c2.answers[0]! }),
    );
    expect(byQuestion.status).toBe(303);
  });

  it('uses a check once: after a wrong answer, the right answer to that same check no longer passes', async () => {
    const { agent, token, email } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    const first = await challengeOf(email);
    const wrong = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: 'MAUVAIS' }),
    );
    expect(wrong.status).toBe(400);
    const replay = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: first.text, reponseQuestion: '' }),
    );
    expect(replay.status).toBe(400);
    expect(summaryOf(replay.text)[0]![0]).toBe('texteControle');
  });

  it('lets only one of two simultaneous submissions of the same check through', async () => {
    const { agent, token } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    const before = await countRows(t, 'accounts');
    // Two different usernames: only the security check can stop the second one.
    const results = await Promise.all([
      postStep(agent, 'tarnos', 'authentification', token, authentification({ nomUtilisateur: uniqueUsername() })),
      postStep(agent, 'tarnos', 'authentification', token, authentification({ nomUtilisateur: uniqueUsername() })),
    ]);
    // One goes through to the confirmation. The other is refused by the check (400) or, when a
    // busy machine delays it until the first has finished, meets a session whose draft is gone
    // and is sent back to the wizard's first step: either way it creates no account.
    const done = results.filter((r) => r.status === 303 && r.headers.location === urls.signupDone('tarnos'));
    expect(done).toHaveLength(1);
    const other = results.find((r) => r !== done[0])!;
    if (other.status === 303) expect(other.headers.location).toBe(stepUrl('tarnos', 'identite'));
    else expect(other.status).toBe(400);
    expect(await countRows(t, 'accounts')).toBe(before + 1);
  });

  it('expires after 15 minutes', async () => {
    const { agent, token } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    t.clock.advance(15 * 60 * 1000 + 1000);
    try {
      const res = await postStep(agent, 'tarnos', 'authentification', token, authentification({ nomUtilisateur: uniqueUsername() }));
      expect(res.status).toBe(400);
      expect(summaryOf(res.text)).toEqual([
        ['texteControle', 'Le contrôle de sécurité a expiré : recopiez le nouveau texte ou répondez à la nouvelle question'],
      ]);
    } finally {
      t.clock.advance(-(15 * 60 * 1000 + 1000));
    }
  });

  it('is not used up by other mistakes: the same check and its typed answer stay', async () => {
    const { agent, token, email } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    const first = await challengeOf(email);
    const res = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), confirmationMotDePasse: 'autre', texteControle: first.text }),
    );
    expect(res.status).toBe(400);
    expect((await challengeOf(email)).id).toBe(first.id);
    expect(inputValue(res.text, 'texteControle')).toBe(first.text);
    const again = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), texteControle: first.text }),
    );
    expect(again.status).toBe(303);
  });

  it('"Changer le texte de contrôle" brings a new check and keeps what was typed, except the passwords', async () => {
    const { agent, token, email } = await onAuthentification();
    await agent.get(stepUrl('tarnos', 'authentification'));
    const first = await challengeOf(email);
    const res = await postStep(
      agent,
      'tarnos',
      'authentification',
      token,
      authentification({ nomUtilisateur: 'jtoulemonde', cleEnfance: '18456-N0OBOES' }),
      'changer-controle',
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(stepUrl('tarnos', 'authentification'));
    const page = await agent.get(res.headers.location!);
    const second = await challengeOf(email);
    expect(second.id).not.toBe(first.id);
    expect(second.text).not.toBe(first.text);
    expect(inputValue(page.text, 'nomUtilisateur')).toBe('jtoulemonde');
    expect(inputValue(page.text, 'cleEnfance')).toBe('18456-N0OBOES');
    expect(inputValue(page.text, 'motDePasse')).toBe('');
    expect(page.text).not.toContain(PASSWORD);
  });
});

describe('the honeypot', () => {
  it('shows a bot the confirmation and creates nothing, sends nothing', async () => {
    const { agent, token, email } = await onAuthentification();
    const accounts = await countRows(t, 'accounts');
    const mails = await countRows(t, 'mail_outbox');
    const res = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), siteInternet: 'http://spam.example' }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.signupDone('tarnos'));
    const done = await agent.get(urls.signupDone('tarnos'));
    expect(done.text).toContain('Votre espace a bien été créé');
    expect(done.text).toContain(email);
    expect(await countRows(t, 'accounts')).toBe(accounts);
    expect(await countRows(t, 'mail_outbox')).toBe(mails);
  });
});
