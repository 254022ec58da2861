import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createActivity, createFamily, createParent, createRegie } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { post, signedIn, type SignedInAgent } from '../settings/helpers.js';

/**
 * The régie's setup in the back-office (issue 14): régies, tariffs and their versions, the
 * billing settings (admins only), and a family file's QF and payer (every agent). Who may
 * open what, the 404 of another town's objects, CSRF, and every form's valid path and each
 * kind of invalid input (French message, 400, typed values kept, nothing saved).
 */
let t: TestApp;
let admin: SignedInAgent;
let plainAgent: SignedInAgent;
let bayeuxAdmin: SignedInAgent;
let parent: { agent: SignedInAgent['agent']; token: string };
interface Ids {
  regie: string;
  activity: string;
  family: string;
}
let ids: Ids;
let bayeuxIds: Ids;

const db = () => t.db.pool;

async function objectsOf(slug: string): Promise<Ids> {
  const activity = await createActivity(db(), slug, { name: `Cantine ${slug}` });
  const regie = await createRegie(db(), slug, { name: `Régie ${slug}`, activityIds: [activity] });
  const family = (await createFamily(db(), slug, { name: 'BERNARD' })).id;
  return { regie, activity, family };
}

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  ids = await objectsOf('tarnos');
  bayeuxIds = await objectsOf('bayeux');
  admin = await signedIn(t, 'tarnos', 'admin');
  plainAgent = await signedIn(t, 'tarnos', 'agent');
  bayeuxAdmin = await signedIn(t, 'bayeux', 'admin');
  const p = await createParent(db(), 'tarnos');
  const agent = t.agent();
  await signIn(agent, 'tarnos', p.username, p.password);
  parent = { agent, token: csrfFrom((await agent.get('/tarnos/').expect(200)).text) };
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

async function snapshot() {
  const { rows } = await db().query(
    `select (select count(*) from regies) r, (select string_agg(name || code, ',' order by id) from regies) rn,
            (select count(*) from activities where regie_id is not null) ar, (select count(*) from tariffs) t,
            (select count(*) from family_quotients) q, (select count(*) from families where payer_adult_id is not null or split_invoicing) p,
            (select string_agg(unreserved_surcharge_bp || '/' || invoice_due_day, ',' order by town_id) from billing_settings) s,
            (select count(*) from audit_log where action <> 'agent.sign_in') a`,
  );
  return rows[0];
}

// ---------------------------------------------------------------- who may open what

type AdminSees = { title: string } | { refused: string[] };
interface Route {
  method: 'get' | 'post';
  path: (slug: string, i: Ids) => string;
  role: 'admin' | 'agent';
  admin: AdminSees;
}
const F = (s: string) => `/${s}/agents/facturation`;
const ROUTES: Route[] = [
  { method: 'get', role: 'admin', path: (s) => `${F(s)}/regies`, admin: { title: 'Régies de facturation' } },
  { method: 'get', role: 'admin', path: (s) => `${F(s)}/regies/nouvelle`, admin: { title: 'Créer une régie' } },
  { method: 'post', role: 'admin', path: (s) => `${F(s)}/regies/nouvelle`, admin: { refused: ['nom', 'code'] } },
  { method: 'get', role: 'admin', path: (s, i) => `${F(s)}/regies/${i.regie}`, admin: { title: 'Modifier la régie Régie tarnos' } },
  { method: 'post', role: 'admin', path: (s, i) => `${F(s)}/regies/${i.regie}`, admin: { refused: ['nom', 'code'] } },
  { method: 'get', role: 'admin', path: (s) => `${F(s)}/tarifs`, admin: { title: 'Tarifs des activités' } },
  { method: 'get', role: 'admin', path: (s, i) => `${F(s)}/tarifs/${i.activity}`, admin: { title: 'Tarifs – Cantine tarnos' } },
  {
    method: 'post',
    role: 'admin',
    path: (s, i) => `${F(s)}/tarifs/${i.activity}`,
    admin: { refused: ['anneeScolaire', 'dateEffet', 'categorie', 'modele'] },
  },
  { method: 'get', role: 'admin', path: (s) => `${F(s)}/parametres`, admin: { title: 'Paramètres de facturation' } },
  { method: 'post', role: 'admin', path: (s) => `${F(s)}/parametres`, admin: { refused: ['majoration', 'jourEcheance'] } },
  {
    method: 'get',
    role: 'agent',
    path: (s, i) => `/${s}/agents/familles/${i.family}/facturation`,
    admin: { title: 'Facturation – Famille BERNARD' },
  },
  {
    method: 'post',
    role: 'agent',
    path: (s, i) => `/${s}/agents/familles/${i.family}/facturation/quotient`,
    admin: { refused: ['qf', 'dateEffet', 'source'] },
  },
  { method: 'post', role: 'agent', path: (s, i) => `/${s}/agents/familles/${i.family}/facturation/payeur`, admin: { refused: ['payeur'] } },
];
const cases = ROUTES.map(
  (r) => [`${r.method.toUpperCase()} ${r.path('tarnos', { regie: ':regie', activity: ':activity', family: ':family' })}`, r] as const,
);

