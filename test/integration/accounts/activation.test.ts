import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerAccount, type RegistrationInput } from '../../../src/features/parent-accounts/parent-accounts.service.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn } from '../../helpers/auth.js';
import { registrationInput, town } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';

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
});

let n = 0;
function input(overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  n += 1;
  return registrationInput({ email: `nathalie${n}@example.fr`, username: `nlanglois${n}`, ...overrides });
}

const ctx = () => ({ pool: t.db.pool, clock: t.clock, config: t.config });

async function register(overrides: Partial<RegistrationInput> = {}) {
  const data = input(overrides);
  const result = await registerAccount(ctx(), await town(t.db.pool, 'villennes'), data);
  expect(result.kind).toBe('created');
  await t.deliverMail();
  const mail = smtp.to(data.email).at(-1)!;
  return { data, mail, link: linksIn(mail).find((l) => l.includes('/activation?'))! };
}

function pathOf(link: string): string {
  const url = new URL(link);
  return url.pathname + url.search;
}

describe('activation', () => {
  it('mails a welcome with a single-use link built from PUBLIC_BASE_URL', async () => {
    const { mail, link, data } = await register();
    expect(mail.subject).toBe('Activez votre espace famille');
    expect(mail.text).toContain('Bonjour Mme LANGLOIS,');
    expect(mail.text).toContain('Nous vous souhaitons la bienvenue sur votre « espace famille »');
    expect(link.startsWith('http://portail.test/villennes/activation?jeton=')).toBe(true);
    expect(mail.text).toContain(data.username);

    // Before activation, sign-in fails like any other failure.
    expect((await signIn(t.agent(), 'villennes', data.username, data.password)).status).toBe(401);

    const page = await t.agent().get(pathOf(link));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Votre espace est activé');
    // Without a Clé Enfance the account still waits for the services.
    expect(page.text).toContain('en attente de validation par les services');

    const again = await t.agent().get(pathOf(link));
    expect(again.status).toBe(410);
    expect(again.text).toContain('déjà été utilisé');
    expect(again.text).toContain("Renvoyer le lien d'activation");

    const agent = t.agent();
    expect((await signIn(agent, 'villennes', data.username, data.password)).status).toBe(303);
    // Then the CGU, as for every new account, then the dashboard.
    const first = await agent.get('/villennes/mon-espace');
    expect(first.headers.location).toBe('/villennes/mon-espace/conditions-generales');
  });

  it('stores only a hash of the token', async () => {
    const { link } = await register();
    const token = new URL(link).searchParams.get('jeton')!;
    const { rowCount } = await t.db.pool.query('select 1 from account_tokens where token_hash = $1', [token]);
    expect(rowCount).toBe(0);
  });

  it('expires after exactly 7 days', async () => {
    const late = await register();
    const onTime = await register();
    t.clock.advance(7 * 24 * 60 * 60 * 1000 - 1000);
    expect((await t.agent().get(pathOf(onTime.link))).status).toBe(200);
    t.clock.advance(1000);
    const expired = await t.agent().get(pathOf(late.link));
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('a expiré');
    t.clock.set('2026-11-23T10:00:00Z');
  });

  it('answers an unknown token with a clear page, not an error', async () => {
    const res = await t.agent().get('/villennes/activation?jeton=nimportequoi');
    expect(res.status).toBe(404);
    expect(res.text).toContain("Ce lien n'est plus valable");
  });

  it('does not open an account of one town from another town', async () => {
    const { link } = await register();
    const res = await t.agent().get(pathOf(link).replace('/villennes/', '/tarnos/'));
    expect(res.status).toBe(404);
  });

  it('resends a new link that replaces the old one, and answers the same for an unknown address', async () => {
    const { link, data } = await register();
    const agent = t.agent();
    const token = await csrfToken(agent, '/villennes/renvoyer-activation');
    const known = await agent.post('/villennes/renvoyer-activation').type('form').send({ _csrf: token, identifiant: data.email });
    const unknown = await agent
      .post('/villennes/renvoyer-activation')
      .type('form')
      .send({ _csrf: token, identifiant: 'personne@example.fr' });
    expect(known.status).toBe(200);
    expect(unknown.text).toBe(known.text);
    await t.deliverMail();
    const mails = smtp.to(data.email);
    expect(mails).toHaveLength(2);
    const fresh = linksIn(mails[1]!).find((l) => l.includes('/activation?'))!;
    expect(fresh).not.toBe(link);
    expect((await t.agent().get(pathOf(link))).status).toBe(404);
    expect((await t.agent().get(pathOf(fresh))).status).toBe(200);
  });

  it('rate-limits resending per address', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/villennes/renvoyer-activation');
    let status = 0;
    for (let i = 0; i < 11; i++) {
      status = (
        await agent
          .post('/villennes/renvoyer-activation')
          .type('form')
          .send({ _csrf: token, identifiant: `x${i}@example.fr` })
      ).status;
    }
    expect(status).toBe(429);
  });

  it('refuses the resend form without its CSRF token, and asks for the identifier', async () => {
    expect((await t.agent().post('/villennes/renvoyer-activation').type('form').send({ identifiant: 'a@b.fr' })).status).toBe(403);
    const agent = t.agent();
    const token = await csrfToken(agent, '/villennes/renvoyer-activation');
    const empty = await agent.post('/villennes/renvoyer-activation').type('form').send({ _csrf: token, identifiant: '' });
    expect(empty.status).toBe(400);
    expect(
      parse(empty)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['identifiant']);
  });

  it('links an account created with a Clé Enfance to its family, fully active after the link', async () => {
    const { data, link } = await register({ cleEnfance: '78670-durand2' });
    const { rows } = await t.db.pool.query(
      `select a.validation_status, f.name from accounts a join families f on f.id = a.family_id where a.username = $1`,
      [data.username],
    );
    expect(rows[0]).toEqual({ validation_status: 'validated', name: 'DURAND' });
    await t.agent().get(pathOf(link));
    const agent = t.agent();
    await signIn(agent, 'villennes', data.username, data.password);
    const cgu = await agent.get('/villennes/mon-espace/conditions-generales');
    const token = parse(cgu).csrf();
    await agent.post('/villennes/mon-espace/conditions-generales').type('form').send({ _csrf: token, version: '1' });
    const dashboard = await agent.get('/villennes/mon-espace');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('Chloé DURAND');
    expect(dashboard.text).not.toContain('en attente de validation');
  });

  it('tells the owner of an email already in use, and creates nothing', async () => {
    const first = await register();
    const second = input({ email: first.data.email.toUpperCase() });
    const result = await registerAccount(ctx(), await town(t.db.pool, 'villennes'), second);
    expect(result.kind).toBe('created');
    const { rowCount } = await t.db.pool.query('select 1 from accounts where username = $1', [second.username]);
    expect(rowCount).toBe(0);
    await t.deliverMail();
    const mails = smtp.to(first.data.email);
    expect(mails.at(-1)!.subject).toBe('Vous avez déjà un espace famille');
    expect(mails.at(-1)!.text).toContain(first.data.username);
  });
});

