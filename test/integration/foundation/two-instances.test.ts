import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { csrfFrom } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createParent } from '../../helpers/fixtures.js';
import { RoundRobinProxy } from '../../helpers/round-robin-proxy.js';
import { serveOnDatabase } from '../../helpers/served-app.js';

/**
 * Two processes of the app on one database behind a load balancer without stickiness
 * (issue 20, ADR 0023): whatever a request needs from an earlier one — the session, the
 * form's CSRF token, the count of failed sign-ins — lives in PostgreSQL or in the signed
 * cookies both instances can check, never in one process. (Jobs and mail claimed once by
 * one of several instances: job-queue.test.ts.)
 */
const NOW = '2026-12-03T09:00:00Z';
let db: TestDatabase;
let instances: Array<{ url: string; close(): Promise<void> }> = [];
let proxy: RoundRobinProxy;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  instances = await Promise.all([serveOnDatabase(db, { now: NOW }), serveOnDatabase(db, { now: NOW })]);
  proxy = new RoundRobinProxy(instances.map((i) => i.url));
  base = await proxy.start();
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(instances.map((i) => i.close()));
  await db?.drop();
});

describe('two instances behind one proxy', () => {
  it('keeps a parent signed in whichever instance answers, and signs them out of both at once', async () => {
    const parent = await createParent(db.pool, 'tarnos', { lastName: 'Deuxinstances' });
    const agent = supertest.agent(base);
    // The form from one instance, its POST to the other: the token and its cookie hold there.
    const token = csrfFrom((await agent.get(urls.townHome('tarnos')).set('x-test-backend', '0')).text);
    const signIn = await agent
      .post(urls.signIn('tarnos'))
      .set('x-test-backend', '1')
      .type('form')
      .send({ _csrf: token, identifiant: parent.username, motDePasse: parent.password });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe(urls.dashboard('tarnos'));

    // Round robin from here: four pages, two from each instance, all the parent's.
    const before = [...proxy.served];
    for (let i = 0; i < 4; i++) {
      const res = await agent.get(urls.dashboard('tarnos'));
      expect(res.status).toBe(200);
      expect(res.text).toContain('Bonjour Monsieur DEUXINSTANCES.');
    }
    expect(proxy.served.map((n, i) => n - before[i]!)).toEqual([2, 2]);

    // Signed out through one instance: the other no longer knows the session either.
    const dashboard = await agent.get(urls.dashboard('tarnos')).set('x-test-backend', '0');
    const out = await agent
      .post(urls.signOut('tarnos'))
      .set('x-test-backend', '0')
      .type('form')
      .send({ _csrf: csrfFrom(dashboard.text) });
    expect(out.status).toBe(303);
    const after = await agent.get(urls.dashboard('tarnos')).set('x-test-backend', '1');
    expect(after.status).toBe(303);
    expect(after.headers.location).not.toBe(urls.dashboard('tarnos'));
  });

  it('counts wrong passwords across both instances: after three, the security check is asked wherever the next lands', async () => {
    const parent = await createParent(db.pool, 'tarnos');
    const agent = supertest.agent(base);
    const attempt = async (backend: number, motDePasse: string) => {
      const token = csrfFrom((await agent.get(urls.townHome('tarnos')).set('x-test-backend', String(1 - backend))).text);
      return agent
        .post(urls.signIn('tarnos'))
        .set('x-test-backend', String(backend))
        .type('form')
        .send({ _csrf: token, identifiant: parent.username, motDePasse });
    };
    for (const backend of [0, 1, 0]) {
      const wrong = await attempt(backend, 'pas-le-bon-mot-de-passe');
      expect(wrong.text).toContain('Identifiant ou mot de passe incorrect');
    }
    // The right password, on the instance that saw one failure only: it still asks for the check.
    const fourth = await attempt(1, parent.password);
    expect(fourth.status).not.toBe(303);
    expect(fourth.text).toContain('Plusieurs connexions ont échoué');
  });
});
