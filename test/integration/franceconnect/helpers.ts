import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { expect } from 'vitest';
import { DEV_CLIENT_SECRET, devIssuer } from '../../../src/features/dev/identity-provider.js';
import { forgetTown } from '../../../src/middleware/town.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { town } from '../../helpers/fixtures.js';

/**
 * The app over real HTTP: the portal's OpenID Connect client fetches the discovery document,
 * the keys and the tokens of the built-in provider from the app itself, as `npm start` does.
 */
export async function servedTestApp(): Promise<TestApp & { base: string; browser(): supertest.Agent; stop(): Promise<void> }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await createTestApp({ env: { PUBLIC_BASE_URL: base } });
  server.on('request', t.app);
  return {
    ...t,
    base,
    browser: () => supertest.agent(base),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await t.close();
    },
  };
}

/** FranceConnect on for a town, against the built-in provider (client id: the slug) or another. */
export async function enableFranceConnect(
  t: TestApp & { base: string },
  slug: string,
  provider: { clientId: string; secret: string; discoveryUrl: string } = {
    clientId: slug,
    secret: DEV_CLIENT_SECRET,
    discoveryUrl: `${devIssuer(t.base)}/.well-known/openid-configuration`,
  },
): Promise<void> {
  const { id } = await town(t.db.pool, slug);
  await t.db.pool.query(
    `insert into franceconnect_settings (town_id, enabled, client_id, client_secret, discovery_url, eidas_level, updated_at)
     values ($1, true, $2, $3, $4, 'eidas1', now())
     on conflict (town_id) do update set enabled = true, client_id = $2, client_secret = $3, discovery_url = $4, updated_at = now()`,
    [id, provider.clientId, provider.secret, provider.discoveryUrl],
  );
  forgetTown();
}

const path = (location: string, base: string) => {
  const url = new URL(location, base);
  return `${url.pathname}${url.search}`;
};

/**
 * The button, then the built-in provider's pages as a browser walks them, choosing `identity`
 * (or cancelling): returns the portal's return address with the provider's code and state.
 */
export async function throughDevProvider(
  agent: supertest.Agent,
  base: string,
  slug: string,
  identity: string | 'annuler',
  flow: { start: string; callback: string } = { start: urls.franceConnectStart(slug), callback: urls.franceConnectCallback(slug) },
  /** Changes the address the button sends the browser to, as a user could in the address bar. */
  tamper?: (authorize: URL) => void,
): Promise<string> {
  const start = await agent.get(flow.start);
  expect(start.status).toBe(303);
  const authorize = new URL(start.headers.location!, base);
  tamper?.(authorize);
  let next = path(authorize.href, base);
  for (let hops = 0; hops < 10; hops += 1) {
    if (next.startsWith(flow.callback)) return next;
    const res = await agent.get(next);
    if (res.status === 200 && next.includes('/interaction/')) {
      expect(res.text).toContain("Fournisseur d'identité de test");
      const body = identity === 'annuler' ? { action: 'annuler' } : { identite: identity, action: 'continuer' };
      const chosen = await agent.post(next).type('form').send(body);
      expect([302, 303]).toContain(chosen.status);
      next = path(chosen.headers.location!, base);
      continue;
    }
    expect([302, 303]).toContain(res.status);
    next = path(res.headers.location!, base);
  }
  throw new Error('the provider never sent the browser back');
}

/** Signed in: the dashboard, or the CGU a new account must accept first (a visitor goes to the home page). */
export async function signedIn(agent: supertest.Agent, slug: string): Promise<boolean> {
  const res = await agent.get(urls.dashboard(slug));
  return res.status === 200 || res.headers.location === urls.acceptCgu(slug);
}
