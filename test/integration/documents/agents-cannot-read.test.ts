import crypto from 'node:crypto';
import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture } from '../../helpers/fixtures.js';
import { pdf } from '../../helpers/files.js';
import { FIELDS, documentByTitle, postDocument, signedInParent } from './helpers.js';

/**
 * Issue 5: "No agent page, export or URL reaches these files; a test proves it for every
 * back-office route." The routes are not listed by hand: they are read from the Express
 * app itself, so a route added tomorrow is tested tomorrow.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-10T10:00:00+01:00' });
});
afterAll(async () => t.close());

interface RouteInfo {
  method: string;
  path: string;
}

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every route of every router the app mounts (town routers are mounted under /:town). */
function registeredRoutes(app: unknown): RouteInfo[] {
  const found: RouteInfo[] = [];
  const walk = (stack: LayerLike[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') throw new Error(`route path that is not a string: ${String(p)}: this test cannot enumerate it`);
          for (const [method, on] of Object.entries(layer.route.methods)) if (on) found.push({ method, path: p });
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as { router: { stack: LayerLike[] } }).router.stack);
  return found;
}

const binary = (res: supertest.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('no back-office route serves a private document', () => {
  const marker = `MARQUEURPRIVE${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
  let ids: Record<string, string>;
  let agent: supertest.Agent;

  beforeAll(async () => {
    // The owner's document carries the marker in every field and in its file's bytes and name.
    const owner = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    const res = await postDocument(
      owner.agent,
      'tarnos',
      owner.token,
      { ...FIELDS, intitule: `Titre ${marker}`, numero: `N-${marker}`, autoriteDelivrance: `Autorité ${marker}` },
      [{ content: pdf(`Contenu ${marker}`), filename: `fichier-${marker}.pdf` }],
    );
    expect(res.status).toBe(303);
    const doc = await documentByTitle(t, owner.accountId, `Titre ${marker}`);
    // The owner also downloads their data: the audit row it writes must not carry the marker either.
    const page = await owner.agent.get(urls.myData('tarnos'));
    expect(
      (
        await owner.agent
          .post(urls.myDataDownload('tarnos'))
          .type('form')
          .send({ _csrf: csrfFrom(page.text) })
      ).status,
    ).toBe(200);

    const child = await t.db.pool.query<{ id: string }>(`select id from children where family_id = $1 limit 1`, [owner.familyId]);
    ids = {
      document: doc.id,
      file: doc.fileIds[0]!,
      account: owner.accountId,
      family: owner.familyId!,
      child: child.rows[0]?.id ?? crypto.randomUUID(),
    };
    const admin = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    agent = t.agent();
    expect((await signInAgent(agent, 'tarnos', admin.username, admin.password)).status).toBe(303);
  });

  /** Each `:param` gets each candidate id in turn (two parameters: every pair); dates and versions get plausible values. */
  function concretePaths(path: string): string[] {
    const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const valuesFor = (name: string): string[] => {
      if (/day|date|jour/i.test(name)) return ['2026-03-10'];
      if (/month|mois/i.test(name)) return ['2026-03'];
      if (/version/i.test(name)) return ['1'];
      return Object.values(ids);
    };
    let paths = [path];
    for (const name of params) {
      const values = valuesFor(name);
      paths = paths.flatMap((p) => (params.length > 2 ? [values[0]!] : values).map((v) => p.replace(`:${name}`, v)));
    }
    return paths.map((p) => `/tarnos${p}`);
  }

  it('GETs every back-office route with every id of the family and the document: the marker never comes back', async () => {
    const routes = registeredRoutes(t.app).filter((r) => r.method === 'get' && (r.path === '/agents' || r.path.startsWith('/agents/')));
    // Enough routes to mean something: the back-office has far more than this.
    expect(routes.length).toBeGreaterThan(10);
    const statuses = new Map<number, number>();
    let requests = 0;
    for (const route of routes) {
      for (const url of concretePaths(route.path)) {
        const res = await agent.get(url).buffer(true).parse(binary);
        requests += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (res.body as Buffer).toString('latin1');
        expect(body.includes(marker), `GET ${url} (${route.path}) returned the private document`).toBe(false);
        expect(JSON.stringify(res.headers).includes(marker), `GET ${url} headers`).toBe(false);
        expect(res.status, `GET ${url}`).toBeLessThan(500);
      }
    }
    // The agent was really signed in and really saw pages (not a wall of 404s).
    expect(statuses.get(200) ?? 0).toBeGreaterThan(5);
    expect(requests).toBeGreaterThan(routes.length);
  });

  it('the agent gets 404 on the parent’s document URLs themselves', async () => {
    expect((await agent.get(urls.documentFile('tarnos', ids.document!, ids.file!))).status).toBe(404);
    expect((await agent.get(urls.documentDelete('tarnos', ids.document!))).status).toBe(404);
    const list = await agent.get(urls.documents('tarnos'));
    expect(list.status).toBe(303);
    expect(list.text).not.toContain(marker);
  });

  it('stores the marker in the file’s bytes (else the proof above would prove nothing)', async () => {
    // Without this, a typo in the marker would make the test above pass for nothing.
    const { rows } = await t.db.pool.query<{ n: number }>(
      `select count(*)::int as n from private_document_files where position('${marker}' in encode(content, 'escape')) > 0`,
    );
    expect(rows[0]!.n).toBe(1);
  });
});
