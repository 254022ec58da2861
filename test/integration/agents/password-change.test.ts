import fs from 'node:fs';
import path from 'node:path';
import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../../src/features/agents/agents.service.js';
import { ROOT_DIR } from '../../../src/lib/paths.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, town } from '../../helpers/fixtures.js';
import { fieldErrorOf } from '../signup/signup-helpers.js';

/**
 * Issue 10: a password an admin chose (creating an agent, or resetting one's password) must
 * be replaced by the agent at their next sign-in, before anything else of the back-office.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const CHOSEN_BY_ADMIN = 'Mairie-Tarnos-2027';
const OWN = 'Jardin-Secret-2028';
const NEW_PAGE = '/tarnos/agents/nouveau-mot-de-passe';

async function signedInAdmin() {
  const a = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
  const http = t.agent();
  expect((await signInAgent(http, 'tarnos', a.username, a.password)).status).toBe(303);
  return { ...a, http };
}

let counter = 0;
/** An agent created through the admin's form, as the seed's admins do. */
async function createdByAdmin(admin: { http: supertest.Agent }, role: 'agent' | 'admin' = 'agent') {
  counter += 1;
  const username = `recrue${counter}${Math.random().toString(36).slice(2, 6)}`;
  const token = csrfFrom((await admin.http.get('/tarnos/agents/equipe/nouveau')).text);
  const res = await admin.http
    .post('/tarnos/agents/equipe/nouveau')
    .type('form')
    .send({
      _csrf: token,
      nom: `Recrue ${counter}`,
      nomUtilisateur: username,
      role,
      motDePasse: CHOSEN_BY_ADMIN,
      confirmation: CHOSEN_BY_ADMIN,
    });
  expect(res.status).toBe(303);
  const { rows } = await t.db.pool.query<{ id: string }>('select id from agents where username = $1', [username]);
  return { id: rows[0]!.id, username };
}

async function mustChange(id: string): Promise<boolean> {
  const { rows } = await t.db.pool.query<{ must_change_password: boolean }>('select must_change_password from agents where id = $1', [id]);
  return rows[0]!.must_change_password;
}

async function chooseOwn(http: supertest.Agent, body: Record<string, string>, withToken = true) {
  const token = csrfFrom((await http.get(NEW_PAGE)).text);
  return http
    .post(NEW_PAGE)
    .type('form')
    .send({ ...(withToken ? { _csrf: token } : {}), ...body });
}

/** Every kind of back-office page and form, read and posted: each leads to the new-password page. */
async function expectOnlyNewPasswordReachable(http: supertest.Agent) {
  const token = csrfFrom((await http.get(NEW_PAGE)).text);
  const gets = [
    '/tarnos/agents',
    '/tarnos/agents/demandes',
    '/tarnos/agents/familles',
    '/tarnos/agents/equipe',
    '/tarnos/agents/journal',
    '/tarnos/agents/actualites/nouvelle',
    '/tarnos/AGENTS/demandes',
    '/tarnos/agents/demandes/',
    '/tarnos/agents/page-inconnue',
  ];
  for (const path of gets) {
    const res = await http.get(path);
    expect(res.status, path).toBe(303);
    expect(res.headers.location, path).toBe(NEW_PAGE);
  }
  const news = await http
    .post('/tarnos/agents/actualites/nouvelle')
    .type('form')
    .send({ _csrf: token, titre: 'Avant son mot de passe', texte: 'x' });
  expect(news.status).toBe(303);
  expect(news.headers.location).toBe(NEW_PAGE);
  const { rows } = await t.db.pool.query(`select 1 from news where title = 'Avant son mot de passe'`);
  expect(rows).toHaveLength(0);
}

