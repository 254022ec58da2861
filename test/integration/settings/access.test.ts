import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { page } from '../../helpers/html.js';
import { createParent, town } from '../../helpers/fixtures.js';
import { post, signedIn, type SignedInAgent } from './helpers.js';

/**
 * The 404 matrix of every settings and news route: who may open what, in which town, and
 * the CSRF refusal of every POST. Generated from one table so a route cannot be forgotten.
 */
let t: TestApp;
let ids: { service: string; news: string; closure: string };
let bayeuxIds: { service: string; news: string; closure: string };
/** Signed in once: the guards are what is under test, not the sign-in. */
let parent: { agent: SignedInAgent['agent']; token: string };
let bayeuxAdmin: SignedInAgent;
let plainAgent: SignedInAgent;
let admin: SignedInAgent;

async function idsOf(slug: string) {
  const { id } = await town(t.db.pool, slug);
  const one = async (sql: string) => (await t.db.pool.query<{ id: string }>(sql, [id])).rows[0]!.id;
  return {
    service: await one(`select id from town_services where town_id = $1 limit 1`),
    news: await one(`select id from news where town_id = $1 limit 1`),
    closure: await one(`select id from town_closures where town_id = $1 limit 1`),
  };
}

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  ids = await idsOf('tarnos');
  bayeuxIds = await idsOf('bayeux');
  const p = await createParent(t.db.pool, 'tarnos');
  const agent = t.agent();
  await signIn(agent, 'tarnos', p.username, p.password);
  parent = { agent, token: csrfFrom((await agent.get('/tarnos/').expect(200)).text) };
  bayeuxAdmin = await signedIn(t, 'bayeux', 'admin');
  plainAgent = await signedIn(t, 'tarnos', 'agent');
  admin = await signedIn(t, 'tarnos', 'admin');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

type Who = 'admin' | 'agent';
/**
 * What the town's admin gets, the proof that the handler ran rather than a guard: a GET's
 * page title (before " – Ville de Tarnos"); a POST sent without its fields, the 400 with
 * the error summary's fields in order; a POST without fields, its redirect.
 */
type AdminSees = { title: string } | { refused: string[] } | { redirect: string };
interface Route {
  method: 'get' | 'post';
  path: (slug: string, i: typeof ids) => string;
  /** The least role that may use it. */
  role: Who;
  admin: AdminSees;
}

