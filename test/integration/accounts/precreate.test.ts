import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { precreateAccount, resendPrecreation } from '../../../src/features/parent-accounts/parent-accounts.service.js';
import { forgetCguVersion } from '../../../src/features/parent-accounts/cgu.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { summaryOf } from '../signup/signup-helpers.js';

/** The sign-in form's message (the home page shows it in the error summary). */
const signInMessage = (html: string) => summaryOf(html).find(([field]) => field === 'identifiant')?.[1];
import { createTextVersion, familyByKey, town } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer, type ReceivedMail } from '../../helpers/smtp.js';

let t: TestApp;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  await smtp.start();
  t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

const ctx = () => ({ pool: t.db.pool, clock: t.clock, config: t.config });

function credentialsIn(mail: ReceivedMail) {
  return {
    username: /Nom d'utilisateur : (\S+)/.exec(mail.text)![1]!,
    password: /Mot de passe : (\S+)/.exec(mail.text)![1]!,
    link: new URL(linksIn(mail).find((l) => l.includes('/activation?'))!),
  };
}

let n = 0;
async function precreate(slug = 'bondoufle', extra: { familyKey?: string } = {}) {
  n += 1;
  const email = `test${n}@example.fr`;
  const result = await precreateAccount(ctx(), await town(t.db.pool, slug), {
    civility: 'M',
    lastName: 'Test',
    firstName: 'Michel',
    email,
    ...extra,
  });
  expect(result.kind).toBe('created');
  await t.deliverMail();
  return { email, mail: smtp.to(email).at(-1)! };
}

