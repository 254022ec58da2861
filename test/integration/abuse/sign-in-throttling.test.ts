import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, csrfToken, TEST_CAPTCHA, type TestApp } from '../../helpers/app.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';

/**
 * Issue 10, "Abuse": anyone could lock an account (five wrong passwords, then the right one
 * refused too). Now the browser that fails is challenged, never the owner's own browser
 * (device cookie), and the owner is told once per burst (src/lib/lockout.ts).
 */
let t: TestApp;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  await smtp.start();
  // One proxy hop: X-Forwarded-For tells the attacker's address from the owner's.
  t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: smtp.url, env: { TRUST_PROXY: '1' } });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

const ATTACKER = '203.0.113.66';
const OWNER = '198.51.100.7';
const GENERIC = 'Identifiant ou mot de passe incorrect';
const CHALLENGE = 'Contrôle de sécurité';

type Kind = 'parent' | 'agent';
const formPage = (kind: Kind) => (kind === 'parent' ? '/tarnos/' : '/tarnos/agents/connexion');
const action = (kind: Kind) => (kind === 'parent' ? '/tarnos/connexion' : '/tarnos/agents/connexion');

async function attempt(
  browser: supertest.Agent,
  kind: Kind,
  identifiant: string,
  motDePasse: string,
  options: { ip?: string; texteControle?: string; reponseQuestion?: string; action?: string } = {},
) {
  const token = await csrfToken(browser, formPage(kind));
  const { ip = ATTACKER, ...fields } = options;
  return browser
    .post(action(kind))
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ _csrf: token, identifiant, motDePasse, ...fields });
}

/** A stranger's wrong passwords, solving the CAPTCHA whenever it is asked (the worst case). */
async function attack(kind: Kind, identifiant: string, times: number) {
  const browser = t.agent();
  for (let i = 0; i < times; i++) {
    const res = await attempt(browser, kind, identifiant, `Faux-Mot-${i}`, { texteControle: TEST_CAPTCHA });
    expect([400, 401]).toContain(res.status);
  }
}

/** The id of the CAPTCHA the browser's session holds (its answers never reach the page). */
async function challengeOf(browser: supertest.Agent): Promise<string | undefined> {
  const jar = (browser as unknown as { jar: { getCookie(name: string, access: object): { value: string } | undefined } }).jar;
  const sid = jar.getCookie('ef.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })?.value;
  const id = /^s:([^.]+)\./.exec(decodeURIComponent(sid ?? ''))?.[1];
  const { rows } = await t.db.pool.query(`select sess::jsonb -> 'signInChallenge' ->> 'id' as id from session where sid = $1`, [id]);
  return rows[0]?.id ?? undefined;
}

function deviceCookieOf(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);
  return cookies.find((c) => c.startsWith('ef.device='));
}

