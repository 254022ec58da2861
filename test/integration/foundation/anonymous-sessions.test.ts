import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setAgentDisabled } from '../../../src/repositories/agents.repository.js';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';

/**
 * Issue 13: anonymous pages open no session (their forms' CSRF token is a signed double-submit
 * cookie, ADR 0016), and a signed-in page reads its session and account in one statement.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T10:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

async function sessionRows(): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>('select count(*)::int as n from session');
  return rows[0]!.n;
}

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  return ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);
}

/** The `name=value` of a cookie the response sets. */
function cookieSet(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
}

const sidOf = (cookie: string) => /^ef\.sid=s:([^.]+)\./.exec(decodeURIComponent(cookie))?.[1];

/** GETs `path` `times` times without cookies, as a crawler does, a few at a time. */
async function crawl(path: string, times: number): Promise<void> {
  const client = supertest(t.app);
  for (let done = 0; done < times; done += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, times - done) }, () => client.get(path)));
    for (const res of batch) {
      expect(res.status).toBe(200);
      expect(cookieSet(res, 'ef.sid')).toBeUndefined();
    }
  }
}

describe('anonymous pages open no session', () => {
  it('a crawler hitting the town home 1,000 times adds no session row', async () => {
    const before = await sessionRows();
    await crawl('/tarnos/', 1000);
    expect(await sessionRows()).toBe(before);
  });

  it.each([
    ['the agents’ sign-in', '/tarnos/agents/connexion'],
    ['forgotten password', '/tarnos/mot-de-passe-oublie'],
    ['activation mail again', '/tarnos/renvoyer-activation'],
    ['mentions légales', '/tarnos/mentions-legales'],
    ['CGU', '/tarnos/cgu'],
    ['accessibilité', '/tarnos/accessibilite'],
    ['session expired', '/tarnos/session/expiree'],
    ['sign-up welcome', '/tarnos/creer-mon-espace'],
    ['sign-up first step', '/tarnos/creer-mon-espace/identite'],
    ['list of towns', '/'],
    ['the activities offer', '/tarnos/activites'],
  ])('nor does %s, visited 100 times', async (_name, path) => {
    const before = await sessionRows();
    await crawl(path, 100);
    expect(await sessionRows()).toBe(before);
  });

  it('gives a returning visitor the same token without sending the cookie again', async () => {
    const browser = t.agent();
    const first = await browser.get('/tarnos/');
    expect(cookieSet(first, 'ef.csrf')).toBeDefined();
    const again = await browser.get('/tarnos/');
    expect(setCookies(again)).toEqual([]);
    expect(csrfFrom(again.text)).toBe(csrfFrom(first.text));
  });

  it('opens no session for a wrong password either: the CAPTCHA, later, is what needs one', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    const before = await sessionRows();
    const token = await csrfToken(browser, '/tarnos/');
    const res = await browser
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: token, identifiant: parent.username, motDePasse: 'Faux-1' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Identifiant ou mot de passe incorrect');
    expect(cookieSet(res, 'ef.sid')).toBeUndefined();
    expect(await sessionRows()).toBe(before);
  });
});