describe('an agent created by an admin', () => {
  it('must choose their own password at first sign-in, and reaches nothing else until then', async () => {
    const admin = await signedInAdmin();
    const recrue = await createdByAdmin(admin);
    expect(await mustChange(recrue.id)).toBe(true);

    const http = t.agent();
    const signIn = await signInAgent(http, 'tarnos', recrue.username, CHOSEN_BY_ADMIN);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe(NEW_PAGE);
    const page = await http.get(NEW_PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Choisissez votre mot de passe');
    expect(page.text).toContain('Au moins 12 caractères dont 1 majuscule, 1 minuscule et 1 chiffre');
    expect(page.text).toContain(recrue.username);
    // The navigation offers nothing but signing out.
    expect(page.text).not.toContain('href="/tarnos/agents/demandes"');
    expect(page.text).toContain('Se déconnecter');
    await expectOnlyNewPasswordReachable(http);

    const done = await chooseOwn(http, { motDePasse: OWN, confirmationMotDePasse: OWN });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/tarnos/agents');
    const home = await http.get('/tarnos/agents');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Votre mot de passe est enregistré');
    expect(await mustChange(recrue.id)).toBe(false);
    // The page is done with: it leads home.
    expect((await http.get(NEW_PAGE)).headers.location).toBe('/tarnos/agents');

    // The admin's choice no longer opens the account; the agent's own does, straight home.
    expect((await signInAgent(t.agent(), 'tarnos', recrue.username, CHOSEN_BY_ADMIN)).status).toBe(401);
    const again = await signInAgent(t.agent(), 'tarnos', recrue.username, OWN);
    expect(again.headers.location).toBe('/tarnos/agents');
    const audit = await t.db.pool.query(`select agent_id from audit_log where action = 'agent.password_change' and target_id = $1`, [
      recrue.id,
    ]);
    expect(audit.rows).toEqual([{ agent_id: recrue.id }]);
  });

  it.each([
    [
      'the confirmation differs',
      { motDePasse: OWN, confirmationMotDePasse: 'Jardin-Secret-2029' },
      'confirmationMotDePasse',
      'La confirmation ne correspond pas au mot de passe',
    ],
    ['too short for agents', { motDePasse: 'Court-2027', confirmationMotDePasse: 'Court-2027' }, 'motDePasse', 'au moins 12 caractères'],
    ['no digit', { motDePasse: 'Jardin-Secret-Vert', confirmationMotDePasse: 'Jardin-Secret-Vert' }, 'motDePasse', 'chiffre'],
    ['empty', { motDePasse: '', confirmationMotDePasse: '' }, 'motDePasse', ''],
    [
      'the one the admin chose',
      { motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: CHOSEN_BY_ADMIN },
      'motDePasse',
      "doit être différent de celui choisi par l'administrateur",
    ],
  ])('refuses a new password when %s, with a French message (400), and changes nothing', async (_case, body, field, message) => {
    const admin = await signedInAdmin();
    const recrue = await createdByAdmin(admin);
    const http = t.agent();
    await signInAgent(http, 'tarnos', recrue.username, CHOSEN_BY_ADMIN);
    const res = await chooseOwn(http, body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Il y a un problème');
    expect(fieldErrorOf(res.text, field)).toContain(message);
    expect(fieldErrorOf(res.text, field) ?? '').not.toBe('');
    // Passwords are never typed back into the page.
    expect(res.text).not.toContain(`value="${body.motDePasse}"`);
    expect(await mustChange(recrue.id)).toBe(true);
    await expectOnlyNewPasswordReachable(http);
  });

  it('refuses the form without its CSRF token (403) and changes nothing', async () => {
    const admin = await signedInAdmin();
    const recrue = await createdByAdmin(admin);
    const http = t.agent();
    await signInAgent(http, 'tarnos', recrue.username, CHOSEN_BY_ADMIN);
    const res = await chooseOwn(http, { motDePasse: OWN, confirmationMotDePasse: OWN }, false);
    expect(res.status).toBe(403);
    expect(await mustChange(recrue.id)).toBe(true);
  });
});

describe('an admin resets an agent’s password', () => {
  it('ends the agent’s sessions; the agent must choose a new password at the next sign-in', async () => {
    const admin = await signedInAdmin();
    const colleague = await createAgentFixture(t.db.pool, 'tarnos');
    const colleagueHttp = t.agent();
    expect((await signInAgent(colleagueHttp, 'tarnos', colleague.username, colleague.password)).headers.location).toBe('/tarnos/agents');
    expect((await colleagueHttp.get('/tarnos/agents/demandes')).status).toBe(200);

    const list = await admin.http.get('/tarnos/agents/equipe');
    expect(list.text).toContain(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`);
    expect(list.text).not.toContain(`/tarnos/agents/equipe/${admin.id}/mot-de-passe`);
    const form = await admin.http.get(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Au moins 12 caractères');
    const res = await admin.http
      .post(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: CHOSEN_BY_ADMIN });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/equipe');
    expect((await admin.http.get('/tarnos/agents/equipe')).text).toContain('il en choisira un nouveau à sa prochaine connexion');
    expect(await mustChange(colleague.id)).toBe(true);

    // The open session is over.
    expect((await colleagueHttp.get('/tarnos/agents/demandes')).status).toBe(404);
    // The old password no longer signs in; the admin's opens only the new-password page.
    expect((await signInAgent(t.agent(), 'tarnos', colleague.username, colleague.password)).status).toBe(401);
    const http = t.agent();
    expect((await signInAgent(http, 'tarnos', colleague.username, CHOSEN_BY_ADMIN)).headers.location).toBe(NEW_PAGE);
    await expectOnlyNewPasswordReachable(http);
    expect((await chooseOwn(http, { motDePasse: OWN, confirmationMotDePasse: OWN })).status).toBe(303);
    expect((await http.get('/tarnos/agents/demandes')).status).toBe(200);

    const audit = await t.db.pool.query(`select agent_id from audit_log where action = 'agent.password_reset' and target_id = $1`, [
      colleague.id,
    ]);
    expect(audit.rows).toEqual([{ agent_id: admin.id }]);
  });

  it('lifts a lock: the agent locked out by failures signs in with the new password', async () => {
    const admin = await signedInAdmin();
    const colleague = await createAgentFixture(t.db.pool, 'tarnos');
    await t.db.pool.query(`update agents set failed_sign_ins = 10, locked_until = now() + interval '1 day' where id = $1`, [colleague.id]);
    const form = await admin.http.get(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`);
    await admin.http
      .post(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: CHOSEN_BY_ADMIN });
    expect((await signInAgent(t.agent(), 'tarnos', colleague.username, CHOSEN_BY_ADMIN)).headers.location).toBe(NEW_PAGE);
  });

  it.each([
    [
      'the confirmation differs',
      { motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: 'Autre-Chose-2027' },
      'confirmationMotDePasse',
      'La confirmation ne correspond pas',
    ],
    ['too weak', { motDePasse: 'motdepasse', confirmationMotDePasse: 'motdepasse' }, 'motDePasse', 'au moins 12 caractères'],
  ])('refuses a reset when %s (400, French message) and changes nothing', async (_case, body, field, message) => {
    const admin = await signedInAdmin();
    const colleague = await createAgentFixture(t.db.pool, 'tarnos');
    const form = await admin.http.get(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`);
    const res = await admin.http
      .post(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...body });
    expect(res.status).toBe(400);
    expect(fieldErrorOf(res.text, field)).toContain(message);
    expect(await mustChange(colleague.id)).toBe(false);
    expect((await signInAgent(t.agent(), 'tarnos', colleague.username, colleague.password)).headers.location).toBe('/tarnos/agents');
  });

  it('refuses a reset without the CSRF token, by a mere agent, or of another town’s agent', async () => {
    const admin = await signedInAdmin();
    const colleague = await createAgentFixture(t.db.pool, 'tarnos');
    const body = { motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: CHOSEN_BY_ADMIN };
    expect((await admin.http.post(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`).type('form').send(body)).status).toBe(403);

    const plain = await createAgentFixture(t.db.pool, 'tarnos');
    const plainHttp = t.agent();
    await signInAgent(plainHttp, 'tarnos', plain.username, plain.password);
    const plainToken = csrfFrom((await plainHttp.get('/tarnos/agents')).text);
    expect((await plainHttp.get(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`)).status).toBe(404);
    expect(
      (
        await plainHttp
          .post(`/tarnos/agents/equipe/${colleague.id}/mot-de-passe`)
          .type('form')
          .send({ _csrf: plainToken, ...body })
      ).status,
    ).toBe(404);

    const stranger = await createAgentFixture(t.db.pool, 'bayeux');
    const token = csrfFrom((await admin.http.get('/tarnos/agents/equipe')).text);
    expect(
      (
        await admin.http
          .post(`/tarnos/agents/equipe/${stranger.id}/mot-de-passe`)
          .type('form')
          .send({ _csrf: token, ...body })
      ).status,
    ).toBe(404);
    expect(await mustChange(colleague.id)).toBe(false);
    expect(await mustChange(stranger.id)).toBe(false);
  });

  it('does not let an admin reset their own password there', async () => {
    const admin = await signedInAdmin();
    const token = csrfFrom((await admin.http.get('/tarnos/agents/equipe')).text);
    const res = await admin.http
      .post(`/tarnos/agents/equipe/${admin.id}/mot-de-passe`)
      .type('form')
      .send({ _csrf: token, motDePasse: CHOSEN_BY_ADMIN, confirmationMotDePasse: CHOSEN_BY_ADMIN });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Vous ne pouvez pas réinitialiser votre propre mot de passe');
    expect(await mustChange(admin.id)).toBe(false);
  });
});

describe('the first admin, created from the command line', () => {
  it('is not asked to change the password the operator chose for themself', async () => {
    const tarnos = await town(t.db.pool, 'tarnos');
    const result = await createAgent(
      { pool: t.db.pool, clock: t.clock, config: t.config },
      tarnos,
      { username: 'premieradmin', displayName: 'Premier Admin', password: CHOSEN_BY_ADMIN, role: 'admin', mustChangePassword: false },
      { agentId: null, actorLabel: 'ligne de commande', ip: null },
    );
    expect(result.kind).toBe('created');
    const http = t.agent();
    expect((await signInAgent(http, 'tarnos', 'premieradmin', CHOSEN_BY_ADMIN)).headers.location).toBe('/tarnos/agents');
    expect((await http.get('/tarnos/agents/equipe')).status).toBe(200);
  });
});

describe('migration 0012', () => {
  it('flags the agents an admin created before it (they still have the admin’s password), not those of the command line', async () => {
    const byAdmin = await createAgentFixture(t.db.pool, 'tarnos');
    const byCli = await createAgentFixture(t.db.pool, 'tarnos');
    const admin = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    const tarnos = await town(t.db.pool, 'tarnos');
    const created = `insert into audit_log (town_id, agent_id, actor_label, action, target_type, target_id) values ($1, $2, $3, 'agent.create', 'agent', $4)`;
    await t.db.pool.query(created, [tarnos.id, admin.id, 'Admin', byAdmin.id]);
    await t.db.pool.query(created, [tarnos.id, null, 'ligne de commande', byCli.id]);
    // The migration's data step, as written in the file (its column was added with the template).
    const sql = fs.readFileSync(path.join(ROOT_DIR, 'migrations/0014_agent_password_change.sql'), 'utf8');
    const update = sql.slice(sql.indexOf('update agents'));
    await t.db.pool.query(update);
    expect(await mustChange(byAdmin.id)).toBe(true);
    expect(await mustChange(byCli.id)).toBe(false);
    expect(await mustChange(admin.id)).toBe(false);
  });
});