describe('a stranger failing to sign in as a parent', () => {
  it('never locks the owner out of a browser they signed in from before', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const owner = t.agent();
    const first = await attempt(owner, 'parent', parent.username, parent.password, { ip: OWNER });
    expect(first.status).toBe(303);
    const cookie = deviceCookieOf(first)!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    // Five wrong passwords, then enough solved CAPTCHAs to lock browsers without the cookie.
    await attack('parent', parent.username, 5);
    expect((await attempt(owner, 'parent', parent.username, parent.password, { ip: OWNER })).status).toBe(303);
    await attack('parent', parent.email, 10);
    const again = await attempt(owner, 'parent', parent.username, parent.password, { ip: OWNER });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/tarnos/mon-espace');
  });

  it('asks the owner on a new browser for the CAPTCHA, keeps what was typed but the password, and lets them in', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 5);
    const fresh = t.agent();
    const asked = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER });
    expect(asked.status).toBe(400);
    expect(asked.text).toContain(CHALLENGE);
    expect(asked.text).toContain('pour continuer, recopiez le texte de l&#39;image ou répondez à la question');
    expect(asked.text).toContain('<title>Erreur : Accueil');
    expect(asked.text).toContain(`value="${parent.username}"`);
    expect(asked.text).not.toContain(parent.password);
    expect(asked.text).toContain('href="#texteControle"');

    // Opening the page again, the CAPTCHA is still there to answer.
    expect((await fresh.get('/tarnos/')).text).toContain(CHALLENGE);
    const passed = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, texteControle: TEST_CAPTCHA });
    expect(passed.status).toBe(303);
    expect(passed.headers.location).toBe('/tarnos/mon-espace');
  });

  it('accepts the answer to the text question instead of the image (RGAA 1.5)', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 3);
    const fresh = t.agent();
    const asked = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER });
    const question = /Ou répondez à cette question : ([^<]+)<\/label>/.exec(asked.text)![1]!.replaceAll('&#39;', "'");
    const { rows } = await t.db.pool.query(
      `select sess::jsonb -> 'signInChallenge' -> 'answers' ->> 0 as answer from session where sess::jsonb -> 'signInChallenge' ->> 'question' = $1`,
      [question],
    );
    expect(rows.length).toBeGreaterThan(0);
    const res = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, reponseQuestion: rows[0].answer });
    expect(res.status).toBe(303);
  });

  it('checks no password behind a wrong CAPTCHA, uses the challenge up, and shows a new one', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 3);
    const fresh = t.agent();
    await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER });
    const shown = await challengeOf(fresh);
    expect(shown).toBeDefined();
    const wrong = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, texteControle: 'FAUX42' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('La réponse au contrôle de sécurité ne correspond pas');
    expect(wrong.text).toContain(CHALLENGE);
    expect(await challengeOf(fresh)).not.toBe(shown);
    expect(wrong.text).not.toContain('FAUX42');
    expect((await fresh.get('/tarnos/mon-espace')).status).toBe(303);
  });

  it('cannot lock the owner out after a password reset, even if the stranger goes on', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 10);
    // Locked for new browsers: even the CAPTCHA and the right password are refused.
    const fresh = t.agent();
    await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER });
    const locked = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, texteControle: TEST_CAPTCHA });
    expect(locked.status).toBe(401);
    expect(locked.text).toContain(GENERIC);

    const reset = t.agent();
    const token = await csrfToken(reset, '/tarnos/mot-de-passe-oublie');
    await reset
      .post('/tarnos/mot-de-passe-oublie')
      .set('X-Forwarded-For', OWNER)
      .type('form')
      .send({ _csrf: token, identifiant: parent.email });
    await t.deliverMail();
    const link = new URL(
      linksIn(smtp.to(parent.email).find((m) => m.subject === 'Réinitialisation de votre mot de passe')!).find((l) =>
        l.includes('reinitialiser-mot-de-passe'),
      )!,
    );
    const form = await reset.get(link.pathname + link.search);
    const done = await reset
      .post('/tarnos/reinitialiser-mot-de-passe')
      .set('X-Forwarded-For', OWNER)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        jeton: link.searchParams.get('jeton'),
        motDePasse: 'Nouveau-Mot-2026',
        confirmationMotDePasse: 'Nouveau-Mot-2026',
      });
    expect(done.status).toBe(303);
    expect(deviceCookieOf(done)).toBeDefined();

    // The reset lifted the lock for everyone; the stranger starts again and goes as far as a lock.
    await attack('parent', parent.username, 10);
    const after = await attempt(reset, 'parent', parent.username, 'Nouveau-Mot-2026', { ip: OWNER });
    expect(after.status).toBe(303);
  });

  it('lets no attempt sent in parallel past the CAPTCHA: three passwords checked out of twenty', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browsers = Array.from({ length: 20 }, () => t.agent());
    const tokens = await Promise.all(browsers.map((b) => csrfToken(b, '/tarnos/')));
    const results = await Promise.all(
      browsers.map((b, i) =>
        b
          .post('/tarnos/connexion')
          .set('X-Forwarded-For', `192.0.2.${100 + i}`)
          .type('form')
          .send({ _csrf: tokens[i], identifiant: parent.username, motDePasse: `Faux-Mot-${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 400)).toHaveLength(17);
    const { rows } = await t.db.pool.query('select failures, locked_until from sign_in_throttle where key = $1', [`parent:${parent.id}`]);
    // Counted in advance then taken back: neither the count nor a lock went past the real failures.
    expect(rows[0]).toEqual({ failures: 3, locked_until: null });
  });

  it('tells the owner once per burst, not once per failure', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 12);
    await t.deliverMail();
    const warnings = () => smtp.to(parent.email).filter((m) => m.subject === 'Tentatives de connexion à votre espace famille');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.text).toContain('Plusieurs tentatives de connexion à votre espace famille ont échoué');
    expect(warnings()[0]!.text).not.toContain('Faux-Mot');
    // A new burst after a quiet half hour (and the lock) is a new warning.
    t.clock.advance(31 * 60 * 1000);
    await t.db.pool.query('delete from rate_limits where key like $1', ['signin%']);
    await attack('parent', parent.username, 5);
    await t.deliverMail();
    expect(warnings()).toHaveLength(2);
  });

  it('behaves the same for an identifier that matches nobody: the CAPTCHA tells nothing', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const pages: string[] = [];
    for (const identifiant of [parent.username, 'personne-inconnue']) {
      const browser = t.agent();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await attempt(browser, 'parent', identifiant, 'Faux-Mot-1', { ip: `192.0.2.${pages.length + 1}` });
        statuses.push(res.status);
        if (i === 3) {
          pages.push(
            res.text
              .replace(/name="_csrf" value="[^"]+"/g, '')
              .replace(/src="data:[^"]+"/, '')
              .replace(/question : [^<]+</, '')
              .replaceAll(identifiant, 'X'),
          );
        }
      }
      // Three wrong passwords, then the CAPTCHA, for both.
      expect(statuses).toEqual([401, 401, 401, 400]);
    }
    expect(pages[0]).toBe(pages[1]);
  });

  it('challenges an address that fails on many accounts, and only that address', async () => {
    for (let i = 0; i < 5; i++) {
      const victim = await createParent(t.db.pool, 'tarnos');
      expect((await attempt(t.agent(), 'parent', victim.username, 'Ete-2026-Soleil')).status).toBe(401);
    }
    const next = await createParent(t.db.pool, 'tarnos');
    const sprayed = await attempt(t.agent(), 'parent', next.username, next.password);
    expect(sprayed.status).toBe(400);
    expect(sprayed.text).toContain(CHALLENGE);
    expect((await attempt(t.agent(), 'parent', next.username, next.password, { ip: OWNER })).status).toBe(303);
  });

  it('does not trust a forged or tampered device cookie', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const owner = t.agent();
    const first = await attempt(owner, 'parent', parent.username, parent.password, { ip: OWNER });
    const value = /ef\.device=([^;]+)/.exec(deviceCookieOf(first)!)![1]!;
    await attack('parent', parent.username, 3);
    const forged = t.agent();
    forged.jar.setCookie(`ef.device=${value.slice(0, -2)}xx`, '127.0.0.1', '/');
    const res = await attempt(forged, 'parent', parent.username, parent.password, { ip: OWNER });
    expect(res.status).toBe(400);
    expect(res.text).toContain(CHALLENGE);
    // The same cookie untouched, in another browser, is trusted: the refusal above was the signature's.
    const copied = t.agent();
    copied.jar.setCookie(`ef.device=${value}`, '127.0.0.1', '/');
    expect((await attempt(copied, 'parent', parent.username, parent.password, { ip: OWNER })).status).toBe(303);
  });
});

describe('a device cookie', () => {
  it('buys a stolen browser only a handful of guesses', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    expect((await attempt(browser, 'parent', parent.username, parent.password, { ip: OWNER })).status).toBe(303);
    const space = await browser.get('/tarnos/mon-espace');
    await browser
      .post('/tarnos/deconnexion')
      .type('form')
      .send({ _csrf: csrfFrom(space.text) });
    for (let i = 0; i < 5; i++) expect((await attempt(browser, 'parent', parent.username, `Faux-Mot-${i}`)).status).toBe(401);
    // Its own failures used its trust up: it is a new browser again, and the account's count was left alone.
    const res = await attempt(browser, 'parent', parent.username, parent.password);
    expect(res.status).toBe(400);
    expect(res.text).toContain(CHALLENGE);
    const { rowCount } = await t.db.pool.query('select 1 from sign_in_throttle where key = $1', [`parent:${parent.id}`]);
    expect(rowCount).toBe(0);
  });

  it('is forgotten by housekeeping once the burst and the lock are over', async () => {
    const { housekeep } = await import('../../../src/jobs/housekeeping.js');
    const parent = await createParent(t.db.pool, 'tarnos');
    const other = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 10);
    t.clock.advance(20 * 60 * 1000);
    await attack('parent', other.username, 1);
    t.clock.advance(11 * 60 * 1000);
    await housekeep(t.db.pool, t.clock);
    const { rows } = await t.db.pool.query('select key from sign_in_throttle where key = any($1)', [
      [`parent:${parent.id}`, `parent:${other.id}`],
    ]);
    expect(rows.map((r) => r.key)).toEqual([`parent:${other.id}`]);
  });
});

describe('the sign-in form with its CAPTCHA', () => {
  it('refuses a submission without the CSRF token', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 3);
    const res = await t
      .agent()
      .post('/tarnos/connexion')
      .type('form')
      .send({ identifiant: parent.username, motDePasse: parent.password, texteControle: TEST_CAPTCHA });
    expect(res.status).toBe(403);
  });

  it('answers bad input with a French message, keeps the CAPTCHA and what was typed but the password', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    await attack('parent', parent.username, 3);
    const fresh = t.agent();
    await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER });
    const shown = await challengeOf(fresh);

    const tooLong = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, texteControle: 'A'.repeat(51) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('La réponse au contrôle de sécurité doit contenir 50 caractères au maximum');
    expect(tooLong.text).toContain(`value="${parent.username}"`);
    expect(tooLong.text).not.toContain(parent.password);
    // The form's own mistake used nothing up: the same CAPTCHA is still to answer.
    expect(tooLong.text).toContain(CHALLENGE);
    expect(await challengeOf(fresh)).toBe(shown);

    const empty = await attempt(fresh, 'parent', '', '', { ip: OWNER, texteControle: 'ABC123', reponseQuestion: 'mardi' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Saisissez votre identifiant');
    // The CAPTCHA was not used: what was typed in it comes back.
    expect(empty.text).toContain('value="ABC123"');
    expect(empty.text).toContain('value="mardi"');
    expect(empty.text).toContain(CHALLENGE);
    expect(await challengeOf(fresh)).toBe(shown);

    const renewed = await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, action: 'changer-controle' });
    expect(renewed.status).toBe(200);
    expect(renewed.text).toContain(`value="${parent.username}"`);
    expect(renewed.text).toContain(CHALLENGE);
    expect(renewed.text).not.toContain(parent.password);
    expect(await challengeOf(fresh)).not.toBe(shown);

    expect((await attempt(fresh, 'parent', parent.username, parent.password, { ip: OWNER, texteControle: TEST_CAPTCHA })).status).toBe(303);
  });
});

describe('a stranger failing to sign in as an agent', () => {
  it('never locks the agent out of a known browser, challenges a new one, and warns the agent once', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const email = `agent.${Math.random().toString(36).slice(2, 6)}@mairie.example.fr`;
    await t.db.pool.query('update agents set email = $2 where id = $1', [a.id, email]);
    const desk = t.agent();
    expect((await attempt(desk, 'agent', a.username, a.password, { ip: OWNER })).status).toBe(303);
    // The session ends (15 minutes idle); the browser keeps its device cookie.
    t.clock.advance(16 * 60 * 1000);
    await desk.get('/tarnos/agents/connexion'); // ends the idle session (that very page then has no CSRF token)

    await attack('agent', a.username, 12);
    expect((await attempt(desk, 'agent', a.username, a.password, { ip: OWNER })).status).toBe(303);

    const fresh = t.agent();
    const asked = await attempt(fresh, 'agent', a.username, a.password, { ip: OWNER });
    expect(asked.status).toBe(400);
    expect(asked.text).toContain(CHALLENGE);
    expect((await fresh.get('/tarnos/agents/connexion')).text).toContain(CHALLENGE);
    expect(asked.text).toContain(`value="${a.username}"`);
    expect(asked.text).not.toContain(a.password);
    // Twelve failures lock new browsers out: the known desk is the way in (or an administrator).
    expect((await attempt(fresh, 'agent', a.username, a.password, { ip: OWNER, texteControle: TEST_CAPTCHA })).status).toBe(401);

    await t.deliverMail();
    const warnings = smtp.to(email).filter((m) => m.subject === "Tentatives de connexion à votre compte de l'espace agents");
    expect(warnings).toHaveLength(1);
  });

  it('lets an agent on a new browser in after the CAPTCHA, before any lock', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    await attack('agent', a.username, 5);
    const fresh = t.agent();
    expect((await attempt(fresh, 'agent', a.username, a.password, { ip: OWNER })).status).toBe(400);
    expect((await attempt(fresh, 'agent', a.username, a.password, { ip: OWNER, texteControle: TEST_CAPTCHA })).status).toBe(303);
  });

  it("refuses the agents' form without the CSRF token, and answers bad input in French", async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    await attack('agent', a.username, 3);
    const denied = await t
      .agent()
      .post('/tarnos/agents/connexion')
      .type('form')
      .send({ identifiant: a.username, motDePasse: a.password, texteControle: TEST_CAPTCHA });
    expect(denied.status).toBe(403);
    const fresh = t.agent();
    await attempt(fresh, 'agent', a.username, a.password, { ip: OWNER });
    const bad = await attempt(fresh, 'agent', a.username, '', { ip: OWNER, reponseQuestion: 'x'.repeat(51) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Saisissez votre mot de passe');
    expect(bad.text).toContain('La réponse à la question doit contenir 50 caractères au maximum');
    expect(bad.text).toContain(CHALLENGE);
    expect(bad.text).toContain(`value="${a.username}"`);
  });
});
