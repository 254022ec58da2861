import fc from 'fast-check';
import session from 'express-session';
import { match } from 'path-to-regexp';
import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { csrfFrom } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent } from '../../helpers/fixtures.js';
import { serveTestApp, type ServedApp } from '../../helpers/served-app.js';
import { createActivity, createFamilyWithChild, enrol } from '../reservations/helpers.js';

/**
 * Issue 10's property: whatever is sent to whatever route — arbitrary strings, days far and
 * near, NUL bytes, long strings, in path parameters, query parameters and form fields — the
 * portal answers in under a second and never with a 500.
 *
 * The routes are read from the app's own router, so a route added later is fuzzed without
 * touching this file. The parameters are discovered the same way a visitor would: the pages
 * of the routes are fetched once (signed in as a parent of a family and as an admin), and
 * their forms give the fields of each POST route, their links the query parameters and real
 * ids (a family, a child, an activity…) so that the handlers behind the guards are reached.
 * The app runs in its own process (served-app.ts), so a hang is a timeout here, not a
 * frozen test run; the process is restarted after one.
 */

const NOW = '2026-11-23T09:00:00Z';
/** Fixed, so CI is repeatable; FUZZ_SEED and FUZZ_RUNS explore further by hand. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
/** Random cases per route, after its edge cases: a few hundred requests over ~170 routes. */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 2);
/** FUZZ_ONLY (a regular expression on 'post /:town/…') replays some routes with the same seeds. */
const ONLY = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : undefined;
const LIMIT_MS = 1_000;

