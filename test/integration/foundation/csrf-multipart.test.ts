import type supertest from 'supertest';
import { PROVIDER_CALLBACKS } from '../../../src/features/payments/payments.routes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_ROUTES } from '../../../src/middleware/upload-routes.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';
import { pdf } from '../../helpers/files.js';
import { appRoutes, concretePath } from '../../helpers/routes.js';
import { addDocument, countRows, FIELDS, postDocument, signedInParent, type SignedInParent } from '../documents/helpers.js';

/**
 * Issue 10: a multipart body without a file skipped the CSRF token check (deleting a
 * document, signing out, downloading one's data answered 303/200 with no token). The token
 * is now checked on every state-changing request whatever its content type.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-10T10:00:00+01:00' });
});
afterAll(async () => t.close());

const EXPIRED_FORM = 'Votre formulaire a expiré';

/** A same-origin multipart POST (what a page's own form sends), with or without the token. */
function multipart(agent: supertest.Agent, path: string, token?: string) {
  let req = agent.post(path).set('Sec-Fetch-Site', 'same-origin');
  if (token !== undefined) req = req.field('_csrf', token);
  return req.field('confirmer', 'oui');
}

async function stillSignedIn(p: SignedInParent): Promise<boolean> {
  return (await p.agent.get(urls.documents('tarnos'))).status === 200;
}

describe('a multipart POST without its token is refused, and changes nothing', () => {
  it('deleting a document', async () => {
    const p = await signedInParent(t);
    const doc = await addDocument(t, p, 'À garder', [{ content: pdf(), filename: 'a.pdf' }]);
    const refused = await multipart(p.agent, urls.documentDelete('tarnos', doc.id));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(EXPIRED_FORM);
    const { rows } = await t.db.pool.query('select 1 from private_documents where id = $1', [doc.id]);
    expect(rows).toHaveLength(1);

    const done = await multipart(p.agent, urls.documentDelete('tarnos', doc.id), p.token);
    expect(done.status).toBe(303);
    const after = await t.db.pool.query('select 1 from private_documents where id = $1', [doc.id]);
    expect(after.rows).toHaveLength(0);
  });

  it('signing out', async () => {
    const p = await signedInParent(t);
    const refused = await multipart(p.agent, urls.signOut('tarnos'));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(EXPIRED_FORM);
    expect(await stillSignedIn(p)).toBe(true);

    const done = await multipart(p.agent, urls.signOut('tarnos'), p.token);
    expect(done.status).toBe(303);
    expect(await stillSignedIn(p)).toBe(false);
  });

  it("downloading one's data", async () => {
    const p = await signedInParent(t);
    const refused = await multipart(p.agent, urls.myDataDownload('tarnos'));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(EXPIRED_FORM);
    expect(refused.headers['content-disposition']).toBeUndefined();

    const done = await multipart(p.agent, urls.myDataDownload('tarnos'), p.token);
    expect(done.status).toBe(200);
    expect(done.headers['content-disposition']).toMatch(/attachment/);
  });

  it('adding a document (an upload route): refused without the token, stored with it', async () => {
    const p = await signedInParent(t);
    const before = await countRows(t, 'private_documents');
    const refused = await postDocument(p.agent, 'tarnos', undefined, { ...FIELDS, intitule: 'Sans jeton' }, [
      { content: pdf(), filename: 'a.pdf' },
    ]);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(EXPIRED_FORM);
    // The same form without a file: refused too (this is the case that slipped through).
    const noFile = await postDocument(p.agent, 'tarnos', undefined, { ...FIELDS, intitule: 'Sans jeton' }, []);
    expect(noFile.status).toBe(403);
    expect(await countRows(t, 'private_documents')).toBe(before);

    const done = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: 'Avec jeton' }, [
      { content: pdf(), filename: 'a.pdf' },
    ]);
    expect(done.status).toBe(303);
    expect(await countRows(t, 'private_documents')).toBe(before + 1);
  });

  it('whatever the content type: urlencoded, text/plain, JSON, or no body at all', async () => {
    const p = await signedInParent(t);
    const path = urls.signOut('tarnos');
    const sends = [
      () => p.agent.post(path).set('Sec-Fetch-Site', 'same-origin').type('form').send({ x: '1' }),
      () => p.agent.post(path).set('Sec-Fetch-Site', 'same-origin').set('Content-Type', 'text/plain').send(`_csrf=${p.token}`),
      () => p.agent.post(path).set('Sec-Fetch-Site', 'same-origin').set('Content-Type', 'application/json').send({ _csrf: p.token }),
      () => p.agent.post(path).set('Sec-Fetch-Site', 'same-origin'),
    ];
    for (const send of sends) {
      const res = await send();
      expect(res.status).toBe(403);
    }
    expect(await stillSignedIn(p)).toBe(true);
  });
});

