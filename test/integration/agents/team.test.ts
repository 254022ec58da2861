import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';

/** The team (issue 4): admins list, create, disable and re-enable the town's agents. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T09:00:00Z');
});

async function signedIn(slug: string, role: 'agent' | 'admin') {
  const a = await createAgentFixture(t.db.pool, slug, role);
  const http = t.agent();
  expect((await signInAgent(http, slug, a.username, a.password)).status).toBe(303);
  return { ...a, http };
}

const NEW_PASSWORD = 'Mairie-Tarnos-2027';

async function postNew(http: supertest.Agent, body: Record<string, string>) {
  const token = csrfFrom((await http.get('/tarnos/agents/equipe/nouveau')).text);
  return http
    .post('/tarnos/agents/equipe/nouveau')
    .type('form')
    .send({ _csrf: token, ...body });
}

describe('who manages the team', () => {
  it('answers 404 to anonymous visitors, parents, agents and admins of another town', async () => {
    const target = await createAgentFixture(t.db.pool, 'tarnos');
    const gets = ['/tarnos/agents/equipe', '/tarnos/agents/equipe/nouveau'];
    const posts = [
      '/tarnos/agents/equipe/nouveau',
      `/tarnos/agents/equipe/${target.id}/desactiver`,
      `/tarnos/agents/equipe/${target.id}/reactiver`,
    ];

    for (const path of gets) expect((await t.agent().get(path)).status, path).toBe(404);

    const parent = await createParent(t.db.pool, 'tarnos');
    const p = t.agent();
    await signIn(p, 'tarnos', parent.username, parent.password);
    for (const path of gets) expect((await p.get(path)).status, path).toBe(404);

    const agent = await signedIn('tarnos', 'agent');
    const agentToken = csrfFrom((await agent.http.get('/tarnos/agents')).text);
    for (const path of gets) expect((await agent.http.get(path)).status, path).toBe(404);
    for (const path of posts) {
      const res = await agent.http.post(path).type('form').send({ _csrf: agentToken, nom: 'X', nomUtilisateur: 'xxx', role: 'admin' });
      expect(res.status, path).toBe(404);
    }
    // No "Équipe" entry in an agent's navigation.
    expect((await agent.http.get('/tarnos/agents')).text).not.toContain('/tarnos/agents/equipe');

    const bayeuxAdmin = await signedIn('bayeux', 'admin');
    const bayeuxToken = csrfFrom((await bayeuxAdmin.http.get('/bayeux/agents/equipe')).text);
    for (const path of gets) expect((await bayeuxAdmin.http.get(path)).status, path).toBe(404);
    // Another town's agent, through the admin's own town.
    const res = await bayeuxAdmin.http.post(`/bayeux/agents/equipe/${target.id}/desactiver`).type('form').send({ _csrf: bayeuxToken });
    expect(res.status).toBe(404);
    expect(
      (await bayeuxAdmin.http.post('/bayeux/agents/equipe/pas-un-id/desactiver').type('form').send({ _csrf: bayeuxToken })).status,
    ).toBe(404);
    const { rows } = await t.db.pool.query('select disabled_at from agents where id = $1', [target.id]);
    expect(rows[0].disabled_at).toBeNull();
  });

  it('refuses every change without the CSRF token', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const target = await createAgentFixture(t.db.pool, 'tarnos');
    expect(
      (
        await admin.http
          .post('/tarnos/agents/equipe/nouveau')
          .type('form')
          .send({ nom: 'Sans Jeton', nomUtilisateur: 'sansjeton', role: 'agent', motDePasse: NEW_PASSWORD, confirmation: NEW_PASSWORD })
      ).status,
    ).toBe(403);
    expect((await admin.http.post(`/tarnos/agents/equipe/${target.id}/desactiver`).type('form').send({})).status).toBe(403);
    const { rows } = await t.db.pool.query(`select count(*)::int as n from agents where username = 'sansjeton'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('the team list', () => {
  it("lists the town's agents only, with their role and state", async () => {
    const admin = await signedIn('tarnos', 'admin');
    const colleague = await createAgentFixture(t.db.pool, 'tarnos');
    const stranger = await createAgentFixture(t.db.pool, 'bayeux');
    const res = await admin.http.get('/tarnos/agents/equipe');
    expect(res.status).toBe(200);
    expect(parse(res).title()).toBe('Équipe – Ville de Tarnos – Espace Famille');
    expect(res.text).toContain(colleague.username);
    expect(res.text).toContain(`${admin.displayName} (vous)`);
    expect(res.text).not.toContain(stranger.username);
    expect(res.text).toContain('Administrateur');
    expect(res.text).toContain(`Désactiver<span class="visually-hidden"> ${colleague.displayName}</span>`);
    // No button to disable oneself.
    expect(res.text).not.toContain(`/tarnos/agents/equipe/${admin.id}/desactiver`);
  });
});

describe('creating an agent', () => {
  it('states the password rule, creates the agent who can then sign in, and writes the audit log', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const form = await admin.http.get('/tarnos/agents/equipe/nouveau');
    expect(form.status).toBe(200);
    expect(form.text).toContain('Au moins 12 caractères dont 1 majuscule, 1 minuscule et 1 chiffre');
    const res = await postNew(admin.http, {
      nom: 'Marie Dupont',
      nomUtilisateur: 'mdupont',
      courriel: 'M.Dupont@Tarnos.fr',
      role: 'admin',
      motDePasse: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/equipe');
    expect((await admin.http.get('/tarnos/agents/equipe')).text).toContain('Marie Dupont (mdupont) peut maintenant se connecter');

    const { rows } = await t.db.pool.query(`select id, role, email, display_name, password_hash from agents where username = 'mdupont'`);
    expect(rows[0]).toMatchObject({ role: 'admin', email: 'm.dupont@tarnos.fr', display_name: 'Marie Dupont' });
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    const audit = await t.db.pool.query(
      `select agent_id, target_id, details from audit_log where action = 'agent.create' and target_id = $1`,
      [rows[0].id],
    );
    expect(audit.rows).toEqual([{ agent_id: admin.id, target_id: rows[0].id, details: { username: 'mdupont', role: 'admin' } }]);

    // The admin chose this password: the newcomer replaces it first (test/integration/agents/password-change.test.ts).
    const newcomer = t.agent();
    const signedInRes = await signInAgent(newcomer, 'tarnos', 'mdupont', NEW_PASSWORD);
    expect(signedInRes.status).toBe(303);
    expect(signedInRes.headers.location).toBe('/tarnos/agents/nouveau-mot-de-passe');
    const choose = await newcomer.get('/tarnos/agents/nouveau-mot-de-passe');
    const own = 'Marie-Choisit-2027';
    const chosen = await newcomer
      .post('/tarnos/agents/nouveau-mot-de-passe')
      .type('form')
      .send({ _csrf: csrfFrom(choose.text), motDePasse: own, confirmationMotDePasse: own });
    expect(chosen.status).toBe(303);
    expect((await newcomer.get('/tarnos/agents/equipe')).status).toBe(200);
  });

  it('re-renders each kind of invalid input with its message, keeps what was typed, never the password', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const existing = await createAgentFixture(t.db.pool, 'tarnos');
    const valid = {
      nom: 'Paul Martin',
      nomUtilisateur: 'pmartin',
      courriel: '',
      role: 'agent',
      motDePasse: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    };
    const cases: [Record<string, string>, string, string][] = [
      [{ nom: '' }, 'nom', "Saisissez le nom de l'agent"],
      [{ nom: 'Paul\nMartin' }, 'nom', "Le nom de l'agent contient un caractère qui n'est pas accepté : retirez-le"],
      [{ nomUtilisateur: '' }, 'nomUtilisateur', "Saisissez un nom d'utilisateur"],
      [{ nomUtilisateur: 'p m' }, 'nomUtilisateur', "Le nom d'utilisateur ne peut contenir que des lettres"],
      [{ nomUtilisateur: existing.username.toUpperCase() }, 'nomUtilisateur', "Ce nom d'utilisateur est déjà pris"],
      [{ courriel: 'pas-une-adresse' }, 'courriel', 'Saisissez une adresse de courriel valide'],
      [{ role: 'superadmin' }, 'role', 'Choisissez le rôle'],
      [{ motDePasse: 'Court-2026', confirmation: 'Court-2026' }, 'motDePasse', 'Le mot de passe doit contenir au moins 12 caractères'],
      [{ motDePasse: 'mairie-tarnos-2027', confirmation: 'mairie-tarnos-2027' }, 'motDePasse', 'au moins une majuscule'],
      [
        { motDePasse: 'Pmartin-Mairie-2027', confirmation: 'Pmartin-Mairie-2027' },
        'motDePasse',
        "ne doit pas contenir votre nom d'utilisateur",
      ],
      [{ confirmation: 'Autre-Chose-2027' }, 'confirmation', 'La confirmation ne correspond pas au mot de passe'],
      [{ motDePasse: '' }, 'motDePasse', 'Saisissez un mot de passe'],
    ];
    for (const [change, field, message] of cases) {
      const res = await postNew(admin.http, { ...valid, ...change });
      expect(res.status, JSON.stringify(change)).toBe(400);
      const refused = parse(res);
      expect(refused.title()).toMatch(/^Erreur : Nouvel agent/);
      expect(
        refused.errorSummary().map((e) => e.field),
        JSON.stringify(change),
      ).toContain(field);
      expect(refused.fieldError(field), JSON.stringify(change)).toContain(message);
      if (field !== 'nom') expect(refused.fieldValue('nom')).toBe('Paul Martin');
      expect(res.text).not.toContain(NEW_PASSWORD);
      expect(res.text).not.toContain('Court-2026');
    }
    // A body with a missing field, or an array, is no 500.
    const partial = await admin.http
      .post('/tarnos/agents/equipe/nouveau')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrfFrom((await admin.http.get('/tarnos/agents/equipe/nouveau')).text))}&nom=a&nom=b`);
    expect(partial.status).toBe(400);
    const { rows } = await t.db.pool.query(`select count(*)::int as n from agents where username = 'pmartin'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('disabling and re-enabling an agent', () => {
  it("ends the agent's sessions at once, blocks sign-in, and re-enabling lets them back in", async () => {
    const admin = await signedIn('tarnos', 'admin');
    const target = await signedIn('tarnos', 'agent');
    expect((await target.http.get('/tarnos/agents')).status).toBe(200);

    const token = csrfFrom((await admin.http.get('/tarnos/agents/equipe')).text);
    const res = await admin.http.post(`/tarnos/agents/equipe/${target.id}/desactiver`).type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/equipe');
    const list = await admin.http.get('/tarnos/agents/equipe');
    expect(list.text).toContain('est désactivé : ses sessions sont fermées');
    expect(list.text).toContain(`/tarnos/agents/equipe/${target.id}/reactiver`);

    const sessions = await t.db.pool.query(`select count(*)::int as n from session where (sess::jsonb ->> 'agentId') = $1`, [target.id]);
    expect(sessions.rows[0].n).toBe(0);
    expect((await target.http.get('/tarnos/agents')).status).toBe(404);
    expect((await signInAgent(t.agent(), 'tarnos', target.username, target.password)).status).toBe(401);

    const again = await admin.http
      .post(`/tarnos/agents/equipe/${target.id}/reactiver`)
      .type('form')
      .send({ _csrf: csrfFrom(list.text) });
    expect(again.status).toBe(303);
    expect((await signInAgent(t.agent(), 'tarnos', target.username, target.password)).status).toBe(303);

    const audit = await t.db.pool.query(`select action, agent_id from audit_log where target_id = $1 order by id`, [target.id]);
    expect(audit.rows).toEqual([
      { action: 'agent.disable', agent_id: admin.id },
      { action: 'agent.enable', agent_id: admin.id },
    ]);
  });

  it('does not let an admin disable themself', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const token = csrfFrom((await admin.http.get('/tarnos/agents/equipe')).text);
    const res = await admin.http.post(`/tarnos/agents/equipe/${admin.id}/desactiver`).type('form').send({ _csrf: token });
    expect(res.status).toBe(400);
    expect(parse(res).title()).toMatch(/^Erreur : Équipe/);
    expect(res.text).toContain('Vous ne pouvez pas désactiver votre propre compte');
    const { rows } = await t.db.pool.query('select disabled_at from agents where id = $1', [admin.id]);
    expect(rows[0].disabled_at).toBeNull();
    expect((await admin.http.get('/tarnos/agents/equipe')).status).toBe(200);
  });
});
