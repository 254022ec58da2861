import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { csrfFrom } from '../../helpers/app.js';
import { createParent } from '../../helpers/fixtures.js';
import { enableFranceConnect, servedTestApp, signedIn, throughDevProvider } from './helpers.js';

/**
 * Issue 18: a parent signs in with FranceConnect through the real flow against the built-in
 * provider; an identity is linked only by the account's password, never by its email, and
 * only in its own town.
 */
let t: Awaited<ReturnType<typeof servedTestApp>>;
beforeAll(async () => {
  t = await servedTestApp();
  await enableFranceConnect(t, 'tarnos');
  await enableFranceConnect(t, 'bayeux');
});
afterAll(async () => t.stop());

const identityRows = async (accountId: string) =>
  (await t.db.pool.query('select sub, last_used_at from franceconnect_identities where account_id = $1', [accountId])).rows;

describe('the sign-in block', () => {
  it('shows the FranceConnect button and its link only where the town enabled it', async () => {
    const on = await t.browser().get(urls.townHome('tarnos'));
    expect(on.text).toContain("S'identifier avec");
    expect(on.text).toContain("Qu'est-ce que FranceConnect ?");
    const off = await t.browser().get(urls.townHome('villennes'));
    expect(off.text).not.toContain('FranceConnect');
    // And its addresses answer 404 there.
    expect((await t.browser().get(urls.franceConnectStart('villennes'))).status).toBe(404);
  });
});

describe('first use: linking an account', () => {
  it('links with the password, then the button alone signs in, and Mon compte can unlink', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const agent = t.browser();
    const back = await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'fc-pierre-mercier'));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(urls.franceConnectFirstUse('tarnos'));
    const firstUse = await agent.get(urls.franceConnectFirstUse('tarnos'));
    expect(firstUse.text).toContain('Pierre');
    expect(await signedIn(agent, 'tarnos')).toBe(false);

    // A wrong password links nothing and signs nobody in.
    const token = csrfFrom(firstUse.text);
    const wrong = await agent
      .post(urls.franceConnectFirstUse('tarnos'))
      .type('form')
      .send({ _csrf: token, identifiant: parent.username, motDePasse: 'mauvais' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Identifiant ou mot de passe incorrect');
    expect(await identityRows(parent.id)).toEqual([]);
    expect(await signedIn(agent, 'tarnos')).toBe(false);

    const linked = await agent
      .post(urls.franceConnectFirstUse('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(wrong.text), identifiant: parent.username, motDePasse: parent.password });
    expect(linked.status).toBe(303);
    expect(linked.headers.location).toBe(urls.dashboard('tarnos'));
    expect(await signedIn(agent, 'tarnos')).toBe(true);
    expect(await identityRows(parent.id)).toEqual([expect.objectContaining({ sub: 'fc-pierre-mercier' })]);
    const audit = await t.db.pool.query(`select action from audit_log where target_id = $1`, [parent.id]);
    expect(audit.rows.map((r) => r.action)).toContain('franceconnect.link');

    // Another browser: the button alone opens the account.
    const later = t.browser();
    const again = await later.get(await throughDevProvider(later, t.base, 'tarnos', 'fc-pierre-mercier'));
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(urls.dashboard('tarnos'));
    expect(await signedIn(later, 'tarnos')).toBe(true);

    // Mon compte shows the link, and "Délier" ends it.
    const credentials = await later.get(urls.credentials('tarnos'));
    expect(credentials.text).toContain('Délier');
    const unlinked = await later
      .post(urls.franceConnectUnlink('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(credentials.text) });
    expect(unlinked.status).toBe(303);
    expect(await identityRows(parent.id)).toEqual([]);
    const audit2 = await t.db.pool.query(`select action from audit_log where target_id = $1`, [parent.id]);
    expect(audit2.rows.map((r) => r.action)).toContain('franceconnect.unlink');
  });
});

describe('signing out', () => {
  it('ends the FranceConnect session too, through its end-session endpoint, and comes back signed out', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const agent = t.browser();
    await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'fc-amina-benali'));
    const firstUse = await agent.get(urls.franceConnectFirstUse('tarnos'));
    await agent
      .post(urls.franceConnectFirstUse('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(firstUse.text), identifiant: parent.username, motDePasse: parent.password });
    const dashboard = await agent.get(urls.dashboard('tarnos'));
    expect(dashboard.status).toBe(200);

    const out = await agent
      .post(urls.signOut('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(dashboard.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe(urls.franceConnectSignOut('tarnos'));
    expect(await signedIn(agent, 'tarnos')).toBe(false);
    const leaving = await agent.get(urls.franceConnectSignOut('tarnos'));
    expect(leaving.status).toBe(200);
    const endSession = new URL(/url=(.*)$/.exec(leaving.headers.refresh!)![1]!);
    expect(endSession.pathname).toBe(`${urls.devIdentityProvider()}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${t.base}/tarnos/?deconnexion=1`);

    // The provider asks, in French, then sends the browser back to the town's home page.
    const confirm = await agent.get(`${endSession.pathname}${endSession.search}`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Se déconnecter');
    const action = /action="([^"]+)"/.exec(confirm.text)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    const done = await agent.post(new URL(action, t.base).pathname).type('form').send({ xsrf, logout: 'yes' });
    expect([302, 303]).toContain(done.status);
    expect(done.headers.location).toBe(`${t.base}/tarnos/?deconnexion=1`);
    // Used once: the page does not send anyone to FranceConnect again.
    expect((await agent.get(urls.franceConnectSignOut('tarnos'))).status).toBe(303);
  });
});