describe('a multipart body cut short by a limit', () => {
  it('is refused with 413 even with its token: no route acts on a truncated form', async () => {
    const p = await signedInParent(t);
    let req = multipart(p.agent, urls.signOut('tarnos'), p.token);
    for (let i = 0; i < 250; i += 1) req = req.field(`champ${i}`, 'x');
    const res = await req;
    expect(res.status).toBe(413);
    expect(await stillSignedIn(p)).toBe(true);
  });
});

describe('every POST route of the app', () => {
  it('refuses a same-origin multipart POST without its token with the French 403 page', async () => {
    const all = appRoutes(t.app).filter((r) => r.method === 'POST');
    // A payment provider's notification and its return of the family carry no token of ours
    // (verified by the provider's own means, ADR 0017): those two, and nothing else, are exempt.
    expect(all.map((r) => r.pattern)).toEqual(expect.arrayContaining([...PROVIDER_CALLBACKS]));
    const posts = all.filter((r) => !(PROVIDER_CALLBACKS as readonly string[]).includes(r.pattern));
    // The walk must see the app's routes, not an empty list that would pass for nothing.
    expect(posts.length).toBeGreaterThan(60);
    expect(posts.map((r) => r.pattern)).toContain('/:town/mon-espace/pieces-justificatives/:documentId/supprimer');

    const parent = await signedInParent(t);
    const admin = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    const agentSession = t.agent();
    expect((await signInAgent(agentSession, 'tarnos', admin.username, admin.password)).status).toBe(303);
    // An anonymous visitor with a session (and so a token) of its own.
    const visitor = t.agent();
    await csrfToken(visitor, '/tarnos/');

    const accepted: string[] = [];
    for (const who of [visitor, parent.agent, agentSession]) {
      for (const route of posts) {
        const path = concretePath(route.pattern, 'tarnos');
        const res = await who.post(path).set('Sec-Fetch-Site', 'same-origin').field('action', 'enregistrer');
        if (res.status !== 403 || !res.text.includes(EXPIRED_FORM)) accepted.push(`${path} → ${res.status}`);
      }
    }
    expect(accepted).toEqual([]);
  });
});

/**
 * Files are read only on the upload routes, within each one's bounds: elsewhere a file part
 * is refused before any guard or handler runs and before it is buffered, so a visitor with
 * a token cannot make any POST URL hold 4 × 10 Mo in memory.
 */
describe('a file sent to a route that takes none', () => {
  const TOO_LARGE = 'Envoi trop volumineux';

  it('signing in: refused with 413 even with the token, and nobody is signed in', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const visitor = t.agent();
    const token = await csrfToken(visitor, urls.townHome('tarnos'));
    const res = await visitor
      .post(urls.signIn('tarnos'))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', token)
      .field('identifiant', parent.username)
      .field('motDePasse', parent.password)
      .attach('photo', pdf(), 'a.pdf');
    expect(res.status).toBe(413);
    expect(res.text).toContain(TOO_LARGE);
    // The sign-in handler never ran: the right credentials did not open a session.
    expect((await visitor.get(urls.dashboard('tarnos'))).status).not.toBe(200);
  });

  it('signing out: refused with 413 with the token (403 without), and the parent stays signed in', async () => {
    const p = await signedInParent(t);
    const withToken = await multipart(p.agent, urls.signOut('tarnos'), p.token).attach('fichiers', pdf(), 'a.pdf');
    expect(withToken.status).toBe(413);
    expect(withToken.text).toContain(TOO_LARGE);
    const withoutToken = await multipart(p.agent, urls.signOut('tarnos')).attach('fichiers', pdf(), 'a.pdf');
    expect(withoutToken.status).toBe(403);
    expect(await stillSignedIn(p)).toBe(true);
  });

  it('every POST route but the declared upload routes refuses a file with a valid token', async () => {
    const uploadPatterns = Object.values(UPLOAD_ROUTES).map((u) => `/:town${u.path}`);
    const posts = appRoutes(t.app).filter((r) => r.method === 'POST');
    // Each declared upload route is a POST route of the app: the table cannot name a path no route serves.
    expect(posts.map((r) => r.pattern)).toEqual(expect.arrayContaining(uploadPatterns));
    // The providers' callbacks are mounted before any body but a urlencoded form is read: a file there is never buffered.
    const others = posts.filter(
      (r) => !uploadPatterns.includes(r.pattern) && !(PROVIDER_CALLBACKS as readonly string[]).includes(r.pattern),
    );
    expect(others.length).toBeGreaterThan(60);

    const visitor = t.agent();
    const token = await csrfToken(visitor, '/tarnos/');
    const accepted: string[] = [];
    for (const route of others) {
      const path = concretePath(route.pattern, 'tarnos');
      const res = await visitor
        .post(path)
        .set('Sec-Fetch-Site', 'same-origin')
        .field('_csrf', token)
        .attach('fichier', Buffer.from('x'), 'x.csv');
      if (res.status !== 413 || !res.text.includes(TOO_LARGE)) accepted.push(`${path} → ${res.status}`);
    }
    expect(accepted).toEqual([]);
  });
});
