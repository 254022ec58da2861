import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn } from '../../helpers/auth.js';
import { createParent } from '../../helpers/fixtures.js';
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
  t.clock.set('2026-11-23T10:00:00Z');
});

async function askReset(identifiant: string) {
  const agent = t.agent();
  const token = await csrfToken(agent, '/tarnos/mot-de-passe-oublie');
  return agent.post('/tarnos/mot-de-passe-oublie').type('form').send({ _csrf: token, identifiant });
}

async function resetLinkFor(email: string): Promise<string> {
  await t.deliverMail();
  const link = linksIn(smtp.to(email).at(-1)!).find((l) => l.includes('reinitialiser-mot-de-passe'))!;
  const url = new URL(link);
  return url.pathname + url.search;
}

async function submitNewPassword(path: string, motDePasse: string, confirmationMotDePasse = motDePasse) {
  const agent = t.agent();
  const form = await agent.get(path);
  const jeton = new URL(`http://x${path}`).searchParams.get('jeton')!;
  return agent
    .post('/tarnos/reinitialiser-mot-de-passe')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), jeton, motDePasse, confirmationMotDePasse });
}

describe('forgotten password', () => {
  it('answers the same whatever was typed', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const known = await askReset(parent.username);
    const unknown = await askReset('personne-inconnue');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.text.replace(/name="_csrf" value="[^"]+"/g, '')).toBe(known.text.replace(/name="_csrf" value="[^"]+"/g, ''));
  });

  it('mails a 30-minute link that sets a new password following the town policy, once', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await askReset(parent.email);
    const path = await resetLinkFor(parent.email);
    expect(smtp.to(parent.email).at(-1)!.subject).toBe('Réinitialisation de votre mot de passe');

    const form = await t.agent().get(path);
    expect(form.status).toBe(200);
    // Tarnos: 8 characters with an uppercase, a lowercase and a digit, stated before typing.
    expect(form.text).toContain('au moins 8 caractères dont 1 majuscule, 1 minuscule et 1 chiffre');

    const weak = await submitNewPassword(path, 'tout-en-minuscules-1');
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('au moins une majuscule');
    expect(weak.text).not.toContain('tout-en-minuscules-1');
    const mismatch = await submitNewPassword(path, 'Nouveau-Mot-2026', 'Autre-Chose-2026');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('La confirmation ne correspond pas');

    const done = await submitNewPassword(path, 'Nouveau-Mot-2026');
    expect(done.status).toBe(303);
    expect((await signIn(t.agent(), 'tarnos', parent.username, parent.password)).status).toBe(401);
    expect((await signIn(t.agent(), 'tarnos', parent.username, 'Nouveau-Mot-2026')).status).toBe(303);

    const reused = await t.agent().get(path);
    expect(reused.status).toBe(410);

    await t.deliverMail();
    expect(smtp.to(parent.email).at(-1)!.subject).toBe('Votre mot de passe a été modifié');
  });

  it('ends every session of the account and lifts a lock', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const elsewhere = t.agent();
    await signIn(elsewhere, 'tarnos', parent.username, parent.password);
    expect((await elsewhere.get('/tarnos/mon-espace')).status).toBe(200);
    // Locked for browsers that never signed in to it (src/lib/lockout.ts).
    await t.db.pool.query(`insert into sign_in_throttle (key, failures, last_failed_at, locked_until) values ($1, 10, $2, $3)`, [
      `parent:${parent.id}`,
      new Date('2026-11-23T10:00:00Z'),
      new Date('2026-11-23T10:30:00Z'),
    ]);
    await askReset(parent.username);
    const path = await resetLinkFor(parent.email);
    expect((await submitNewPassword(path, 'Nouveau-Mot-2026')).status).toBe(303);
    expect((await elsewhere.get('/tarnos/mon-espace')).status).toBe(303);
    // Signed in from a browser that never saw the account: no CAPTCHA, no lock left.
    expect((await signIn(t.agent(), 'tarnos', parent.username, 'Nouveau-Mot-2026')).status).toBe(303);
  });

  it('expires after 30 minutes, and a newer request cancels the older link', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await askReset(parent.username);
    const first = await resetLinkFor(parent.email);
    await askReset(parent.username);
    const second = await resetLinkFor(parent.email);
    expect((await t.agent().get(first)).status).toBe(404);
    t.clock.advance(30 * 60 * 1000 - 1000);
    expect((await t.agent().get(second)).status).toBe(200);
    t.clock.advance(1000);
    const expired = await t.agent().get(second);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('Demander un nouveau lien');
  });

  it('refuses the forms without their CSRF token', async () => {
    expect((await t.agent().post('/tarnos/mot-de-passe-oublie').type('form').send({ identifiant: 'x' })).status).toBe(403);
    expect((await t.agent().post('/tarnos/reinitialiser-mot-de-passe').type('form').send({ jeton: 'x', motDePasse: 'y' })).status).toBe(
      403,
    );
  });
});

