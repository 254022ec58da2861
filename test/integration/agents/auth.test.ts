import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setAgentDisabled } from '../../../src/repositories/agents.repository.js';
import { createTestApp, csrfFrom, csrfToken, TEST_CAPTCHA, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T09:00:00Z');
});

async function signInAgentWithCaptcha(agent: ReturnType<TestApp['agent']>, identifiant: string, motDePasse: string) {
  const token = await csrfToken(agent, '/tarnos/agents/connexion');
  return agent.post('/tarnos/agents/connexion').type('form').send({ _csrf: token, identifiant, motDePasse, texteControle: TEST_CAPTCHA });
}

describe('agents signing in', () => {
  it('opens the back-office home and writes the sign-in to the audit log', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    const res = await signInAgent(agent, 'tarnos', a.username, a.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents');
    const home = await agent.get('/tarnos/agents');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`Bonjour ${a.displayName}`);
    const { rows } = await t.db.pool.query(`select action, ip from audit_log where agent_id = $1`, [a.id]);
    expect(rows.map((r) => r.action)).toContain('agent.sign_in');
    expect(rows[0].ip).toBeTruthy();
  });

  // Issue 10: the lock used to refuse the agent too; now it holds only for browsers that never signed in as them.
  it('fails generically, and locks new browsers, not the known one, after repeated failures', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const desk = t.agent();
    expect((await signInAgent(desk, 'tarnos', a.username, a.password)).status).toBe(303);
    await desk
      .post('/tarnos/agents/deconnexion')
      .type('form')
      .send({ _csrf: csrfFrom((await desk.get('/tarnos/agents')).text) });
    const unknown = await signInAgent(t.agent(), 'tarnos', 'personne', 'X');
    const wrong = await signInAgent(t.agent(), 'tarnos', a.username, 'Faux-Mot-2026');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Identifiant ou mot de passe incorrect');
    const stranger = t.agent();
    for (let i = 0; i < 9; i++) await signInAgentWithCaptcha(stranger, a.username, 'Faux-Mot-2026');
    const fresh = t.agent();
    await signInAgent(fresh, 'tarnos', a.username, a.password);
    expect((await signInAgentWithCaptcha(fresh, a.username, a.password)).status).toBe(401);
    expect((await signInAgent(desk, 'tarnos', a.username, a.password)).status).toBe(303);
  });

  it('refuses sign-in without the CSRF token', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    expect(
      (await t.agent().post('/tarnos/agents/connexion').type('form').send({ identifiant: a.username, motDePasse: a.password })).status,
    ).toBe(403);
  });
});

describe('the back-office is closed to everyone else', () => {
  it('answers 404 to anonymous visitors and to parents', async () => {
    expect((await t.agent().get('/tarnos/agents')).status).toBe(404);
    const parent = await createParent(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signIn(agent, 'tarnos', parent.username, parent.password);
    expect((await agent.get('/tarnos/agents')).status).toBe(404);
  });

  it("answers 404 to an agent of another town, and an agent's session opens no parent page", async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signInAgent(agent, 'tarnos', a.username, a.password);
    expect((await agent.get('/bayeux/agents')).status).toBe(404);
    expect((await signInAgent(t.agent(), 'bayeux', a.username, a.password)).status).toBe(401);
    expect((await agent.get('/tarnos/mon-espace')).status).toBe(303);
  });

  it('ends the session after 15 minutes idle and 8 hours in all', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const idle = t.agent();
    await signInAgent(idle, 'tarnos', a.username, a.password);
    t.clock.advance(14 * 60 * 1000);
    expect((await idle.get('/tarnos/agents')).status).toBe(200);
    t.clock.advance(14 * 60 * 1000);
    expect((await idle.get('/tarnos/agents')).status).toBe(200);
    t.clock.advance(16 * 60 * 1000);
    expect((await idle.get('/tarnos/agents')).status).toBe(404);

    t.clock.set('2026-11-23T09:00:00Z');
    const busy = t.agent();
    await signInAgent(busy, 'tarnos', a.username, a.password);
    for (let i = 0; i < 8 * 6; i++) {
      t.clock.advance(10 * 60 * 1000);
      expect((await busy.get('/tarnos/agents')).status).toBe(200);
    }
    t.clock.advance(60 * 1000);
    expect((await busy.get('/tarnos/agents')).status).toBe(404);
  });

  it('past its 8 hours, leaves the sign-in page working for the next sign-in', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signInAgent(agent, 'tarnos', a.username, a.password);
    t.clock.advance(8 * 60 * 60 * 1000 + 1000);
    expect((await agent.get('/tarnos/agents/connexion')).status).toBe(200);
    expect((await signInAgent(agent, 'tarnos', a.username, a.password)).status).toBe(303);
    expect((await agent.get('/tarnos/agents')).status).toBe(200);
  });

  it('ends every session of a disabled agent at once', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signInAgent(agent, 'tarnos', a.username, a.password);
    expect((await agent.get('/tarnos/agents')).status).toBe(200);
    // As the team page's "Désactiver" writes it.
    await setAgentDisabled(t.db.pool, a.townId, a.id, new Date());
    expect((await agent.get('/tarnos/agents')).status).toBe(404);
    expect((await signInAgent(t.agent(), 'tarnos', a.username, a.password)).status).toBe(401);
  });

  it('signs out with a POST', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signInAgent(agent, 'tarnos', a.username, a.password);
    const home = await agent.get('/tarnos/agents');
    expect((await agent.post('/tarnos/agents/deconnexion').type('form').send({})).status).toBe(403);
    const out = await agent
      .post('/tarnos/agents/deconnexion')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    expect((await agent.get('/tarnos/agents')).status).toBe(404);
  });
});

describe('the audit log', () => {
  it('can be neither changed nor deleted', async () => {
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    await signInAgent(t.agent(), 'tarnos', a.username, a.password);
    await expect(t.db.pool.query(`update audit_log set action = 'x' where agent_id = $1`, [a.id])).rejects.toThrow(/cannot be changed/);
    await expect(t.db.pool.query(`delete from audit_log where agent_id = $1`, [a.id])).rejects.toThrow(/cannot be changed/);
  });
});
