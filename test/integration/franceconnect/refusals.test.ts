import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { csrfFrom } from '../../helpers/app.js';
import { startFakeOidc, type FakeOidc, type IdTokenFault } from '../../helpers/fake-oidc.js';
import { createParent } from '../../helpers/fixtures.js';
import { enableFranceConnect, servedTestApp, signedIn, throughDevProvider } from './helpers.js';

/**
 * Issue 18: every answer that cannot be verified is refused with a French page and signs
 * nobody in. The built-in provider for what a browser can do (a forged state, a replayed
 * code, cancelling); a provider built with jose for what only a broken or hostile provider
 * sends (the ID token's signature, issuer, audience, expiry, nonce).
 */
let t: Awaited<ReturnType<typeof servedTestApp>>;
let fake: FakeOidc;
beforeAll(async () => {
  t = await servedTestApp();
  await enableFranceConnect(t, 'tarnos');
  fake = await startFakeOidc('client-bayeux');
  await enableFranceConnect(t, 'bayeux', { clientId: 'client-bayeux', secret: 'secret', discoveryUrl: fake.discoveryUrl });
});
afterAll(async () => {
  await fake.close();
  await t.stop();
});

const REFUSED = 'pas pu aboutir : la réponse reçue';

async function linkedParent(slug: string, sub: string) {
  const parent = await createParent(t.db.pool, slug);
  const { rows } = await t.db.pool.query('select town_id from accounts where id = $1', [parent.id]);
  await t.db.pool.query(`insert into franceconnect_identities (town_id, account_id, sub, linked_at) values ($1, $2, $3, now())`, [
    rows[0].town_id,
    parent.id,
    sub,
  ]);
  return parent;
}

