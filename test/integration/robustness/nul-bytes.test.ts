import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';

/**
 * Issue 10: a NUL byte, which nobody types and PostgreSQL cannot store in text, gave 500s (and
 * an error line in the log each) on the anonymous forms and the requests' search. Now one
 * middleware answers the French 400 page, whatever the route, before anything is read or stored.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

function expectRefused(res: { status: number; text: string }) {
  expect(res.status).toBe(400);
  expect(res.text).toContain('Demande incorrecte');
  expect(res.text).toContain("Rien n'a été enregistré");
}

describe('a NUL byte in an anonymous form', () => {
  it.each([
    ['/tarnos/connexion', '/tarnos/', { motDePasse: 'Ecole-Verte-2026' }],
    ['/tarnos/agents/connexion', '/tarnos/agents/connexion', { motDePasse: 'Mairie-Agent-2026' }],
    ['/tarnos/mot-de-passe-oublie', '/tarnos/mot-de-passe-oublie', {}],
    ['/tarnos/renvoyer-activation', '/tarnos/renvoyer-activation', {}],
  ])('POST %s with a NUL byte in the identifiant gets the French 400 page', async (action, page, fields) => {
    const http = t.agent();
    const token = await csrfToken(http, page);
    const res = await http
      .post(action)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&identifiant=a%00b&${new URLSearchParams(fields as Record<string, string>).toString()}`);
    expectRefused(res);
  });

  it('still signs in the same parent without the NUL byte, and nothing was recorded for the refused one', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const http = t.agent();
    let token = await csrfToken(http, '/tarnos/');
    const refused = await http
      .post('/tarnos/connexion')
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&identifiant=${parent.username}%00&motDePasse=${parent.password}`);
    expectRefused(refused);
    token = await csrfToken(http, '/tarnos/');
    const ok = await http
      .post('/tarnos/connexion')
      .type('form')
      .send({ _csrf: token, identifiant: parent.username, motDePasse: parent.password });
    expect(ok.status).toBe(303);
  });
});

describe('a NUL byte in a multipart form', () => {
  it("refuses it in a field of the signup's first step (a form with a photo) before anything is kept", async () => {
    const http = t.agent();
    const token = await csrfToken(http, '/tarnos/creer-mon-espace/identite');
    const res = await http
      .post('/tarnos/creer-mon-espace/identite')
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', token)
      .field('civilite', 'Mme')
      .field('nom', 'Du\0pont')
      .field('prenoms', 'Marie');
    expectRefused(res);
  });
});

describe('an emoji cut in two where a typed value is kept', () => {
  it("keeps the signup's first step in the session when a 500-unit value ends across a surrogate pair (a 500 before)", async () => {
    const http = t.agent();
    const token = await csrfToken(http, '/tarnos/creer-mon-espace/identite');
    // 499 letters then 😀 (two UTF-16 units): a plain slice(0, 500) kept half of it.
    const res = await http
      .post('/tarnos/creer-mon-espace/identite')
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', token)
      .field('civilite', 'Mme')
      .field('nomUsuel', `${'a'.repeat(499)}😀`)
      .field('prenoms', 'Marie');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Il y a un problème');
    // The session kept what was typed (its save failed before, after the page was sent).
    const again = await http.get('/tarnos/creer-mon-espace/identite');
    expect(again.text.toLowerCase()).toContain('a'.repeat(499));
  });
});

describe('a NUL byte in a query or a path', () => {
  it("answers the agents' request search ?recherche=%00 with the 400 page", async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const http = t.agent();
    expect((await signInAgent(http, 'tarnos', a.username, a.password)).status).toBe(303);
    expect((await http.get('/tarnos/agents/demandes?recherche=dupont')).status).toBe(200);
    expectRefused(await http.get('/tarnos/agents/demandes?recherche=%00'));
    expectRefused(await http.get('/tarnos/agents/demandes?recherche=du%00pont&statut=nouvelle'));
  });

  it('refuses it in a path parameter, a query key and a town', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    const http = t.agent();
    await signInAgent(http, 'tarnos', a.username, a.password);
    expectRefused(await http.get('/tarnos/agents/familles/%00'));
    expectRefused(await http.get('/tarnos/agents/journal?%00=1'));
    expectRefused(await t.agent().get('/tar%00nos/'));
  });
});