const S = (slug: string) => `/${slug}/agents/parametres`;
const N = (slug: string) => `/${slug}/agents/actualites`;
const ROUTES: Route[] = [
  { method: 'get', role: 'admin', path: (s) => S(s), admin: { title: 'Paramètres de la commune' } },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/commune`, admin: { title: 'Nom, couleur et accueil' } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/commune`, admin: { refused: ['nom', 'couleur'] } },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/services`, admin: { title: 'Services et coordonnées' } },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/services/nouveau`, admin: { title: 'Ajouter un service' } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/services/nouveau`, admin: { refused: ['nom'] } },
  {
    method: 'get',
    role: 'admin',
    path: (s, i) => `${S(s)}/services/${i.service}`,
    admin: { title: 'Modifier le service Direction Éducation Enfance Jeunesse' },
  },
  { method: 'post', role: 'admin', path: (s, i) => `${S(s)}/services/${i.service}`, admin: { refused: ['nom'] } },
  {
    method: 'post',
    role: 'admin',
    path: (s, i) => `${S(s)}/services/${i.service}/deplacer`,
    admin: { redirect: '/tarnos/agents/parametres/services' },
  },
  {
    method: 'post',
    role: 'admin',
    path: (s, i) => `${S(s)}/services/${i.service}/supprimer`,
    admin: { redirect: '/tarnos/agents/parametres/services' },
  },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/mots-de-passe`, admin: { title: 'Mots de passe et activation des comptes' } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/mots-de-passe`, admin: { refused: ['longueurMin', 'delaiActivation'] } },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/calendrier`, admin: { title: 'Fermetures et vacances scolaires' } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/calendrier`, admin: { refused: ['type', 'libelle', 'du', 'au'] } },
  {
    method: 'post',
    role: 'admin',
    path: (s, i) => `${S(s)}/calendrier/${i.closure}/supprimer`,
    admin: { redirect: '/tarnos/agents/parametres/calendrier' },
  },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/cgu`, admin: { title: "Conditions générales d'utilisation" } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/cgu`, admin: { refused: ['texte'] } },
  {
    method: 'get',
    role: 'admin',
    path: (s) => `${S(s)}/cgu/versions/1`,
    admin: { title: "Conditions générales d'utilisation – version 1" },
  },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/mentions-legales`, admin: { title: 'Mentions légales' } },
  { method: 'post', role: 'admin', path: (s) => `${S(s)}/mentions-legales`, admin: { refused: ['texte'] } },
  { method: 'get', role: 'admin', path: (s) => `${S(s)}/mentions-legales/versions/1`, admin: { title: 'Mentions légales – version 1' } },
  { method: 'get', role: 'agent', path: (s) => N(s), admin: { title: 'Actualités' } },
  { method: 'get', role: 'agent', path: (s) => `${N(s)}/nouvelle`, admin: { title: 'Nouvelle actualité' } },
  { method: 'post', role: 'agent', path: (s) => `${N(s)}/nouvelle`, admin: { refused: ['titre', 'texte'] } },
  {
    method: 'get',
    role: 'agent',
    path: (s, i) => `${N(s)}/${i.news}/modifier`,
    admin: { title: 'Modifier l’actualité Réservation des repas' },
  },
  { method: 'post', role: 'agent', path: (s, i) => `${N(s)}/${i.news}/modifier`, admin: { refused: ['titre', 'texte'] } },
  { method: 'post', role: 'agent', path: (s, i) => `${N(s)}/${i.news}/publier`, admin: { redirect: '/tarnos/agents/actualites' } },
  { method: 'post', role: 'agent', path: (s, i) => `${N(s)}/${i.news}/retirer`, admin: { redirect: '/tarnos/agents/actualites' } },
];
const label = (r: Route) => `${r.method.toUpperCase()} ${r.path('tarnos', { service: ':service', news: ':news', closure: ':closure' })}`;
const cases = ROUTES.map((r) => [label(r), r] as const);

/** A request with a valid token of the caller's own session, so only the guard can refuse it. */
async function call(agent: SignedInAgent['agent'], token: string, r: Route, slug = 'tarnos', i = ids) {
  const path = r.path(slug, i);
  return r.method === 'get' ? agent.get(path) : agent.post(path).type('form').send({ _csrf: token });
}

async function snapshot() {
  const { rows } = await t.db.pool.query(
    `select (select count(*) from town_services) s, (select count(*) from town_closures) c, (select count(*) from town_texts) x,
            (select count(*) from news) n, (select count(*) from news where published_at is not null) p,
            (select count(*) from audit_log where action <> 'agent.sign_in') a, (select string_agg(colour, ',' order by slug) from towns) colours`,
  );
  return rows[0];
}