async function call(who: { agent: SignedInAgent['agent']; token: string }, r: Route, slug = 'tarnos', i = ids) {
  const path = r.path(slug, i);
  return r.method === 'get' ? who.agent.get(path) : who.agent.post(path).type('form').send({ _csrf: who.token });
}

describe('the billing setup is closed to everyone but the town’s agents (admins for the configuration)', () => {
  it.each(cases)('%s: 404 for anonymous visitors, parents, and an admin of another town', async (_l, r) => {
    const before = await snapshot();
    const anonymous = t.agent();
    const token = csrfFrom((await anonymous.get('/tarnos/').expect(200)).text);
    expect((await call({ agent: anonymous, token }, r)).status).toBe(404);
    expect((await call(parent, r)).status).toBe(404);
    expect((await call(bayeuxAdmin, r)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases.filter(([, r]) => r.role === 'admin'))('%s: 404 for an agent who is not an admin', async (_l, r) => {
    const before = await snapshot();
    expect((await call(plainAgent, r)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases.filter(([, r]) => r.path('x', { regie: 'ID', activity: 'ID', family: 'ID' }).includes('ID')))(
    '%s: 404 with a régie, activity or family of another town, an unknown or a malformed id',
    async (_l, r) => {
      const before = await snapshot();
      expect((await call(admin, r, 'tarnos', bayeuxIds)).status).toBe(404);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await call(admin, r, 'tarnos', { regie: unknown, activity: unknown, family: unknown })).status).toBe(404);
      expect((await call(admin, r, 'tarnos', { regie: 'abc', activity: "1' or '1'='1", family: '12' })).status).toBe(404);
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each(cases.filter(([, r]) => r.method === 'post'))('%s: 403 without the CSRF token, or with another session’s', async (_l, r) => {
    const path = r.path('tarnos', ids);
    const before = await snapshot();
    expect((await admin.agent.post(path).type('form').send({ nom: 'X', code: 'XX', qf: '1' })).status).toBe(403);
    expect((await post(admin, path, { _csrf: plainAgent.token })).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it.each(cases)('%s: reached by the town’s admin (the control that makes the 404s above mean something)', async (_l, r) => {
    const res = await call(admin, r);
    const seen = page(res);
    if ('title' in r.admin) {
      expect(res.status).toBe(200);
      expect(seen.title()).toBe(`${r.admin.title} – Ville de Tarnos – Espace Famille`);
    } else {
      expect(res.status).toBe(400);
      expect(seen.title()).toMatch(/^Erreur : /);
      expect(seen.errorSummary().map((e) => e.field)).toEqual(r.admin.refused);
    }
  });

  it('lets an agent who is not an admin open a family’s billing', async () => {
    expect(
      (
        await call(
          plainAgent,
          ROUTES.find((r) => r.role === 'agent' && r.method === 'get')!,
        )
      ).status,
    ).toBe(200);
  });

  it('links the family file to its billing', async () => {
    const file = page(await admin.agent.get(`/tarnos/agents/familles/${ids.family}`));
    expect(file.links('section[aria-labelledby="facturation-title"]')).toEqual([
      { href: `/tarnos/agents/familles/${ids.family}/facturation`, text: 'Quotient familial et payeur des factures de la famille BERNARD' },
    ]);
  });

  it('links the family’s billing to its invoices and balance', async () => {
    const billing = page(await admin.agent.get(`/tarnos/agents/familles/${ids.family}/facturation`));
    expect(billing.links('main').find((l) => l.href === `/tarnos/agents/facturation/factures?famille=${ids.family}`)?.text).toBe(
      'Factures et solde de la famille BERNARD',
    );
  });
});
