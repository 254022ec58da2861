import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_SECRET, devIssuer } from '../../../src/features/dev/identity-provider.js';
import { urls } from '../../../src/routes.js';
import { csrfToken } from '../../helpers/app.js';
import { createAgentFixture } from '../../helpers/fixtures.js';
import { post, signedIn as signedInAgent, type SignedInAgent } from '../settings/helpers.js';
import { textOf } from '../signup/signup-helpers.js';
import { servedTestApp, throughDevProvider } from './helpers.js';

/**
 * Issue 18, agents: ProConnect opens only an agent an admin created with that email and
 * allowed; nobody is created by signing in; the password sign-in can be switched off only
 * while an admin can use ProConnect.
 */
let t: Awaited<ReturnType<typeof servedTestApp>>;
let admin: SignedInAgent;
const SETTINGS = urls.agentSettingsProConnect('tarnos');
const flow = { start: urls.agentProConnectStart('tarnos'), callback: urls.agentProConnectCallback('tarnos') };

beforeAll(async () => {
  t = await servedTestApp();
  admin = await signedInAgent(t, 'tarnos', 'admin');
});
afterAll(async () => t.stop());

const settings = (overrides: Record<string, string> = {}) => ({
  active: 'oui',
  identifiantClient: 'tarnos',
  secretClient: DEV_CLIENT_SECRET,
  urlDecouverte: `${devIssuer(t.base)}/.well-known/openid-configuration`,
  motDePasse: 'oui',
  ...overrides,
});
const agentCount = async () => (await t.db.pool.query<{ n: number }>('select count(*)::int as n from agents')).rows[0]!.n;
const setEmail = (id: string, email: string) => t.db.pool.query('update agents set email = $2 where id = $1', [id, email]);

describe('ProConnect for agents', () => {
  it('is enabled by an admin; the team page allows an agent, who then signs in with it', async () => {
    expect((await post(admin, SETTINGS, settings())).status).toBe(303);
    const signin = await t.browser().get(urls.agentSignIn('tarnos'));
    expect(textOf(signin.text)).toContain("S'identifier avec ProConnect");

    const claire = await createAgentFixture(t.db.pool, 'tarnos', 'agent');
    await setEmail(claire.id, 'Claire.Martin@mairie.exemple.fr');
    // Not allowed yet: refused, and nobody created.
    const before = await agentCount();
    const first = t.browser();
    const refused = await first.get(await throughDevProvider(first, t.base, 'tarnos', 'pc-claire-martin', flow));
    expect(refused.status).toBe(403);
    expect(textOf(refused.text)).toContain('Un administrateur doit créer votre compte');
    expect((await first.get(urls.agentHome('tarnos'))).status).not.toBe(200);
    expect(await agentCount()).toBe(before);

    expect((await post(admin, urls.agentTeamProConnect('tarnos', claire.id), { autoriser: 'oui' })).status).toBe(303);
    const team = await admin.agent.get(urls.agentTeam('tarnos'));
    expect(textOf(team.text)).toContain('Retirer ProConnect pour');

    const browser = t.browser();
    const back = await browser.get(await throughDevProvider(browser, t.base, 'tarnos', 'pc-claire-martin', flow));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(urls.agentHome('tarnos'));
    expect((await browser.get(urls.agentHome('tarnos'))).status).toBe(200);
    const audit = await t.db.pool.query(`select action from audit_log where agent_id = $1`, [claire.id]);
    expect(audit.rows.map((r) => r.action)).toContain('proconnect.sign_in');
  });

  it('an email no agent of the town has opens nothing and creates nobody', async () => {
    const before = await agentCount();
    const browser = t.browser();
    const res = await browser.get(await throughDevProvider(browser, t.base, 'tarnos', 'pc-paul-durand', flow));
    expect(res.status).toBe(403);
    expect(await agentCount()).toBe(before);
  });

  it('the settings and the allowance are for admins, with their token', async () => {
    const agent = await signedInAgent(t, 'tarnos', 'agent');
    expect((await agent.agent.get(SETTINGS)).status).toBe(404);
    expect((await post(agent, urls.agentTeamProConnect('tarnos', agent.id), { autoriser: 'oui' })).status).toBe(404);
    const noToken = await admin.agent.post(urls.agentTeamProConnect('tarnos', agent.id)).type('form').send({ autoriser: 'oui' });
    expect(noToken.status).toBe(403);
    // An agent of another town: 404.
    const stranger = await createAgentFixture(t.db.pool, 'bayeux', 'agent');
    expect((await post(admin, urls.agentTeamProConnect('tarnos', stranger.id), { autoriser: 'oui' })).status).toBe(404);
  });
  it('switches the password sign-in off only while an admin can use ProConnect, and admins cannot lock themselves out', async () => {
    // A second admin, signed in while passwords still work.
    const second = await signedInAgent(t, 'tarnos', 'admin');
    const off = await post(admin, SETTINGS, settings({ secretClient: '', motDePasse: 'non' }));
    expect(off.status).toBe(400);
    expect(textOf(off.text)).toContain('au moins un administrateur actif');

    await setEmail(admin.id, 'admin@mairie.exemple.fr');
    expect((await post(admin, urls.agentTeamProConnect('tarnos', admin.id), { autoriser: 'oui' })).status).toBe(303);
    expect((await post(admin, SETTINGS, settings({ secretClient: '', motDePasse: 'non' }))).status).toBe(303);

    // A right password now opens nothing.
    const other = await createAgentFixture(t.db.pool, 'tarnos', 'agent');
    const browser = t.browser();
    const page = await browser.get(urls.agentSignIn('tarnos'));
    expect(textOf(page.text)).toContain('connectez-vous avec ProConnect');
    const token = await csrfToken(browser, urls.townHome('tarnos'));
    const res = await browser
      .post(urls.agentSignIn('tarnos'))
      .type('form')
      .send({ _csrf: token, identifiant: other.username, motDePasse: other.password });
    expect(res.status).toBe(403);
    expect((await browser.get(urls.agentHome('tarnos'))).status).not.toBe(200);

    // The last ProConnect admin keeps the allowance while passwords are off.
    await post(admin, urls.agentTeamProConnect('tarnos', admin.id), { autoriser: 'non' });
    const allowed = await t.db.pool.query('select proconnect_allowed from agents where id = $1', [admin.id]);
    expect(allowed.rows[0].proconnect_allowed).toBe(true);
    // Nor can another admin disable them.
    const disable = await post(second, urls.agentTeamDisable('tarnos', admin.id), {});
    expect(disable.status).toBe(400);
    expect(textOf(disable.text)).toContain('dernier administrateur qui peut se connecter avec ProConnect');
    const still = await t.db.pool.query('select disabled_at from agents where id = $1', [admin.id]);
    expect(still.rows[0].disabled_at).toBeNull();
  });
});