describe('settings and news are closed to everyone but the town’s agents', () => {
  it.each(cases)('%s: 404 for anonymous visitors, even with a valid token', async (_l, r) => {
    const agent = t.agent();
    const token = csrfFrom((await agent.get('/tarnos/').expect(200)).text);
    const before = await snapshot();
    expect((await call(agent, token, r)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases)('%s: 404 for a signed-in parent', async (_l, r) => {
    const before = await snapshot();
    const res = await call(parent.agent, parent.token, r);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page introuvable');
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases)('%s: 404 for an admin of another town (Bayeux), on Tarnos’s address', async (_l, r) => {
    const before = await snapshot();
    expect((await call(bayeuxAdmin.agent, bayeuxAdmin.token, r)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases.filter(([, r]) => r.role === 'admin'))('%s: 404 for an agent who is not an admin', async (_l, r) => {
    const before = await snapshot();
    expect((await call(plainAgent.agent, plainAgent.token, r)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases.filter(([, r]) => r.role === 'agent' && r.method === 'get'))('%s: open to an agent who is not an admin', async (_l, r) => {
    expect((await call(plainAgent.agent, plainAgent.token, r)).status).toBe(200);
  });

  it.each(cases.filter(([, r]) => r.path('x', { service: 'ID', news: 'ID', closure: 'ID' }).includes('ID')))(
    '%s: 404 on the town’s own address with an object of another town, and with a malformed id',
    async (_l, r) => {
      const before = await snapshot();
      expect((await call(admin.agent, admin.token, r, 'tarnos', bayeuxIds)).status).toBe(404);
      const malformed = { service: 'abc', news: "1' or '1'='1", closure: '00000000-0000-0000-0000-00000000000' };
      expect((await call(admin.agent, admin.token, r, 'tarnos', malformed)).status).toBe(404);
      const unknown = {
        service: '00000000-0000-4000-8000-000000000000',
        news: '00000000-0000-4000-8000-000000000000',
        closure: '00000000-0000-4000-8000-000000000000',
      };
      expect((await call(admin.agent, admin.token, r, 'tarnos', unknown)).status).toBe(404);
      expect(await snapshot()).toEqual(before);
    },
  );

  it('404 for a version that does not exist or is no number', async () => {
    for (const v of ['0', '99', 'abc', '1.5', '-1', '12345678']) {
      expect((await admin.agent.get(`/tarnos/agents/parametres/cgu/versions/${v}`)).status).toBe(404);
    }
  });
});

describe('CSRF', () => {
  it.each(cases.filter(([, r]) => r.method === 'post'))(
    '%s: 403 without the token, with a wrong one, or with another session’s',
    async (_l, r) => {
      const other = plainAgent;
      const path = r.path('tarnos', ids);
      const before = await snapshot();
      expect((await admin.agent.post(path).type('form').send({ titre: 'X', texte: 'Y' })).status).toBe(403);
      expect((await post(admin, path, { _csrf: 'x'.repeat(40) })).status).toBe(403);
      expect((await post(admin, path, { _csrf: other.token })).status).toBe(403);
      expect((await admin.agent.post(path).set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf: admin.token })).status).toBe(403);
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe('navigation', () => {
  it('shows Actualités to every agent and Paramètres to admins only', async () => {
    const agentHome = await plainAgent.agent.get('/tarnos/agents');
    const adminHome = page(await admin.agent.get('/tarnos/agents'));
    expect(page(agentHome).links()).toContainEqual({ href: '/tarnos/agents/actualites', text: 'Actualités' });
    expect(agentHome.text).not.toContain('/tarnos/agents/parametres');
    expect(adminHome.links()).toContainEqual({ href: '/tarnos/agents/parametres', text: 'Paramètres' });
    const current = page(await admin.agent.get('/tarnos/agents/parametres/services')).one('a[aria-current="page"]');
    expect([current.attr('href'), current.text()]).toEqual(['/tarnos/agents/parametres', 'Paramètres']);
  });
});

// Last, as it changes data: the control that makes every 404 above mean something. The
// town's admin, with the town's own ids, reaches every route.
describe('the town’s admin reaches every route', () => {
  const bodies: Record<string, Record<string, string>> = { deplacer: { sens: 'bas' } };
  it.each(cases)('%s', async (_l, r) => {
    const path = r.path('tarnos', ids);
    const res = r.method === 'get' ? await admin.agent.get(path) : await post(admin, path, bodies[path.split('/').pop()!] ?? {});
    const seen = page(res);
    if ('title' in r.admin) {
      expect(res.status).toBe(200);
      expect(seen.title()).toBe(`${r.admin.title} – Ville de Tarnos – Espace Famille`);
    } else if ('refused' in r.admin) {
      expect(res.status).toBe(400);
      expect(seen.title()).toMatch(/^Erreur : /);
      expect(seen.errorSummary().map((e) => e.field)).toEqual(r.admin.refused);
    } else {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(r.admin.redirect);
    }
  });
});