interface RouteInfo {
  method: 'get' | 'post';
  path: string;
  match: (path: string) => false | { params: Partial<Record<string, string | string[]>> };
  params: string[];
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every GET and POST route of the app, with the prefixes of the routers it sits in. */
function appRoutes(pool: ServedApp['db']['pool']): RouteInfo[] {
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_BASE_URL: 'http://portail.test',
  });
  // Built only to read its router, on the served app's database in case building it queries.
  const app = createApp({
    config,
    pool,
    logger: createLogger('silent'),
    clock: new FixedClock(NOW),
    sessionStore: new session.MemoryStore(),
  });
  const found = new Map<string, RouteInfo>();
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of [layer.route.path].flat()) {
          if (typeof p !== 'string') throw new Error(`a route path that is not a string (${String(p)}): teach this test to fuzz it`);
          const full = `${prefix}${p}`.replace(/\/+$/, '') || '/';
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (!on || (method !== 'get' && method !== 'post')) continue;
            const matcher = match(full, { decode: decodeURIComponent });
            const params = [...full.matchAll(/:(\w+)/g)].map((m) => m[1]!);
            found.set(`${method} ${full}`, { method, path: full, match: matcher, params });
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return [...found.values()].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

// ---------------------------------------------------------------- what gets thrown

/** Days and months at and beyond the accepted range, in every shape the portal reads. */
const FAR_AND_NEAR = [
  '9999-12-31',
  '0000-01-01',
  '1899-12-31',
  '2201-01-01',
  '1900-01-01',
  '2200-12-31',
  '2026-02-29',
  '2026-12-10',
  '9999-12',
  '0000-01',
  '2201-01',
  '31/12/9999',
  '01/01/0000',
  '31/12/1899',
  '01/01/2201',
  '10/12/2026',
  'mois:9999-12',
  'mois:0000-01',
  'semaine:9999-12-31',
  'semaine:0000-01-01',
  '+010000-01-01',
  '-000001-12-31',
];
const ODD = [
  '\0',
  'a\0b',
  '%00',
  '',
  ' ',
  '0',
  '-1',
  '1e308',
  '99999999999999999999',
  'NaN',
  '..',
  '../../etc/passwd',
  "'",
  '"><script>',
  '{}',
  '[]',
];

const dayLike = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .chain(([y, m, d]) => {
    const [yy, mm, dd] = [String(y).padStart(4, '0'), String(m).padStart(2, '0'), String(d).padStart(2, '0')];
    return fc.constantFrom(`${yy}-${mm}-${dd}`, `${dd}/${mm}/${yy}`, `${yy}-${mm}`, `mois:${yy}-${mm}`, `semaine:${yy}-${mm}-${dd}`);
  });

const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FAR_AND_NEAR) },
  { weight: 3, arbitrary: dayLike },
  { weight: 2, arbitrary: fc.constantFrom(...ODD) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // Long, but short enough once percent-encoded (up to 9 bytes a grapheme) for a URL.
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 400, maxLength: 600 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(5_000)) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s}\0${s}`) },
);

/** A form or query value: usually one string, sometimes the field repeated. */
const fieldValue = fc.oneof(
  { weight: 5, arbitrary: anyString },
  { weight: 1, arbitrary: fc.array(anyString, { minLength: 2, maxLength: 3 }) },
);

/** Lone surrogates (which no encoder takes) as U+FFFD, like a browser sends them. */
function wellFormed(value: string): string {
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Percent-encodes every UTF-8 byte outside the unreserved set. */
function enc(value: string): string {
  return encodeURIComponent(wellFormed(value));
}

function formBody(fields: [string, string | string[]][]): string {
  return fields.flatMap(([k, v]) => [v].flat().map((one) => `${enc(k)}=${enc(one)}`)).join('&');
}

// ---------------------------------------------------------------- the portal, signed in twice

let s: ServedApp;
let routes: RouteInfo[] = [];
type Role = 'parent' | 'admin';
const sessions: Record<Role, { http: supertest.Agent; token: string; home: string }> = {} as never;
/** Real values of path parameters, by name, found in the pages' links. */
const known = new Map<string, Set<string>>();
/**
 * Per route ('get <path>' / 'post <path>'): the inputs a page offers for it — query names and
 * values of its links and GET forms, fields and values of the forms posting to it — and
 * whether those forms are multipart. The values let a case change one input and keep the
 * others as the page had them, so that a handler gets past its other checks.
 */
const inputs = new Map<string, { values: Map<string, string[]>; multipart: boolean }>();

/** Per GET route, the first link to it with a query string. */
const linkWithQuery = new Map<string, string>();

function remember(map: Map<string, Set<string>>, key: string, values: Iterable<string>) {
  const set = map.get(key) ?? new Set<string>();
  for (const v of values) set.add(v);
  map.set(key, set);
}

function rememberInput(key: string, name: string, value: string | undefined, multipart = false) {
  const entry = inputs.get(key) ?? { values: new Map<string, string[]>(), multipart: false };
  const values = entry.values.get(name) ?? [];
  if (value !== undefined && !values.includes(value) && values.length < 8) values.push(value);
  entry.values.set(name, values);
  entry.multipart ||= multipart;
  inputs.set(key, entry);
}

/** The route a link or form goes to; a fixed path ("…/nouvelle") before a parameter ("…/:activityId"), as in the app. */
function routeOf(method: 'get' | 'post', href: string): RouteInfo | undefined {
  return routes.filter((r) => r.method === method && r.match(href)).sort((a, b) => a.params.length - b.params.length)[0];
}

const decodeHtml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');

function learnParams(route: RouteInfo, pathname: string) {
  const hit = route.match(pathname);
  if (hit) for (const [k, v] of Object.entries(hit.params)) if (typeof v === 'string') remember(known, k, [v]);
}

/** Learns ids, query names and form fields from a page, as a visitor reads its links and forms. */
function learn(html: string, pagePath: string) {
  for (const m of html.matchAll(/href="([^"#]+)"/g)) {
    const url = new URL(decodeHtml(m[1]!), 'http://portail.test');
    const route = routeOf('get', url.pathname);
    if (!route) continue;
    learnParams(route, url.pathname);
    for (const [k, v] of url.searchParams) rememberInput(`get ${route.path}`, k, v);
    if (url.search && !linkWithQuery.has(route.path)) linkWithQuery.set(route.path, `${url.pathname}${url.search}`);
  }
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1]!;
    const method = /method="post"/i.test(attrs) ? 'post' : 'get';
    const action = decodeHtml(/action="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const url = new URL(action || pagePath, `http://portail.test${pagePath}`);
    const route = routeOf(method, url.pathname);
    if (!route) continue;
    learnParams(route, url.pathname);
    for (const input of m[2]!.matchAll(/<(input|select|textarea|button)\b([^>]*)>/g)) {
      const name = /\bname="([^"]+)"/.exec(input[2]!)?.[1];
      if (!name || name === '_csrf') continue;
      const value = /\bvalue="([^"]*)"/.exec(input[2]!)?.[1];
      rememberInput(
        `${method} ${route.path}`,
        decodeHtml(name),
        value === undefined ? undefined : decodeHtml(value),
        /multipart\/form-data/i.test(attrs),
      );
    }
  }
}

const roleOf = (route: RouteInfo): Role => (route.path.includes('/agents') ? 'admin' : 'parent');

const accounts: Partial<Record<Role, { username: string; password: string; id: string }>> = {};