describe('an SMTP outage during sign-up', () => {
  it('changes nothing for the user; the mail arrives once SMTP is back', async () => {
    const down = new TestSmtpServer();
    await down.start();
    const port = down.port;
    await down.stop();
    const app = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: `smtp://127.0.0.1:${port}`, mailRetryDelaySeconds: 1 });
    try {
      const data = input();
      const result = await registerAccount(
        { pool: app.db.pool, clock: app.clock, config: app.config },
        await town(app.db.pool, 'villennes'),
        data,
      );
      expect(result.kind).toBe('created');
      await app.deliverMail(); // fails: SMTP is down
      const { rows } = await app.db.pool.query(`select status, attempts from mail_outbox where to_address = $1`, [data.email]);
      expect(rows[0]).toEqual({ status: 'pending', attempts: 1 });
      await down.start(port);
      app.clock.advance(10 * 60 * 1000);
      // The retry comes due one to two seconds after the failure (database time).
      for (let waited = 0; down.to(data.email).length === 0 && waited < 5000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        await app.deliverMail();
      }
      expect(down.to(data.email)).toHaveLength(1);
      expect(linksIn(down.to(data.email)[0]!).some((l) => l.includes('/activation?jeton='))).toBe(true);
    } finally {
      await app.close();
      await down.stop();
    }
  });
});