describe('the anonymous forms’ token', () => {
  it('refuses a sign-in without the cookie or without the token', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const form = { identifiant: parent.username, motDePasse: parent.password };
    const noCookie = await supertest(t.app)
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: await csrfToken(t.agent(), '/tarnos/'), ...form });
    expect(noCookie.status).toBe(403);
    expect(noCookie.text).toContain('Votre formulaire a expiré');
    const browser = t.agent();
    await browser.get('/tarnos/');
    const noToken = await browser.post('/tarnos/connexion').type('form').send(form);
    expect(noToken.status).toBe(403);
  });

  it('refuses a token that belongs to another browser’s cookie', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    await browser.get('/tarnos/');
    const foreign = await csrfToken(t.agent(), '/tarnos/');
    const res = await browser
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: foreign, identifiant: parent.username, motDePasse: parent.password });
    expect(res.status).toBe(403);
  });

  it('refuses a cookie and a token that match but were not signed by the portal', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const made = `${'ab'.repeat(32)}.${'cd'.repeat(32)}`;
    const res = await supertest(t.app)
      .post('/tarnos/connexion')
      .set('Cookie', `ef.csrf=${made}`)
      .type('form')
      .send({ _csrf: made, identifiant: parent.username, motDePasse: parent.password });
    expect(res.status).toBe(403);
  });

  it('signs a parent in with a valid token, and an agent too', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const res = await signIn(t.agent(), 'tarnos', parent.username, parent.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/mon-espace');
    const agent = await createAgentFixture(t.db.pool, 'tarnos');
    const back = await signInAgent(t.agent(), 'tarnos', agent.username, agent.password);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/tarnos/agents');
  });

  it('keeps the page’s token valid once a CAPTCHA opened a session', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    const token = await csrfToken(browser, '/tarnos/');
    let last;
    for (let i = 0; i < 6; i++) {
      last = await browser
        .post('/tarnos/connexion')
        .type('form')
        .send({ _csrf: token, identifiant: parent.username, motDePasse: `Faux-${i}` });
      expect([400, 401]).toContain(last.status);
    }
    // The failures asked for a CAPTCHA, which lives in a session now: the same token still passes.
    expect(last!.text).toContain('texteControle');
    expect(await sessionRows()).toBeGreaterThan(0);
  });
});

describe('signed-in forms', () => {
  it('refuse a missing token, the token from before sign-in, and another session’s token', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    const anonymous = await csrfToken(browser, '/tarnos/');
    const signedIn = await browser
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: anonymous, identifiant: parent.username, motDePasse: parent.password });
    expect(signedIn.status).toBe(303);
    const session = cookieSet(signedIn, 'ef.sid')!;

    const other = t.agent();
    await signIn(other, 'tarnos', parent.username, parent.password);
    const othersToken = await csrfToken(other, '/tarnos/mon-espace');

    const signOut = (token?: string) =>
      browser
        .post('/tarnos/deconnexion')
        .type('form')
        .send(token ? { _csrf: token } : {});
    expect((await signOut()).status).toBe(403);
    expect((await signOut(anonymous)).status).toBe(403);
    expect((await signOut(othersToken)).status).toBe(403);
    // Not even with the cookie still holding it: a signed-in form's token is bound to its session.
    const keptPair = await supertest(t.app)
      .post('/tarnos/deconnexion')
      .set('Cookie', `${session}; ef.csrf=${anonymous}`)
      .type('form')
      .send({ _csrf: anonymous });
    expect(keptPair.status).toBe(403);
    expect((await browser.get('/tarnos/mon-espace')).status).toBe(200);

    const own = await csrfToken(browser, '/tarnos/mon-espace');
    expect(own).not.toBe(anonymous);
    const out = await signOut(own);
    expect(out.status).toBe(303);
  });

  it('refuse another session’s cookie and token pair, planted beside the victim’s session', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const victim = t.agent();
    const signedIn = await signIn(victim, 'tarnos', parent.username, parent.password);
    const victimSession = cookieSet(signedIn, 'ef.sid')!;

    const attacker = t.agent();
    const attackerIn = await signIn(attacker, 'tarnos', parent.username, parent.password);
    const attackerToken = await csrfToken(attacker, '/tarnos/mon-espace');
    expect(cookieSet(attackerIn, 'ef.csrf')).toBe(`ef.csrf=${attackerToken}`);

    const res = await supertest(t.app)
      .post('/tarnos/deconnexion')
      .set('Cookie', `${victimSession}; ef.csrf=${attackerToken}`)
      .type('form')
      .send({ _csrf: attackerToken });
    expect(res.status).toBe(403);
  });
});

