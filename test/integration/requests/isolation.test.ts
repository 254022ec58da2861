import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { png } from '../../helpers/files.js';
import { createDocument, createParent } from '../../helpers/fixtures.js';
import { createFamily, NEW_CHILD, postForm, postMultipart, requestIdFrom, signedInAgent, signedInFamily } from './helpers.js';

/**
 * Every object of the parent's space — a child, a request, a message and its file — answers
 * 404 to another family and to another town's users, for every verb, and nothing changes.
 * The back-office's request pages answer 404 to parents, anonymous visitors and agents of
 * another town.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

interface Owned {
  childId: string;
  requestId: string;
  personalId: string;
  fileId: string;
}

type Route = { method: 'get' | 'post' | 'put' | 'delete' | 'patch'; path: string; body?: Record<string, string>; multipart?: boolean };

function parentRoutes(o: Owned): Route[] {
  const child = `/mon-espace/enfants/${o.childId}`;
  const request = `/mon-espace/demandes/${o.requestId}`;
  return [
    { method: 'get', path: child },
    { method: 'get', path: `${child}/dossier` },
    { method: 'post', path: `${child}/dossier`, body: { ecole: 'Piratée', droitImage: 'oui', partSeul: 'oui' } },
    { method: 'put', path: `${child}/dossier` },
    { method: 'delete', path: child },
    { method: 'get', path: request },
    { method: 'post', path: `${request}/messages`, body: { message: 'Intrus' } },
    { method: 'post', path: `${request}/messages`, body: { message: 'Intrus' }, multipart: true },
    { method: 'delete', path: request },
    { method: 'patch', path: request },
    { method: 'get', path: `${request}/pieces/${o.fileId}` },
    { method: 'delete', path: `${request}/pieces/${o.fileId}` },
    // A co-parent's change of contact details is theirs alone.
    { method: 'get', path: `/mon-espace/demandes/${o.personalId}` },
    { method: 'post', path: `/mon-espace/demandes/${o.personalId}/messages`, body: { message: 'Intrus' } },
  ];
}

function agentRoutes(o: Owned): Route[] {
  const page = `/agents/demandes/${o.requestId}`;
  return [
    { method: 'get', path: '/agents/demandes' },
    { method: 'get', path: page },
    { method: 'post', path: `${page}/statut`, body: { action: 'accepter' } },
    { method: 'post', path: `${page}/statut`, body: { action: 'refuser', motif: 'Non' } },
    { method: 'post', path: `${page}/messages`, body: { message: 'Intrus' } },
    { method: 'post', path: `${page}/messages`, body: { message: 'Intrus' }, multipart: true },
    { method: 'get', path: `${page}/pieces/${o.fileId}` },
    { method: 'delete', path: page },
  ];
}

async function call(agent: supertest.Agent, slug: string, r: Route, csrf: string) {
  const url = `/${slug}${r.path}`;
  if (r.method === 'get') return agent.get(url);
  if (r.multipart) {
    let req = agent.post(url).set('Sec-Fetch-Site', 'same-origin').field('_csrf', csrf);
    for (const [k, v] of Object.entries(r.body ?? {})) req = req.field(k, v);
    return req.attach('fichiers', png(), 'x.png');
  }
  return agent[r.method](url)
    .type('form')
    .send({ _csrf: csrf, ...(r.body ?? {}) });
}

async function snapshot(o: Owned) {
  const { rows } = await t.db.pool.query(
    `select (select count(*)::int from request_messages where request_id = $1) as messages,
            (select count(*)::int from request_events where request_id = $1) as events,
            (select status from requests where id = $1) as status,
            (select school from children where id = $2) as school,
            (select count(*)::int from requests) as requests`,
    [o.requestId, o.childId],
  );
  return rows[0];
}

let owned: Owned;
let ownerFamilyId: string;

beforeAll(async () => {
  // The owner's family: a child, a request with a message and a file from the services,
  // and a co-parent whose contact change is personal.
  const owner = t.agent();
  const fam = await signedInFamily(t.db.pool, owner, 'tarnos', 'PROPRIO', 'Zoé');
  ownerFamilyId = fam.familyId;
  const sent = await postForm(
    owner,
    '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
    '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
    {
      ...NEW_CHILD,
      nom: 'PROPRIO',
    },
  );
  const requestId = requestIdFrom(sent.headers.location);
  const back = t.agent();
  await signedInAgent(t.db.pool, back, 'tarnos');
  const page = `/tarnos/agents/demandes/${requestId}`;
  expect(
    (await postMultipart(back, page, `${page}/messages`, { message: 'Pièce pour vous' }, [{ name: 'piece.png', content: png() }])).status,
  ).toBe(303);
  const { rows } = await t.db.pool.query<{ id: string }>(`select id from request_attachments where request_id = $1`, [requestId]);

  const coParent = await createParent(t.db.pool, 'tarnos', { familyId: fam.familyId, lastName: 'PROPRIO', firstNames: 'Alex' });
  const co = t.agent();
  await signIn(co, 'tarnos', coParent.username, coParent.password);
  const phones = await postForm(co, '/tarnos/mon-espace/coordonnees/telephones', '/tarnos/mon-espace/coordonnees/telephones', {
    telephone: '',
    mobile: '06 11 22 33 44',
    fax: '',
    moyenContactPrefere: 'mobile',
  });
  expect(phones.status).toBe(303);
  const personal = await t.db.pool.query<{ id: string }>(`select id from requests where account_id = $1`, [coParent.id]);
  owned = { childId: fam.childId, requestId, personalId: personal.rows[0]!.id, fileId: rows[0]!.id };

  // The owner reaches every route (the matrix tests something real).
  const csrf = csrfFrom((await owner.get('/tarnos/mon-espace')).text);
  for (const r of parentRoutes(owned).filter((r) => r.path.includes(owned.childId) || r.path.includes(owned.requestId))) {
    if (r.method !== 'get') continue;
    expect((await call(owner, 'tarnos', r, csrf)).status, `${r.method} ${r.path}`).toBe(200);
  }
  expect((await call(co, 'tarnos', { method: 'get', path: `/mon-espace/demandes/${owned.personalId}` }, csrf)).status).toBe(200);
  // The co-parent sees the family's request, not only their own.
  expect((await co.get(`/tarnos/mon-espace/demandes/${requestId}`)).status).toBe(200);
});

describe('objects of the parent space are closed to everyone but their family', () => {
  it('answers 404 to a parent of another family of the same town, for every route and verb, and changes nothing', async () => {
    const stranger = t.agent();
    await signedInFamily(t.db.pool, stranger, 'tarnos', 'VOISIN');
    const before = await snapshot(owned);
    const csrf = csrfFrom((await stranger.get('/tarnos/mon-espace')).text);
    for (const r of parentRoutes(owned)) {
      const res = await call(stranger, 'tarnos', r, csrf);
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(res.text).not.toMatch(/PROPRIO|Zoé|Pièce pour vous/);
    }
    expect(await snapshot(owned)).toEqual(before);
  });

  it("answers 404 to another town's parent, at that town's URLs and at the owner's", async () => {
    const elsewhere = t.agent();
    await signedInFamily(t.db.pool, elsewhere, 'bayeux', 'AILLEURS');
    const before = await snapshot(owned);
    const csrf = csrfFrom((await elsewhere.get('/bayeux/mon-espace')).text);
    for (const r of parentRoutes(owned)) {
      for (const slug of ['bayeux', 'tarnos']) {
        const res = await call(elsewhere, slug, r, csrf);
        expect(res.status, `${slug} ${r.method} ${r.path}`).toBe(404);
      }
    }
    expect(await snapshot(owned)).toEqual(before);
  });

  it('answers 404 to anonymous visitors and to agents on the parent URLs of an object', async () => {
    const anonymous = t.agent();
    const csrf = csrfFrom((await anonymous.get('/tarnos/')).text);
    const officer = t.agent();
    await signedInAgent(t.db.pool, officer, 'tarnos');
    const agentCsrf = csrfFrom((await officer.get('/tarnos/agents')).text);
    const before = await snapshot(owned);
    for (const r of parentRoutes(owned)) {
      expect((await call(anonymous, 'tarnos', r, csrf)).status, `anonymous ${r.method} ${r.path}`).toBe(404);
      expect((await call(officer, 'tarnos', r, agentCsrf)).status, `agent ${r.method} ${r.path}`).toBe(404);
    }
    expect(await snapshot(owned)).toEqual(before);
  });

  it('answers 404 to an account that is not validated, even once linked to the file', async () => {
    const waiting = await createParent(t.db.pool, 'tarnos', {
      familyId: ownerFamilyId,
      validationStatus: 'awaiting_services',
      validatedAt: null,
    });
    const agent = t.agent();
    await signIn(agent, 'tarnos', waiting.username, waiting.password);
    for (const path of [`/tarnos/mon-espace/enfants/${owned.childId}`, `/tarnos/mon-espace/demandes/${owned.requestId}`]) {
      expect((await agent.get(path)).status, path).toBe(404);
    }
    const family = await agent.get('/tarnos/mon-espace/famille');
    expect(family.status).toBe(200);
    expect(family.text).toContain('Votre famille sera accessible dès que les services auront validé votre espace.');
    expect((await agent.get('/tarnos/mon-espace/famille/ajouter-un-membre/enfant')).text).toContain('Votre famille sera accessible');
    const csrf = csrfFrom(family.text);
    expect(
      (
        await agent
          .post('/tarnos/mon-espace/famille/ajouter-un-membre/enfant')
          .type('form')
          .send({ _csrf: csrf, ...NEW_CHILD })
      ).status,
    ).toBe(404);
  });

  it('answers 404 to ids that are not ids, and to a file of another request', async () => {
    const owner = t.agent();
    const other = await signedInFamily(t.db.pool, owner, 'tarnos', 'AUTRE');
    for (const path of [
      '/tarnos/mon-espace/enfants/abc',
      "/tarnos/mon-espace/demandes/1' or '1'='1",
      '/tarnos/mon-espace/demandes/00000000-0000-0000-0000-000000000000',
    ]) {
      expect((await owner.get(path)).status, path).toBe(404);
    }
    const sent = await postForm(
      owner,
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      {
        ...NEW_CHILD,
        nom: 'AUTRE',
      },
    );
    const mine = requestIdFrom(sent.headers.location);
    // My request, someone else's file: still 404.
    expect((await owner.get(`/tarnos/mon-espace/demandes/${mine}/pieces/${owned.fileId}`)).status).toBe(404);
    expect(other.familyId).not.toBe(ownerFamilyId);
  });
});

describe('the back-office requests are closed to everyone but the town agents', () => {
  it('answers 404 to anonymous visitors and parents, for every route and verb', async () => {
    const parent = t.agent();
    await signedInFamily(t.db.pool, parent, 'tarnos', 'CURIEUX');
    const csrf = csrfFrom((await parent.get('/tarnos/mon-espace')).text);
    const anonymous = t.agent();
    const anonCsrf = csrfFrom((await anonymous.get('/tarnos/')).text);
    const before = await snapshot(owned);
    for (const r of agentRoutes(owned)) {
      expect((await call(parent, 'tarnos', r, csrf)).status, `parent ${r.method} ${r.path}`).toBe(404);
      expect((await call(anonymous, 'tarnos', r, anonCsrf)).status, `anonymous ${r.method} ${r.path}`).toBe(404);
    }
    expect(await snapshot(owned)).toEqual(before);
  });

  it("answers 404 to another town's agent, at the owner's URLs and at its own town's", async () => {
    const foreign = t.agent();
    await signedInAgent(t.db.pool, foreign, 'bayeux');
    const csrf = csrfFrom((await foreign.get('/bayeux/agents')).text);
    const before = await snapshot(owned);
    for (const r of agentRoutes(owned)) {
      expect((await call(foreign, 'tarnos', r, csrf)).status, `tarnos ${r.method} ${r.path}`).toBe(404);
      if (r.path !== '/agents/demandes') expect((await call(foreign, 'bayeux', r, csrf)).status, `bayeux ${r.method} ${r.path}`).toBe(404);
    }
    // Its own queue never lists the other town's requests.
    const queue = await foreign.get('/bayeux/agents/demandes?statut=toutes');
    expect(queue.status).toBe(200);
    expect(queue.text).not.toContain('PROPRIO');
    expect(await snapshot(owned)).toEqual(before);
  });

  it('shows the family context but never the parent private documents', async () => {
    // The owner stores a private document; the agent's page of the owner's request must not name it.
    const { rows } = await t.db.pool.query<{ account_id: string; town_id: string }>(
      `select account_id, town_id from requests where id = $1`,
      [owned.requestId],
    );
    await createDocument(t.db.pool, 'tarnos', rows[0]!.account_id, { kind: 'avis_imposition', title: "Avis d'imposition très privé" });
    const officer = t.agent();
    await signedInAgent(t.db.pool, officer, 'tarnos');
    const page = await officer.get(`/tarnos/agents/demandes/${owned.requestId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Zoé PROPRIO');
    expect(page.text).not.toContain('très privé');
    expect(page.text).not.toContain('pieces-justificatives');
  });
});

describe('unknown towns and families', () => {
  it('keeps a family without an account closed', async () => {
    const fam = await createFamily(t.db.pool, 'tarnos', 'SANSCOMPTE');
    const parent = t.agent();
    await signedInFamily(t.db.pool, parent, 'tarnos', 'AUTRECOMPTE');
    expect((await parent.get(`/tarnos/mon-espace/enfants/${fam.childId}`)).status).toBe(404);
  });
});