/** The fixtures of each role: a parent of a family with a child enrolled, an admin. */
async function createAccount(role: Role) {
  if (role === 'admin') return createAgentFixture(s.db.pool, 'tarnos', 'admin');
  // Bookable until the day itself: the grid of the current month has days to change, so its form has them.
  const activityId = await createActivity(s.db.pool, 'tarnos', { rule: { kind: 'days_before', days: 0, calendar: 'calendar' } });
  const family = await createFamilyWithChild(s.db.pool, 'tarnos', 'FUZZ');
  await enrol(s.db.pool, 'tarnos', activityId, family.childId);
  remember(known, 'childId', [family.childId]);
  return createParent(s.db.pool, 'tarnos', { familyId: family.familyId });
}

/**
 * Signs the role's account in (again, when a fuzzed request signed the session out or a new
 * CGU version asks for consent): the same account, so the ids found in its pages stay its own.
 */
async function signInAs(role: Role) {
  await s.db.pool.query('delete from rate_limits');
  const account = (accounts[role] ??= await createAccount(role));
  if (role === 'parent') {
    // The admin's fuzzed posts may have published new CGU: this parent has accepted them all.
    await s.db.pool.query(
      `update accounts set cgu_version_accepted = (select coalesce(max(version), 1) from town_texts where town_id = accounts.town_id and kind = 'cgu') where id = $1`,
      [account.id],
    );
  }
  const http = s.agent();
  const sign = role === 'parent' ? signIn : signInAgent;
  let res = await sign(http, 'tarnos', account.username, account.password);
  if (res.status !== 303) {
    // A fuzzed post may have disabled the account or changed its password: a new one.
    const fresh = (accounts[role] = await createAccount(role));
    res = await sign(http, 'tarnos', fresh.username, fresh.password);
  }
  expect(res.status, `${role} signs in again`).toBe(303);
  const home = role === 'parent' ? '/tarnos/mon-espace' : '/tarnos/agents';
  const page = await http.get(home);
  sessions[role] = { http, token: csrfFrom(page.text), home };
}

async function stillSignedIn(role: Role): Promise<boolean> {
  const res = await sessions[role].http.get(sessions[role].home).redirects(0);
  return res.status === 200;
}

/** Every route's page, with the real values known so far, twice: ids found in the first pass open more pages in the second. */
async function discover() {
  for (let pass = 0; pass < 2; pass++) {
    for (const route of routes.filter((r) => r.method === 'get')) {
      const values = route.params.map((p) => (p === 'town' ? 'tarnos' : [...(known.get(p) ?? [])][0]));
      if (values.some((v) => v === undefined)) continue;
      let path = route.path;
      route.params.forEach((p, i) => (path = path.replace(`:${p}`, enc(values[i]!))));
      // The second pass also follows one link with a query (next month…): its forms differ.
      const linked = pass === 1 ? linkWithQuery.get(route.path) : undefined;
      for (const url of linked ? [path, linked] : [path]) {
        const res = await sessions[roleOf(route)].http.get(url).timeout(10_000).redirects(0);
        if (res.status === 200 && /text\/html/.test(String(res.headers['content-type']))) learn(res.text, url.split('?')[0]!);
      }
    }
  }
}

interface Sent {
  role: Role;
  method: 'get' | 'post';
  path: string;
  query: string;
  body?: string;
  multipart?: [string, string][];
}

async function send(req: Sent, timeoutMs: number): Promise<supertest.Response> {
  const http = sessions[req.role].http;
  const url = req.query ? `${req.path}?${req.query}` : req.path;
  const base = (req.method === 'get' ? http.get(url) : http.post(url)).set('Sec-Fetch-Site', 'same-origin').redirects(0);
  let r = base;
  if (req.method === 'post' && req.multipart) {
    r = r.field('_csrf', sessions[req.role].token);
    for (const [k, v] of req.multipart) r = r.field(k, wellFormed(v));
  } else if (req.method === 'post') {
    r = r.type('form').send(`_csrf=${enc(sessions[req.role].token)}${req.body ? `&${req.body}` : ''}`);
  }
  return r.timeout({ response: timeoutMs, deadline: timeoutMs });
}

/** One input a case may change: a path parameter, a query parameter or a form field. */
interface Slot {
  kind: 'param' | 'input';
  name: string;
  /** A value the page had for it, when there was one. */
  sample?: string;
}