describe('Création rapide', () => {
  it("mails the seed's welcome with the link, a username and a temporary password following the town's policy", async () => {
    const { mail } = await precreate();
    expect(mail.subject).toBe('Votre espace famille a été créé');
    expect(mail.text).toContain('Bonjour M. TEST,');
    expect(mail.text).toContain('votre espace personnel a été automatiquement créé');
    const { username, password, link } = credentialsIn(mail);
    expect(username).toMatch(/^mtest\d*$/);
    expect(password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d).{12}$/);
    expect(link.origin).toBe('http://portail.test');
  });

  it('leads from the link to the new password, then the CGU, then the dashboard', async () => {
    const { mail } = await precreate('bondoufle', { familyKey: '91070-MARTIN1' });
    const { username, password, link } = credentialsIn(mail);
    const activated = await t.agent().get(link.pathname + link.search);
    expect(activated.text).toContain('Votre espace est activé');

    const agent = t.agent();
    expect((await signIn(agent, 'bondoufle', username, password)).status).toBe(303);
    // Every page of the space leads back to MODIFICATION DE VOS IDENTIFIANTS.
    for (const path of ['/bondoufle/mon-espace', '/bondoufle/mon-espace/identifiants', '/bondoufle/mon-espace/conditions-generales']) {
      const res = await agent.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/bondoufle/mon-espace/modification-identifiants');
    }
    const page = await agent.get('/bondoufle/mon-espace/modification-identifiants');
    expect(page.text).toContain('Modification de vos identifiants');
    expect(page.text).toContain('Votre mot de passe ayant été généré automatiquement');
    expect(page.text).toContain('au moins 8 caractères dont 1 minuscule et 1 chiffre');
    expect(page.text).toContain(username);

    const post = (motDePasse: string, confirmationMotDePasse = motDePasse, token = csrfFrom(page.text)) =>
      agent.post('/bondoufle/mon-espace/modification-identifiants').type('form').send({ _csrf: token, motDePasse, confirmationMotDePasse });
    const same = await post(password);
    expect(same.status).toBe(400);
    expect(same.text).toContain('doit être différent du mot de passe provisoire');
    const weak = await post('motdepasse');
    expect(weak.status).toBe(400);
    const mismatch = await post('Mon-Mot-Perso-2026', 'Mon-Mot-Perso-2027');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('La confirmation ne correspond pas au mot de passe');
    expect(
      (await agent.post('/bondoufle/mon-espace/modification-identifiants').type('form').send({ motDePasse: 'Xx-2026-abcd' })).status,
    ).toBe(403);

    const done = await post('Mon-Mot-Perso-2026');
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/bondoufle/mon-espace/conditions-generales');

    const cgu = await agent.get('/bondoufle/mon-espace/conditions-generales');
    expect(cgu.text).toContain("J'accepte les conditions générales d'utilisation");
    expect((await agent.get('/bondoufle/mon-espace')).headers.location).toBe('/bondoufle/mon-espace/conditions-generales');
    const accepted = await agent
      .post('/bondoufle/mon-espace/conditions-generales')
      .type('form')
      .send({ _csrf: csrfFrom(cgu.text), version: '1' });
    expect(accepted.headers.location).toBe('/bondoufle/mon-espace');
    const dashboard = await agent.get('/bondoufle/mon-espace');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('Bonjour Monsieur TEST.');
    expect(dashboard.text).toContain('Léa MARTIN');

    // The temporary password is gone for good.
    expect((await signIn(t.agent(), 'bondoufle', username, password)).status).toBe(401);
    expect((await signIn(t.agent(), 'bondoufle', username, 'Mon-Mot-Perso-2026')).status).toBe(303);
  });

  it('asks again for the CGU when the town publishes a new version', async () => {
    const { mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    await t.agent().get(link.pathname + link.search);
    const agent = t.agent();
    await signIn(agent, 'bondoufle', username, password);
    const page = await agent.get('/bondoufle/mon-espace/modification-identifiants');
    await agent
      .post('/bondoufle/mon-espace/modification-identifiants')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), motDePasse: 'Mon-Mot-Perso-2026', confirmationMotDePasse: 'Mon-Mot-Perso-2026' });
    const cgu = await agent.get('/bondoufle/mon-espace/conditions-generales');
    await agent
      .post('/bondoufle/mon-espace/conditions-generales')
      .type('form')
      .send({ _csrf: csrfFrom(cgu.text), version: '1' });
    expect((await agent.get('/bondoufle/mon-espace')).status).toBe(200);
    const b = await town(t.db.pool, 'bondoufle');
    expect(await createTextVersion(t.db.pool, 'bondoufle', { kind: 'cgu', body: 'Nouvelles conditions.' })).toBe(2);
    forgetCguVersion(b.id);
    const next = t.agent();
    await signIn(next, 'bondoufle', username, 'Mon-Mot-Perso-2026');
    const res = await next.get('/bondoufle/mon-espace');
    expect(res.headers.location).toBe('/bondoufle/mon-espace/conditions-generales');
    await t.db.pool.query(`delete from town_texts where town_id = $1 and version = 2`, [b.id]);
    forgetCguVersion(b.id);
  });

  it('says in the mail that the temporary password serves once and dies with the link, with the date', async () => {
    const { mail } = await precreate();
    // Sent on 23/11/2026 at 11:00 in Paris: both die 7 days later.
    expect(mail.text).toContain("il ne sert qu'une fois, à votre première connexion, pour choisir votre propre mot de passe");
    expect(mail.text).toContain("Comme le lien d'activation, il n'est plus valable après le 30/11/2026 à 11:00");
    // The seed's wording is kept around it.
    expect(mail.text).toContain('Voici vos identifiants de connexion :');
    expect(mail.text).toContain('Vous pouvez maintenant réaliser vos démarches en ligne.');
  });

  it('dies with the activation link after 7 days, and the sign-in page says what to do', async () => {
    const a = credentialsIn((await precreate()).mail);
    await t.agent().get(a.link.pathname + a.link.search);
    // A minute before the 7 days: it still signs in.
    t.clock.advance(7 * 24 * 60 * 60 * 1000 - 60_000);
    expect((await signIn(t.agent(), 'bondoufle', a.username, a.password)).status).toBe(303);

    const c = credentialsIn((await precreate()).mail);
    const e = credentialsIn((await precreate()).mail);
    await t.agent().get(c.link.pathname + c.link.search);
    t.clock.advance(7 * 24 * 60 * 60 * 1000);
    // The link and the password die at the same moment.
    expect((await t.agent().get(e.link.pathname + e.link.search)).status).toBe(410);
    const res = await signIn(t.agent(), 'bondoufle', c.username, c.password);
    expect(res.status).toBe(401);
    expect(signInMessage(res.text)).toBe(
      "Ce mot de passe provisoire n'est plus valable : il ne sert qu'une fois, dans les 7 jours qui suivent son envoi. Choisissez votre mot de passe avec « J'ai oublié mon mot de passe » : un lien vous sera envoyé par courriel.",
    );
    // A wrong password still gets the generic message: nothing is learnt without the password.
    const wrong = await signIn(t.agent(), 'bondoufle', c.username, 'Pas-Le-Bon-2026');
    expect(signInMessage(wrong.text)).toBe('Identifiant ou mot de passe incorrect');
  });

  it('expires with its link even when the account was never activated, and the advice works', async () => {
    const { email, mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    t.clock.advance(7 * 24 * 60 * 60 * 1000);
    expect((await t.agent().get(link.pathname + link.search)).status).toBe(410);
    const res = await signIn(t.agent(), 'bondoufle', username, password);
    expect(signInMessage(res.text)).toContain("Ce mot de passe provisoire n'est plus valable");
    // « J'ai oublié mon mot de passe » gives a link that sets the parent's own password.
    const home = t.agent();
    const form = await home.get('/bondoufle/mot-de-passe-oublie');
    await home
      .post('/bondoufle/mot-de-passe-oublie')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), identifiant: username });
    await t.deliverMail();
    const reset = new URL(linksIn(smtp.to(email).at(-1)!).find((l) => l.includes('/reinitialiser-mot-de-passe?'))!);
    const page = await home.get(reset.pathname + reset.search);
    const done = await home
      .post('/bondoufle/reinitialiser-mot-de-passe')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        jeton: reset.searchParams.get('jeton'),
        motDePasse: 'Mon-Mot-Perso-2026',
        confirmationMotDePasse: 'Mon-Mot-Perso-2026',
      });
    expect(done.status).toBe(303);
    expect((await signIn(t.agent(), 'bondoufle', username, 'Mon-Mot-Perso-2026')).status).toBe(303);
  });

  it('signs in once only: a second sign-in with it is refused, the first session still chooses the new password', async () => {
    const { mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    await t.agent().get(link.pathname + link.search);
    const first = t.agent();
    expect((await signIn(first, 'bondoufle', username, password)).status).toBe(303);
    // It leads only to choosing a new password.
    expect((await first.get('/bondoufle/mon-espace')).headers.location).toBe('/bondoufle/mon-espace/modification-identifiants');

    const second = await signIn(t.agent(), 'bondoufle', username, password);
    expect(second.status).toBe(401);
    expect(signInMessage(second.text)).toContain("il ne sert qu'une fois");

    const page = await first.get('/bondoufle/mon-espace/modification-identifiants');
    const done = await first
      .post('/bondoufle/mon-espace/modification-identifiants')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), motDePasse: 'Mon-Mot-Perso-2026', confirmationMotDePasse: 'Mon-Mot-Perso-2026' });
    expect(done.status).toBe(303);
    expect((await signIn(t.agent(), 'bondoufle', username, 'Mon-Mot-Perso-2026')).status).toBe(303);
    expect((await signIn(t.agent(), 'bondoufle', username, password)).status).toBe(401);
  });

  it('is spent once even by two sign-ins at the same moment', async () => {
    const { mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    await t.agent().get(link.pathname + link.search);
    const results = await Promise.all([0, 1, 2].map(() => signIn(t.agent(), 'bondoufle', username, password)));
    expect(results.map((r) => r.status).sort()).toEqual([303, 401, 401]);
  });

  it('sends a new mail that cancels the previous link and password', async () => {
    const { email, mail } = await precreate();
    const first = credentialsIn(mail);
    const { rows } = await t.db.pool.query('select id from accounts where email = $1', [email]);
    expect(await resendPrecreation(ctx(), await town(t.db.pool, 'bondoufle'), rows[0].id)).toBe(true);
    await t.deliverMail();
    const second = credentialsIn(smtp.to(email).at(-1)!);
    expect(second.password).not.toBe(first.password);
    expect((await t.agent().get(first.link.pathname + first.link.search)).status).toBe(404);
    expect((await t.agent().get(second.link.pathname + second.link.search)).status).toBe(200);
    expect((await signIn(t.agent(), 'bondoufle', second.username, first.password)).status).toBe(401);
    expect((await signIn(t.agent(), 'bondoufle', second.username, second.password)).status).toBe(303);
  });

  it('ends the session opened with the previous temporary password when the mail is sent again', async () => {
    const { email, mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    await t.agent().get(link.pathname + link.search);
    const first = t.agent();
    expect((await signIn(first, 'bondoufle', username, password)).status).toBe(303);
    expect((await first.get('/bondoufle/mon-espace/modification-identifiants')).status).toBe(200);

    const { rows } = await t.db.pool.query('select id from accounts where email = $1', [email]);
    expect(await resendPrecreation(ctx(), await town(t.db.pool, 'bondoufle'), rows[0].id)).toBe(true);

    // Whoever read the first mail can no longer choose the password: only the new mail leads there.
    const page = await first.get('/bondoufle/mon-espace/modification-identifiants');
    expect(page.status).toBe(303);
    expect(page.headers.location).not.toContain('/mon-espace');
  });

  it('refuses an email that already has an account, and an unknown key', async () => {
    const { email } = await precreate();
    const b = await town(t.db.pool, 'bondoufle');
    expect((await precreateAccount(ctx(), b, { civility: 'Mme', lastName: 'X', firstName: 'Y', email })).kind).toBe('email_taken');
    expect(
      (
        await precreateAccount(ctx(), b, {
          civility: 'Mme',
          lastName: 'X',
          firstName: 'Y',
          email: 'new@example.fr',
          familyKey: '00000-NOPE000',
        })
      ).kind,
    ).toBe('unknown_key');
  });

  it('gives unique usernames to namesakes', async () => {
    const a = credentialsIn((await precreate()).mail).username;
    const b = credentialsIn((await precreate()).mail).username;
    expect(a).not.toBe(b);
  });

  it('is available from the command line', async () => {
    const env = { ...process.env, DATABASE_URL: t.db.url, NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'precreate-account',
        '--town',
        'tarnos',
        '--civility',
        'Mme',
        '--last-name',
        'Cli',
        '--first-name',
        'Anne',
        '--email',
        'cli@example.fr',
        '--family-key',
        '40220-DURAND2',
      ],
      { env },
    );
    expect(stdout).toContain('username "acli"');
    const family = await familyByKey(t.db.pool, 'tarnos', '40220-DURAND2');
    const { rows } = await t.db.pool.query(`select family_id, password_is_temporary from accounts where email = 'cli@example.fr'`);
    expect(rows[0]).toEqual({ family_id: family.id, password_is_temporary: true });
    const queued = await t.db.pool.query(`select template from mail_outbox where to_address = 'cli@example.fr'`);
    expect(queued.rows.map((r) => r.template)).toEqual(['precreated']);

    const bad = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'precreate-account', '--town', 'tarnos'], {
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain('missing option(s)');
  });
});
