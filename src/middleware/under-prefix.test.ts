import express, { Router } from 'express';
import session from 'express-session';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { FixedClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { underPrefix } from './under-prefix.js';

/** A town-like app: two gated areas and the rest, under '/:town', as src/app.ts mounts them. */
function app(seen: string[]) {
  const agents = Router();
  agents.use((req, _res, next) => {
    // Counts every request that walks into the router, matched or not.
    seen.push(`agents ${req.path}`);
    next();
  });
  agents.get('/agents', (_req, res) => res.send('agents home'));
  agents.get('/agents/familles/:id', (req, res) => res.send(`famille ${String(req.params.id)}`));
  const parent = Router();
  parent.use((req, _res, next) => {
    seen.push(`parent ${req.path}`);
    next();
  });
  parent.get('/mon-espace', (_req, res) => res.send('tableau de bord'));
  parent.get('/confirmer-courriel', (_req, res) => res.send('confirmé'));
  const rest = Router();
  rest.get('/', (_req, res) => res.send('accueil'));
  rest.get('/agentsx', (_req, res) => res.send('pas un agent'));
  const a = express();
  a.use('/:town', underPrefix('/agents', agents), underPrefix(['/mon-espace', '/confirmer-courriel'], parent), rest);
  a.use((_req, res) => res.status(404).send('introuvable'));
  return a;
}

describe('underPrefix', () => {
  it('hands the router the requests under its prefix, the full path kept for its absolute routes', async () => {
    const seen: string[] = [];
    const http = supertest(app(seen));
    expect((await http.get('/tarnos/agents')).text).toBe('agents home');
    expect((await http.get('/tarnos/agents/familles/42')).text).toBe('famille 42');
    expect((await http.get('/tarnos/confirmer-courriel')).text).toBe('confirmé');
    expect(seen).toEqual(['agents /agents', 'agents /agents/familles/42', 'parent /confirmer-courriel']);
  });

  it('lets every other request go on without entering the router', async () => {
    const seen: string[] = [];
    const http = supertest(app(seen));
    expect((await http.get('/tarnos/')).text).toBe('accueil');
    // A longer word that starts like the prefix is not under it.
    expect((await http.get('/tarnos/agentsx')).text).toBe('pas un agent');
    expect((await http.get('/tarnos/inconnu')).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it('matches as Express does: any case, an optional trailing slash; unknown paths under the prefix still get the 404', async () => {
    const seen: string[] = [];
    const http = supertest(app(seen));
    expect((await http.get('/tarnos/MON-ESPACE')).text).toBe('tableau de bord');
    expect((await http.get('/tarnos/mon-espace/')).text).toBe('tableau de bord');
    expect((await http.get('/tarnos/agents/inconnu')).status).toBe(404);
    expect(seen).toEqual(['parent /MON-ESPACE', 'parent /mon-espace/', 'agents /agents/inconnu']);
  });

  it("shows the router's routes to whoever walks the app's stack", () => {
    const router = Router();
    router.get('/agents', (_req, res) => res.end());
    const gate = underPrefix('/agents', router);
    expect(gate.stack).toBe(router.stack);
    expect(gate.prefixes).toEqual(['/agents']);
    expect(() => underPrefix('/agents/', router)).toThrow();
  });
});

interface LayerLike {
  route?: { path: unknown };
  handle?: { stack?: LayerLike[]; prefixes?: readonly string[] };
}

describe("the app's gates", () => {
  it('hold only routes under their prefixes: a route put in the wrong area would be unreachable', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      PUBLIC_BASE_URL: 'http://portail.test',
    });
    // Building the app reads nothing from the database: the pool is never called.
    const app = createApp({
      config,
      pool: {} as never,
      logger: createLogger('silent'),
      clock: new FixedClock('2026-11-23T09:00:00Z'),
      sessionStore: new session.MemoryStore(),
    });
    const routes = (stack: LayerLike[]): string[] =>
      stack.flatMap((l) => (l.route ? [String(l.route.path)] : Array.isArray(l.handle?.stack) ? routes(l.handle.stack) : []));
    const gates: { prefixes: readonly string[]; paths: string[] }[] = [];
    const findGates = (stack: LayerLike[]) => {
      for (const l of stack) {
        if (l.handle?.prefixes && l.handle.stack) gates.push({ prefixes: l.handle.prefixes, paths: routes(l.handle.stack) });
        else if (Array.isArray(l.handle?.stack)) findGates(l.handle.stack);
      }
    };
    findGates((app as unknown as { router: { stack: LayerLike[] } }).router.stack);
    expect(gates.map((g) => g.prefixes[0])).toEqual(['/exploitation', '/mon-espace', '/agents', '/creer-mon-espace', '/paiement']);
    for (const gate of gates) {
      expect(gate.paths.length).toBeGreaterThan(0);
      const outside = gate.paths.filter((p) => !gate.prefixes.some((prefix) => p === prefix || p.startsWith(`${prefix}/`)));
      expect(outside).toEqual([]);
    }
  });
});