describe('against the built-in provider', () => {
  it('a forged state is refused', async () => {
    await linkedParent('tarnos', 'fc-angela-dubois');
    const agent = t.browser();
    const callback = new URL(await throughDevProvider(agent, t.base, 'tarnos', 'fc-angela-dubois'), t.base);
    callback.searchParams.set('state', 'etat-forge');
    const res = await agent.get(`${callback.pathname}${callback.search}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain(REFUSED);
    expect(await signedIn(agent, 'tarnos')).toBe(false);
  });

  it('a replayed code is refused, in the same browser or another', async () => {
    const agent = t.browser();
    const callback = await throughDevProvider(agent, t.base, 'tarnos', 'fc-angela-dubois');
    expect((await agent.get(callback)).status).toBe(303);
    expect(await signedIn(agent, 'tarnos')).toBe(true);
    const again = await agent.get(callback);
    expect(again.status).toBe(400);
    expect(again.text).toContain(REFUSED);
    // An attacker's browser, with a flow of its own started: the code is not its flow's.
    const other = t.browser();
    await other.get(urls.franceConnectStart('tarnos'));
    const stolen = await other.get(callback);
    expect(stolen.status).toBe(400);
    expect(await signedIn(other, 'tarnos')).toBe(false);
  });

  it('an identity verified below the town’s eIDAS level is refused, even when the browser asked for less', async () => {
    // (fc-angela-dubois is linked by the first test of this block.)
    await t.db.pool.query(`update franceconnect_settings set eidas_level = 'eidas3', updated_at = now() where client_id = 'tarnos'`);
    try {
      // The level is a parameter of the address the browser follows: lowered there, the
      // provider verifies (and says, in the ID token's acr) the lower level.
      const lowered = t.browser();
      const callback = await throughDevProvider(lowered, t.base, 'tarnos', 'fc-angela-dubois', undefined, (url) => {
        expect(url.searchParams.get('acr_values')).toBe('eidas3');
        url.searchParams.set('acr_values', 'eidas1');
      });
      const res = await lowered.get(callback);
      expect(res.status).toBe(400);
      expect(res.text).toContain(REFUSED);
      expect(await signedIn(lowered, 'tarnos')).toBe(false);
      // At the level asked, the same identity signs in.
      const honest = t.browser();
      expect((await honest.get(await throughDevProvider(honest, t.base, 'tarnos', 'fc-angela-dubois'))).status).toBe(303);
      expect(await signedIn(honest, 'tarnos')).toBe(true);
    } finally {
      await t.db.pool.query(`update franceconnect_settings set eidas_level = 'eidas1', updated_at = now() where client_id = 'tarnos'`);
    }
  });

  it('cancelling at the provider comes back to a French page, signed out', async () => {
    const agent = t.browser();
    const res = await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'annuler'));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Vous avez annulé la connexion avec FranceConnect');
    expect(await signedIn(agent, 'tarnos')).toBe(false);
  });

  it('an identity linked in one town opens nothing in another', async () => {
    await linkedParent('tarnos', 'fc-amina-benali');
    await enableFranceConnect(t, 'villennes');
    const agent = t.browser();
    const res = await agent.get(await throughDevProvider(agent, t.base, 'villennes', 'fc-amina-benali'));
    expect(res.headers.location).toBe(urls.franceConnectFirstUse('villennes'));
    expect(await signedIn(agent, 'villennes')).toBe(false);
    expect(await signedIn(agent, 'tarnos')).toBe(false);
  });

  it('an account whose email matches the identity is not linked by it', async () => {
    const parent = await createParent(t.db.pool, 'tarnos', { email: 'pierre.mercier@exemple.fr' });
    const agent = t.browser();
    const res = await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'fc-pierre-mercier'));
    expect(res.headers.location).toBe(urls.franceConnectFirstUse('tarnos'));
    expect(await signedIn(agent, 'tarnos')).toBe(false);
    const { rows } = await t.db.pool.query('select 1 from franceconnect_identities where account_id = $1', [parent.id]);
    expect(rows).toEqual([]);
    // Nor by typing that email without the password.
    const page = await agent.get(urls.franceConnectFirstUse('tarnos'));
    const res2 = await agent
      .post(urls.franceConnectFirstUse('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), identifiant: parent.email, motDePasse: '' });
    expect(res2.status).toBe(400);
    expect(res2.text).toContain('Saisissez votre mot de passe');
    expect((await t.db.pool.query('select 1 from franceconnect_identities where account_id = $1', [parent.id])).rows).toEqual([]);
  });

  it('linking from the first-use page without its token is refused', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const agent = t.browser();
    await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'fc-pierre-mercier'));
    const res = await agent
      .post(urls.franceConnectFirstUse('tarnos'))
      .type('form')
      .send({ identifiant: parent.username, motDePasse: parent.password });
    expect(res.status).toBe(403);
    expect((await t.db.pool.query('select 1 from franceconnect_identities where account_id = $1', [parent.id])).rows).toEqual([]);
  });
});

describe('against a provider whose ID token is wrong', () => {
  /** The button, then the return address with a code, as the provider would send the browser back. */
  async function returnWith(fault: IdTokenFault) {
    await linkedParent('bayeux', `sub-${fault}`);
    fake.sub = `sub-${fault}`;
    fake.fault = fault;
    const agent = t.browser();
    const start = await agent.get(urls.franceConnectStart('bayeux'));
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.location!);
    expect(authorize.origin).toBe(fake.issuer);
    // What the portal asks: PKCE, a state and a nonce, the eIDAS level.
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('acr_values')).toBe('eidas1');
    fake.nonce = authorize.searchParams.get('nonce')!;
    const res = await agent.get(`${urls.franceConnectCallback('bayeux')}?code=code-${fault}&state=${authorize.searchParams.get('state')}`);
    return { res, agent };
  }

  it('a valid ID token signs the linked parent in (the fake provider itself is right)', async () => {
    const { res, agent } = await returnWith('none');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.dashboard('bayeux'));
    expect(await signedIn(agent, 'bayeux')).toBe(true);
  });

  for (const fault of ['bad-signature', 'wrong-issuer', 'wrong-audience', 'expired', 'wrong-nonce'] as const) {
    it(`an ID token with ${fault} is refused, nobody signed in`, async () => {
      const { res, agent } = await returnWith(fault);
      expect(res.status).toBe(400);
      expect(res.text).toContain(REFUSED);
      expect(await signedIn(agent, 'bayeux')).toBe(false);
    });
  }

  it('a provider that does not answer gives a French page', async () => {
    await enableFranceConnect(t, 'bondoufle', {
      clientId: 'x',
      secret: 'y',
      discoveryUrl: 'http://127.0.0.1:9/.well-known/openid-configuration',
    });
    const res = await t.browser().get(urls.franceConnectStart('bondoufle'));
    expect(res.status).toBe(503);
    expect(res.text).toContain('FranceConnect ne répond pas pour le moment');
  });
});
