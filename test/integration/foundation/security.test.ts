import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hit } from '../../../src/lib/rate-limit.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('security in place before any form', () => {
  it.each(['/', '/tarnos/', '/nulle-part', '/healthz', '/public/css/main.css'])('sends the security headers on %s', async (path) => {
    const res = await t.agent().get(path);
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('keeps pages out of caches', async () => {
    const res = await t.agent().get('/tarnos/');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('sets an HttpOnly, SameSite=Lax CSRF cookie, and no session cookie, when a form needs a token', async () => {
    const res = await t.agent().get('/tarnos/');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join(';');
    expect(cookie).toContain('ef.csrf=');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('ef.sid=');
  });

  it('refuses a POST without a CSRF token with the French 403 page', async () => {
    const res = await t.agent().post('/tarnos/connexion').type('form').send({ identifiant: 'x', motDePasse: 'y' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Votre formulaire a expiré');
    expect(parse(res).one('html').attr('lang')).toBe('fr');
  });

  it('refuses a POST whose token belongs to another session', async () => {
    const other = t.agent();
    const token = await csrfToken(other, '/tarnos/');
    const res = await t.agent().post('/tarnos/connexion').type('form').send({ _csrf: token });
    expect(res.status).toBe(403);
  });

  it('refuses a token sent in a header or the query string instead of the form body', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/tarnos/');
    const inHeader = await agent.post('/tarnos/connexion').set('x-csrf-token', token).type('form').send({});
    expect(inHeader.status).toBe(403);
    const inQuery = await agent.post(`/tarnos/connexion?_csrf=${token}`).type('form').send({});
    expect(inQuery.status).toBe(403);
  });

  it('refuses a cross-site POST even with a valid token', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/tarnos/');
    const res = await agent.post('/tarnos/connexion').set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf: token });
    expect(res.status).toBe(403);
  });

  it('refuses a form body with too many fields or too large, in French', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/tarnos/');
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, 'x']));
    const tooMany = await agent
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: token, ...many });
    expect(tooMany.status).toBe(413);
    expect(tooMany.text).toContain('Envoi trop volumineux');
    const tooLarge = await agent
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: token, big: 'x'.repeat(200_000) });
    expect(tooLarge.status).toBe(413);
  });

  it('counts rate-limit hits in the database, shared by every instance', async () => {
    // Two "instances" = two separate pools on the same database.
    const { createPool } = await import('../../../src/db/pool.js');
    const { createLogger } = await import('../../../src/lib/logger.js');
    const other = createPool(t.db.url, createLogger('silent'), 2);
    try {
      const key = `test:${Math.random()}`;
      const a = await hit(t.db.pool, t.clock, key, 3, 60);
      const b = await hit(other, t.clock, key, 3, 60);
      const c = await hit(t.db.pool, t.clock, key, 3, 60);
      const d = await hit(other, t.clock, key, 3, 60);
      expect([a.allowed, b.allowed, c.allowed, d.allowed]).toEqual([true, true, true, false]);
      expect(d.retryAfterSeconds).toBeGreaterThan(0);
      t.clock.advance(61_000);
      const e = await hit(other, t.clock, key, 3, 60);
      expect(e).toMatchObject({ allowed: true, count: 1 });
    } finally {
      await other.end();
    }
  });
});

describe('where a form comes from', () => {
  it('accepts our own form from Chromium, which sends Origin: null under Referrer-Policy no-referrer', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/tarnos/');
    const res = await agent
      .post('/tarnos/connexion')
      .set('Origin', 'null')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ _csrf: token, identifiant: 'personne', motDePasse: 'x' });
    // The token was accepted: the answer is the sign-in failure, not the expired-form page.
    expect(res.status).toBe(401);
  });

  it('checks a multipart POST like any other: its token, and where it comes from', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, '/tarnos/');
    expect((await agent.post('/tarnos/deconnexion').field('x', '1')).status).toBe(403);
    const crossOrigin = await agent.post('/tarnos/deconnexion').set('Origin', 'https://evil.example').field('_csrf', token);
    expect(crossOrigin.status).toBe(403);
  });
});