describe('the session starts where state is needed', () => {
  it('a new session id at sign-in: the one a page opened before is deleted', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    // A guarded page leaves a message for the home page: that needs, and opens, a session.
    const guarded = await browser.get('/tarnos/mon-espace');
    const before = cookieSet(guarded, 'ef.sid');
    expect(before).toBeDefined();
    const home = await browser.get('/tarnos/');
    expect(home.text).toContain('Connectez-vous pour accéder à votre espace.');
    const res = await signIn(browser, 'tarnos', parent.username, parent.password);
    const after = cookieSet(res, 'ef.sid');
    expect(after).toBeDefined();
    expect(sidOf(after!)).not.toBe(sidOf(before!));
    const { rows } = await t.db.pool.query('select 1 from session where sid = $1', [sidOf(before!)]);
    expect(rows).toEqual([]);
  });
});

describe('the session and the account, one statement', () => {
  it('reads a signed-in parent’s account with the session, not after it', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    await signIn(browser, 'tarnos', parent.username, parent.password);
    const spy = vi.spyOn(t.db.pool, 'query');
    try {
      const res = await browser.get('/tarnos/');
      expect(res.status).toBe(200);
      expect(res.text).toContain('Se déconnecter');
      const texts = spy.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
      expect(texts.filter((q) => /from session/.test(q))).toHaveLength(1);
      expect(texts.filter((q) => /^select .* from accounts where town_id = \$1 and id = \$2$/s.test(q))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('reads a signed-in agent with the session too', async () => {
    const agent = await createAgentFixture(t.db.pool, 'tarnos');
    const browser = t.agent();
    await signInAgent(browser, 'tarnos', agent.username, agent.password);
    const spy = vi.spyOn(t.db.pool, 'query');
    try {
      const res = await browser.get('/tarnos/agents/connexion').redirects(0);
      // A signed-in agent is sent to the back-office's home: the guard knew them.
      expect(res.status).toBe(303);
      const texts = spy.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
      expect(texts.filter((q) => /from session/.test(q))).toHaveLength(1);
      expect(texts.filter((q) => /^select .* from agents where town_id = \$1 and id = \$2$/s.test(q))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a disabled agent loses the back-office at the next request', async () => {
    const agent = await createAgentFixture(t.db.pool, 'tarnos');
    const browser = t.agent();
    const signedIn = await signInAgent(browser, 'tarnos', agent.username, agent.password);
    expect((await browser.get('/tarnos/agents')).status).toBe(200);
    await setAgentDisabled(t.db.pool, agent.townId, agent.id, new Date());
    expect((await browser.get('/tarnos/agents')).status).toBe(404);
    const { rows } = await t.db.pool.query('select 1 from session where sid = $1', [sidOf(cookieSet(signedIn, 'ef.sid')!)]);
    expect(rows).toEqual([]);
  });

  it('a deleted parent loses their space at the next request, and a signed-out session opens nothing', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    await signIn(browser, 'tarnos', parent.username, parent.password);
    expect((await browser.get('/tarnos/mon-espace')).status).toBe(200);
    await t.db.pool.query('delete from accounts where id = $1', [parent.id]);
    const gone = await browser.get('/tarnos/mon-espace').redirects(0);
    expect(gone.status).toBe(303);
    expect(gone.headers.location).not.toBe('/tarnos/mon-espace');

    const other = await createParent(t.db.pool, 'tarnos');
    const second = t.agent();
    const signedIn = await signIn(second, 'tarnos', other.username, other.password);
    const session = cookieSet(signedIn, 'ef.sid')!;
    await second
      .post('/tarnos/deconnexion')
      .type('form')
      .send({ _csrf: await csrfToken(second, '/tarnos/mon-espace') });
    const replayed = await supertest(t.app).get('/tarnos/mon-espace').set('Cookie', session).redirects(0);
    expect(replayed.status).toBe(303);
  });
});

describe('in production', () => {
  let prod: TestApp;
  beforeAll(async () => {
    prod = await createTestApp({ env: { PUBLIC_BASE_URL: 'https://portail.test' } });
  });
  afterAll(async () => prod.close());

  it('names the CSRF cookie __Host-, Secure, for this host and path only', async () => {
    const res = await supertest(prod.app).get('/tarnos/');
    const cookie = setCookies(res).find((c) => c.startsWith('__Host-ef.csrf='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(csrfFrom(res.text)).toBe(decodeURIComponent(cookie!.split(';')[0]!.split('=').slice(1).join('=')));
  });
});
