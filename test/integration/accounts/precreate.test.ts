import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { precreateAccount, resendPrecreation } from '../../../src/features/accounts/accounts.service.js';
import { forgetCguVersion } from '../../../src/features/accounts/cgu.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
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

  it('expires the temporary password after 14 days', async () => {
    const { mail } = await precreate();
    const { username, password, link } = credentialsIn(mail);
    await t.agent().get(link.pathname + link.search);
    t.clock.advance(14 * 24 * 60 * 60 * 1000);
    expect((await signIn(t.agent(), 'bondoufle', username, password)).status).toBe(401);
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