function slotsOf(route: RouteInfo): Slot[] {
  const params = route.params
    .filter((p) => p !== 'town')
    .map((name): Slot => ({ kind: 'param', name, sample: [...(known.get(name) ?? [])][0] }));
  const fields = [...(inputs.get(`${route.method} ${route.path}`)?.values ?? [])].map(([name, values]): Slot => ({
    kind: 'input',
    name,
    sample: values[0],
  }));
  return [...params, ...fields];
}

/** The far and near days of issue 10, in the shape a slot had on its page: all four for a date. */
function edgesFor(slot: Slot, i: number): string[] {
  const sample = slot.sample ?? '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(sample)) return ['9999-12-31', '0000-01-01', '1899-12-31', '2201-01-01'];
  if (/^\d{4}-\d{2}$/.test(sample)) return ['9999-12', '0000-01', '1899-12', '2201-01'];
  if (/^mois:/.test(sample)) return ['mois:9999-12', 'mois:0000-01', 'mois:1899-12', 'mois:2201-01'];
  if (/^semaine:/.test(sample)) return ['semaine:9999-12-31', 'semaine:0000-01-01', 'semaine:1899-12-31', 'semaine:2201-01-01'];
  if (/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(sample)) return ['31/12/9999', '01/01/0000', '31/12/1899', '01/01/2201'];
  // Anything else gets, in turn, a day, a French day or a long string, then a NUL byte.
  const others = ['9999-12-31', '31/12/9999', '0000-01-01', 'x'.repeat(3_000)];
  return [others[i % others.length]!, 'a\0b'];
}

interface Case {
  /** The slot changed (-1: none, the page's own values with extra inputs). */
  target: number;
  value: string | string[];
  /** Values for path parameters no page showed. */
  unknownParams: string[];
  extra: [string, string | string[]][];
}

/** A form of twenty fields gets its first ones: the random cases reach the others. */
const MAX_EDGE_CASES = 12;
/** Names the portal reads somewhere, for inputs no page showed. */
const EXTRA_NAMES = ['mois', 'semaine', 'du', 'au', 'page', 'q', 'recherche', 'jeton', 'vue', 'affiches', 'jours', 'action', 'x'];

function caseArbitrary(route: RouteInfo, slots: Slot[]): fc.Arbitrary<Case> {
  const names = fc.constantFrom(...new Set([...slots.filter((x) => x.kind === 'input').map((x) => x.name), ...EXTRA_NAMES]));
  return fc.record({
    target: fc.integer({ min: -1, max: slots.length - 1 }),
    value: fieldValue,
    unknownParams: fc.array(anyString, { minLength: route.params.length, maxLength: route.params.length }),
    extra: fc.array(fc.tuple(names, fieldValue), { maxLength: 2 }),
  });
}

/** The edge cases every slot gets before the random ones: the brief's dates, NUL bytes, a long string. */
function edgeCases(route: RouteInfo, slots: Slot[]): [Case][] {
  // Round robin: every slot gets its first edge before any gets its second.
  const perSlot = slots.map((slot, i) => edgesFor(slot, i));
  const cases: [Case][] = [];
  for (let k = 0; k < 4; k++) {
    perSlot.forEach((edges, i) => {
      const value = edges[k];
      if (value !== undefined) cases.push([{ target: i, value, unknownParams: route.params.map(() => 'x'), extra: [] }]);
    });
  }
  return cases.slice(0, MAX_EDGE_CASES);
}

/** The request a case stands for. */
function requestOf(route: RouteInfo, slots: Slot[], c: Case): Sent {
  const role = roleOf(route);
  let path = route.path;
  route.params.forEach((p, i) => {
    const slotIndex = slots.findIndex((x) => x.kind === 'param' && x.name === p);
    const raw = p === 'town' ? 'tarnos' : slotIndex === c.target ? [c.value].flat()[0]! : (slots[slotIndex]?.sample ?? c.unknownParams[i]!);
    path = path.replace(`:${p}`, enc(raw) || '%20');
  });
  const pairs: [string, string | string[]][] = [];
  const entry = inputs.get(`${route.method} ${route.path}`);
  slots.forEach((slot, i) => {
    if (slot.kind !== 'input') return;
    if (i === c.target) pairs.push([slot.name, c.value]);
    else pairs.push([slot.name, entry?.values.get(slot.name) ?? []]);
  });
  pairs.push(...c.extra);
  const sent: Sent = { role, method: route.method, path, query: route.method === 'get' ? formBody(pairs) : formBody(c.extra) };
  if (route.method === 'post') {
    if (entry?.multipart) sent.multipart = pairs.flatMap(([k, v]) => [v].flat().map((one) => [k, one] as [string, string]));
    else sent.body = formBody(pairs);
  }
  return sent;
}

