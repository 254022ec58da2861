import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { createFamily } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';
import {
  ADRESSE,
  CONTACT,
  IDENTITE,
  PASSWORD,
  PNG,
  authentification,
  countRows,
  fieldErrorOf,
  inputValue,
  openWizard,
  postIdentite,
  postStep,
  stepUrl,
  summaryOf,
  textOf,
  uniqueEmail,
  uniqueUsername,
  validate,
} from './signup-helpers.js';

let t: TestApp;
const smtp = new TestSmtpServer();
beforeAll(async () => {
  await smtp.start();
  t = await createTestApp({ smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

async function insertFamily(slug: string, key: string, name: string): Promise<string> {
  return (await createFamily(t.db.pool, slug, { cleEnfance: key, name })).id;
}

interface Run {
  agent: supertest.Agent;
  token: string;
  /** Every page the browser received, to look for the password in them. */
  bodies: string[];
}

/** The whole wizard as a person does it, keeping every page. */
async function runWizard(
  town: string,
  options: { identite?: Record<string, string>; contact?: Record<string, string>; auth?: Record<string, string>; photo?: boolean } = {},
): Promise<Run & { result: supertest.Response }> {
  const bodies: string[] = [];
  const { agent, token } = await openWizard(t, town);
  const keep = (r: supertest.Response) => {
    bodies.push(r.text ?? '');
    return r;
  };
  expect(
    keep(
      await postIdentite(
        agent,
        town,
        token,
        options.identite ?? IDENTITE,
        options.photo ? { photo: { content: PNG, filename: 'moi.png' } } : {},
      ),
    ).status,
  ).toBe(303);
  expect(keep(await postStep(agent, town, 'adresse', token, ADRESSE)).status).toBe(303);
  expect(keep(await postStep(agent, town, 'contact', token, options.contact ?? { ...CONTACT, courriel: uniqueEmail() })).status).toBe(303);
  const page = keep(await agent.get(stepUrl(town, 'authentification')));
  expect(page.status).toBe(200);
  const result = keep(
    await postStep(agent, town, 'authentification', token, options.auth ?? authentification({ nomUtilisateur: uniqueUsername() })),
  );
  return { agent, token, bodies, result };
}

describe('VALIDER', () => {
  it('with a valid Clé Enfance: creates the account linked to its family, validated, and queues the activation mail', async () => {
    const familyId = await insertFamily('tarnos', '18456-N0OBOES', 'TOULEMONDE');
    const email = uniqueEmail('jacques');
    const username = uniqueUsername('jtoulemonde');
    const { agent, result } = await runWizard('tarnos', {
      contact: { ...CONTACT, courriel: email.toUpperCase(), mobile: '0534258615', moyenContactPrefere: 'mobile' },
      auth: authentification({ nomUtilisateur: username, cleEnfance: ' 18456-n0oboes ' }),
      photo: true,
    });
    expect(result.status).toBe(303);
    expect(result.headers.location).toBe(urls.signupDone('tarnos'));

    const { rows } = await t.db.pool.query(
      `select a.*, (select count(*)::int from mail_outbox m where m.to_address = a.email and m.template = 'activation') as mails
         from accounts a where a.username = $1`,
      [username],
    );
    const account = rows[0];
    expect(account).toBeDefined();
    expect(account.family_id).toBe(familyId);
    expect(account.validation_status).toBe('validated');
    expect(account.email).toBe(email);
    expect(account.email_confirmed_at).toBeNull();
    expect(account.civility).toBe('M');
    expect(account.last_name).toBe('Toulemonde');
    expect(account.first_names).toBe('Jacques');
    expect(account.birth_date).toBe('1985-03-27');
    expect(account.birth_commune).toBe('Bayonne');
    expect(account.address_street).toBe('Boulevard Jacques Duclos');
    expect(account.postal_code).toBe('40220');
    expect(account.city).toBe('Tarnos');
    expect(account.country).toBe('France');
    expect(account.mobile).toBe('05 34 25 86 15');
    expect(account.preferred_contact).toBe('mobile');
    expect(account.created_via).toBe('wizard');
    expect(account.photo_type).toBe('image/png');
    expect(account.password_hash).toMatch(/^\$argon2id\$/);
    expect(account.mails).toBe(1);

    // The draft is gone: the wizard starts again from the beginning.
    const later = await agent.get(stepUrl('tarnos', 'authentification'));
    expect(later.status).toBe(303);
    expect(later.headers.location).toBe(stepUrl('tarnos', 'identite'));
  });

  it('without a key: the account waits for the services ("awaiting_services")', async () => {
    const username = uniqueUsername();
    const { result } = await runWizard('tarnos', { auth: authentification({ nomUtilisateur: username }) });
    expect(result.status).toBe(303);
    const { rows } = await t.db.pool.query(`select family_id, validation_status from accounts where username = $1`, [username]);
    expect(rows[0]).toEqual({ family_id: null, validation_status: 'awaiting_services' });
  });

  it('shows the confirmation with the address given, once', async () => {
    const email = uniqueEmail();
    const { agent, result } = await runWizard('tarnos', { contact: { ...CONTACT, courriel: email } });
    const done = await agent.get(result.headers.location!);
    expect(done.status).toBe(200);
    expect(textOf(done.text)).toContain('Votre espace a bien été créé');
    expect(textOf(done.text)).toContain(`Vous allez recevoir un message de confirmation par courriel à l'adresse ${email}`);
    expect(textOf(done.text)).toContain('48 heures ouvrées');
    const again = await agent.get(urls.signupDone('tarnos'));
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(urls.townHome('tarnos'));
  });

  it('delivers the activation mail: greeting, link on PUBLIC_BASE_URL, username, 7 days, and the 48 h notice without a key', async () => {
    const email = uniqueEmail();
    const username = uniqueUsername();
    await runWizard('tarnos', {
      identite: { ...IDENTITE, civilite: 'Mme', nomUsuel: 'Durand-Lefèvre' },
      contact: { ...CONTACT, courriel: email },
      auth: authentification({ nomUtilisateur: username }),
    });
    await t.deliverMail();
    const mail = smtp.to(email).at(-1)!;
    expect(mail).toBeDefined();
    expect(mail.subject).toBe('Activez votre espace famille');
    expect(mail.text).toContain('Bonjour Mme DURAND-LEFÈVRE,');
    expect(mail.text).toContain('Nous vous souhaitons la bienvenue sur votre « espace famille »');
    expect(mail.text).toContain(username);
    expect(mail.text).toContain('valable 7 jours');
    expect(mail.text).toContain('effective dans les 48 heures ouvrées');
    const link = linksIn(mail).find((l) => l.includes('/activation'));
    expect(link).toMatch(/^http:\/\/portail\.test\/tarnos\/activation\?jeton=[A-Za-z0-9_-]{20,}$/);
  });

  it('says "Bonjour M." and leaves out the 48 h notice when the key linked the family', async () => {
    await insertFamily('bayeux', '14400-BAYEUX1', 'MARTIN');
    const email = uniqueEmail();
    await runWizard('bayeux', {
      identite: { ...IDENTITE, nomUsuel: 'Martin' },
      contact: { ...CONTACT, courriel: email },
      auth: authentification({ nomUtilisateur: uniqueUsername(), cleEnfance: '14400-BAYEUX1' }),
    });
    await t.deliverMail();
    const mail = smtp.to(email).at(-1)!;
    expect(mail.text).toContain('Bonjour M. MARTIN,');
    expect(mail.text).not.toContain('48 heures');
    expect(linksIn(mail).some((l) => l.startsWith('http://portail.test/bayeux/activation?jeton='))).toBe(true);
  });

  it('refuses a taken username, without case, and keeps the draft', async () => {
    const username = uniqueUsername('Pris');
    expect((await runWizard('tarnos', { auth: authentification({ nomUtilisateur: username }) })).result.status).toBe(303);
    const before = await countRows(t, 'accounts');
    const { result, agent } = await runWizard('tarnos', { auth: authentification({ nomUtilisateur: username.toUpperCase() }) });
    expect(result.status).toBe(400);
    expect(summaryOf(result.text)).toEqual([['nomUtilisateur', "Ce nom d'utilisateur est déjà pris : choisissez-en un autre"]]);
    expect(inputValue(result.text, 'nomUtilisateur')).toBe(username.toUpperCase());
    expect(inputValue(result.text, 'motDePasse')).toBe('');
    expect(await countRows(t, 'accounts')).toBe(before);
    // A second try with another name goes through (a new check was issued).
    const retry = await postStep(
      agent,
      'tarnos',
      'authentification',
      csrfFrom(result.text),
      authentification({ nomUtilisateur: uniqueUsername() }),
    );
    expect(retry.status).toBe(303);
  });

  it('refuses an unknown Clé Enfance beside its field', async () => {
    const before = await countRows(t, 'accounts');
    const { result } = await runWizard('tarnos', {
      auth: authentification({ nomUtilisateur: uniqueUsername(), cleEnfance: '99999-INCONNUE' }),
    });
    expect(result.status).toBe(400);
    const message = "Cette clé Enfance n'est pas reconnue : vérifiez le courrier reçu de la mairie";
    expect(summaryOf(result.text)).toEqual([['cleEnfance', message]]);
    expect(fieldErrorOf(result.text, 'cleEnfance')).toBe(message);
    expect(inputValue(result.text, 'cleEnfance')).toBe('99999-INCONNUE');
    expect(await countRows(t, 'accounts')).toBe(before);
  });

  it('does not take a key of another town', async () => {
    await insertFamily('villennes', '78670-AUTRE', 'AUTRE');
    const { result } = await runWizard('tarnos', {
      auth: authentification({ nomUtilisateur: uniqueUsername(), cleEnfance: '78670-AUTRE' }),
    });
    expect(result.status).toBe(400);
    expect(summaryOf(result.text)[0]![0]).toBe('cleEnfance');
  });
});

describe('an email that already has an account', () => {
  it('gets exactly the same pages, no new account, and its owner is told by mail', async () => {
    const email = uniqueEmail('deja');
    const ownerName = uniqueUsername('proprietaire');
    const first = await runWizard('tarnos', {
      contact: { ...CONTACT, courriel: email },
      auth: authentification({ nomUtilisateur: ownerName }),
    });
    const firstDone = await first.agent.get(first.result.headers.location!);
    await t.deliverMail();
    const before = await countRows(t, 'accounts');

    const second = await runWizard('tarnos', {
      contact: { ...CONTACT, courriel: ` ${email.toUpperCase()} ` },
      auth: authentification({ nomUtilisateur: uniqueUsername() }),
      photo: true,
    });
    expect(second.result.status).toBe(first.result.status);
    expect(second.result.headers.location).toBe(first.result.headers.location);
    const secondDone = await second.agent.get(second.result.headers.location!);
    expect(secondDone.status).toBe(firstDone.status);
    expect(secondDone.text).toBe(firstDone.text);
    expect(await countRows(t, 'accounts')).toBe(before);
    // The photo of an account that was not created does not linger.
    expect(await countRows(t, 'signup_photos')).toBe(0);

    await t.deliverMail();
    const mails = smtp.to(email);
    const notice = mails.at(-1)!;
    expect(notice.subject).toBe('Vous avez déjà un espace famille');
    expect(notice.text).toContain('Bonjour M. TOULEMONDE,');
    expect(notice.text).toContain(ownerName);
    expect(linksIn(notice)).toContain('http://portail.test/tarnos/mot-de-passe-oublie');
    expect(mails.filter((m) => m.subject === 'Activez votre espace famille')).toHaveLength(1);
  });
});

describe('the password', () => {
  it('never appears in a page nor in the session table, on success or on error', async () => {
    const secret = 'Tres-Secret-Mdp-4242';
    const error = await runWizard('tarnos', {
      auth: authentification({ nomUtilisateur: uniqueUsername(), motDePasse: secret, confirmationMotDePasse: `${secret}!` }),
    });
    expect(error.result.status).toBe(400);
    const ok = await runWizard('tarnos', {
      auth: authentification({ nomUtilisateur: uniqueUsername(), motDePasse: secret, confirmationMotDePasse: secret }),
    });
    expect(ok.result.status).toBe(303);
    const done = await ok.agent.get(ok.result.headers.location!);
    for (const body of [...error.bodies, ...ok.bodies, done.text]) expect(body).not.toContain(secret);
    const { rows } = await t.db.pool.query<{ sess: string }>(`select sess::text as sess from session`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.sess).not.toContain(secret);
      expect(row.sess).not.toContain(PASSWORD);
    }
  });
});

describe('rate limit', () => {
  it('answers the 21st VALIDER within the hour from one address with a French 429', async () => {
    const { agent, token } = await openWizard(t);
    await postIdentite(agent, 'tarnos', token);
    await postStep(agent, 'tarnos', 'adresse', token, ADRESSE);
    await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, courriel: uniqueEmail() });
    await agent.get(stepUrl('tarnos', 'authentification'));
    const wrong = authentification({ nomUtilisateur: uniqueUsername(), confirmationMotDePasse: 'autre' });
    for (let i = 0; i < 20; i++) {
      expect((await postStep(agent, 'tarnos', 'authentification', token, wrong)).status).toBe(400);
    }
    const blocked = await postStep(agent, 'tarnos', 'authentification', token, authentification({ nomUtilisateur: uniqueUsername() }));
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Trop de tentatives');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

    t.clock.advance(60 * 60 * 1000);
    try {
      const later = await validate(agent, 'tarnos', token, authentification({ nomUtilisateur: uniqueUsername() }));
      expect(later.status).toBe(303);
    } finally {
      t.clock.advance(-60 * 60 * 1000);
    }
  });
});