describe('Mes identifiants', () => {
  async function signedIn() {
    const parent = await createParent(t.db.pool, 'bayeux');
    const agent = t.agent();
    await signIn(agent, 'bayeux', parent.username, parent.password);
    return { parent, agent };
  }

  async function change(agent: ReturnType<TestApp['agent']>, fields: Record<string, string>) {
    const token = await csrfToken(agent, '/bayeux/mon-espace/identifiants');
    return agent
      .post('/bayeux/mon-espace/identifiants')
      .type('form')
      .send({ _csrf: token, nomUtilisateur: '', motDePasseActuel: '', motDePasse: '', confirmationMotDePasse: '', ...fields });
  }

  it('needs the current password', async () => {
    const { agent, parent } = await signedIn();
    const res = await change(agent, { nomUtilisateur: 'nouveau-nom', motDePasseActuel: 'Faux-2026' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Le mot de passe actuel est incorrect');
    expect(parse(res).fieldValue('nomUtilisateur')).toBe('nouveau-nom');
    const { rows } = await t.db.pool.query('select username from accounts where id = $1', [parent.id]);
    expect(rows[0].username).toBe(parent.username);
  });

  it("follows Bayeux's policy for a new password (an uppercase and a digit)", async () => {
    const { agent, parent } = await signedIn();
    const res = await change(agent, {
      motDePasseActuel: parent.password,
      motDePasse: 'sansmajuscule1',
      confirmationMotDePasse: 'sansmajuscule1',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('au moins une majuscule');
  });

  it('refuses a username already taken, whatever its case', async () => {
    const other = await createParent(t.db.pool, 'bayeux');
    const { agent, parent } = await signedIn();
    const res = await change(agent, { nomUtilisateur: other.username.toUpperCase(), motDePasseActuel: parent.password });
    expect(res.status).toBe(400);
    expect(res.text).toContain('déjà pris');
  });

  it('changes both and tells the owner by mail', async () => {
    const { agent, parent } = await signedIn();
    const res = await change(agent, {
      nomUtilisateur: `${parent.username}-b`,
      motDePasseActuel: parent.password,
      motDePasse: 'Bayeux-Neuf-2026',
      confirmationMotDePasse: 'Bayeux-Neuf-2026',
    });
    expect(res.status).toBe(303);
    const dashboard = await agent.get('/bayeux/mon-espace');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('Vos identifiants ont été modifiés');
    expect((await signIn(t.agent(), 'bayeux', `${parent.username}-b`, 'Bayeux-Neuf-2026')).status).toBe(303);
    await t.deliverMail();
    expect(smtp.to(parent.email).at(-1)!.subject).toBe('Vos identifiants ont été modifiés');
  });

  it('is closed to visitors and refuses a POST without the token', async () => {
    expect((await t.agent().get('/bayeux/mon-espace/identifiants')).status).toBe(303);
    const { agent } = await signedIn();
    expect((await agent.post('/bayeux/mon-espace/identifiants').type('form').send({ nomUtilisateur: 'x' })).status).toBe(403);
  });
});