const describeSent = (r: Sent) =>
  `${r.role} ${r.method.toUpperCase()} ${r.path}${r.query ? `?${r.query}` : ''}${r.body ? ` body ${r.body}` : ''}${r.multipart ? ` multipart ${JSON.stringify(r.multipart)}` : ''}`.slice(
    0,
    600,
  );

beforeAll(async () => {
  s = await serveTestApp({ now: NOW });
  routes = appRoutes(s.db.pool);
  await signInAs('parent');
  await signInAs('admin');
  remember(known, 'town', ['tarnos']);
  await discover();
}, 120_000);
afterAll(async () => s?.close());

describe('every route of the portal, fuzzed', () => {
  it('finds the routes in the app itself', () => {
    expect(routes.length).toBeGreaterThan(100);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('get /:town/agents/activites/:activityId/jours/:day');
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('post /:town/mon-espace/enfants/:childId/reservations/:enrolmentId');
    // The pages gave real ids and fields, so the guarded handlers are reached.
    for (const p of ['childId', 'enrolmentId', 'activityId', 'familyId']) expect(known.get(p)?.size ?? 0, p).toBeGreaterThan(0);
    const grid = [...(inputs.get('post /:town/mon-espace/enfants/:childId/reservations/:enrolmentId')?.values.keys() ?? [])];
    expect(grid).toEqual(expect.arrayContaining(['vue', 'affiches', 'jours', 'action']));
    expect(known.get('day')?.size ?? 0).toBeGreaterThan(0);
  });

  it('answers every request in under a second, never with a 500', async () => {
    const problems: string[] = [];
    let requests = 0;
    let slowest = 0;
    const retried: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (const [i, route] of routes.entries()) {
      if (ONLY && !ONLY.test(`${route.method} ${route.path}`)) continue;
      await s.db.pool.query('delete from rate_limits');
      const slots = slotsOf(route);
      const edges = edgeCases(route, slots);
      const result = await fc.check(
        fc.asyncProperty(caseArbitrary(route, slots), async (c) => {
          const req = requestOf(route, slots, c);
          requests += 1;
          const t0 = Date.now();
          let res: supertest.Response;
          try {
            res = await send(req, LIMIT_MS);
          } catch (err) {
            const alive = await fetch(`${s.url()}/healthz`, { signal: AbortSignal.timeout(LIMIT_MS) }).then(
              (r) => r.ok,
              () => false,
            );
            if (!alive) {
              await s.restart();
              throw new Error(`no answer, the process hung or died: ${(err as Error).message}`, { cause: err });
            }
            // Alive: a busy machine (CI shares its cores), not a hang. The same request once
            // more decides; a second timeout fails the case.
            retried.push(`${describeSent(req).slice(0, 200)} (${String((err as Error).message)})`);
            try {
              res = await send(req, LIMIT_MS);
            } catch (again) {
              // A refused upload (too many or too long fields) is answered before its body is
              // read, and the socket closed under the client's feet: the server is fine.
              if (/EPIPE|ECONNRESET/.test(String((again as Error).message)) && req.multipart) return;
              throw again;
            }
          }
          slowest = Math.max(slowest, Date.now() - t0);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`status ${res.status}`);
          if (req.method === 'post' && res.status >= 300 && res.status < 400 && !(await stillSignedIn(req.role))) await signInAs(req.role);
          if (res.status === 403 && /csrf|session a expiré/i.test(res.text)) await signInAs(req.role);
        }),
        // Examples count in numRuns: the edge cases, then RUNS_PER_ROUTE random ones.
        { seed: SEED + i, numRuns: RUNS_PER_ROUTE + edges.length, examples: edges, endOnFailure: true },
      );
      if (result.failed) {
        const sent = result.counterexample ? requestOf(route, slots, result.counterexample[0]) : undefined;
        problems.push(
          `${route.method} ${route.path}: ${String((result.errorInstance as Error | undefined)?.message)} — ${sent ? describeSent(sent) : ''}`,
        );
      }
    }
    console.info(
      `fuzz: ${routes.length} routes, ${requests} requests in ${Date.now() - started} ms, slowest ${slowest} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    if (retried.length > 0) console.info(`fuzz: answered only when tried again:\n${retried.join('\n')}`);
    expect(problems).toEqual([]);
    // Most cases must reach the handlers, not stop at a lost session or a guard.
    expect((statuses.get(200) ?? 0) + (statuses.get(303) ?? 0), 'answers 200 or 303').toBeGreaterThan(requests / 5);
  }, 240_000);
});
