/**
 * `npm run bench:reservations` (also the second part of `npm run bench`): the reservation
 * measurements of issue 13, in the conditions of `npm run bench` (production mode, embedded
 * PostgreSQL, load generated off the servers' event loop), against a bare Express baseline
 * doing one `select 1` and an EJS page, measured in the same run:
 *
 * 1. MON AGENDA of a demo child (signed-in parent, December 2026): target CPU per request
 *    ≤ 3× the baseline's.
 * 2. A save of a month for one child (January 2027, 16 meals): VALIDER posts arrive at a fixed
 *    20 a second (open loop, see SAVER_SOURCE), each after its parent's grid, grid post and
 *    recap. Targets: CPU per save (four requests) ≤ 15× the baseline's per request, and
 *    VALIDER's p95 ≤ 100 ms measured from each post's scheduled time.
 *
 * Separate from scripts/bench.ts because a save needs a fresh pending selection and key in
 * the parent's session before each request, which a constant autocannon request cannot
 * carry. Both write their rows into bench-results.json (scripts/bench-results.ts).
 *
 * Environment: BENCH_DURATION (seconds per measurement, default 10), BENCH_WARMUP (default 2),
 * BENCH_SAVE_RATE (VALIDER posts a second, default 20), BENCH_PROFILE_DIR (CPU profiles of the
 * measured phases), BENCH_RESULTS (where to write the JSON).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import express from 'express';
import { start } from '../src/bootstrap.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { FixedClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/passwords.js';
import { insertAccount } from '../src/repositories/accounts.repository.js';
import { loadAverage, printTable, startProfile, writeResults, type BenchRow } from './bench-results.js';
import { benchConfig } from './bench-app.js';
import { freePort } from './free-port.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const PASSWORD = 'Banc-Essai-2026';
/** VALIDER posts a second, on a fixed schedule (issue 13: p95 ≤ 100 ms at 20 a second). */
/** BENCH_PROFILE_DIR: CPU profiles of the measured agenda run (agenda.cpuprofile) and save phase (save.cpuprofile). */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const SAVE_RATE = Number(process.env.BENCH_SAVE_RATE ?? 20);
/**
 * Parents taking turns: each one's turn comes every SAVERS / SAVE_RATE seconds (2 s), time
 * enough to prepare the next save; one late only when the server is.
 */
const SAVERS = 40;
// Monday 23 November 2026: January 2027 is wholly open under Tarnos's 15-day rule.
const NOW = '2026-11-23T09:00:00Z';
const MONTH = '2027-01';

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token');
  return m[1]!;
}

/** CPU of this process's main thread (where the servers run), in ms: steadier than req/s on a busy machine. */
function mainThreadCpuMs(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function measured(url: string, headers: Record<string, string>, duration: number, connections: number) {
  const before = mainThreadCpuMs();
  const result = await autocannonRun(url, headers, duration, connections);
  return { result, cpuPerRequest: (mainThreadCpuMs() - before) / Math.max(1, result.requests.total) };
}

function autocannonRun(url: string, headers: Record<string, string>, duration: number, connections: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon({ url, headers, duration, connections, workers: 1 }, (err, r) => (err ? reject(err) : resolve(r))),
  );
}

/**
 * The savers, in a worker thread so the client never shares the servers' event loop. Open
 * loop: VALIDER posts leave on a fixed schedule (one every 1000 / rate ms, turn about among
 * the parents) whatever the answers, and each one's latency runs from its scheduled time, not
 * from when it could leave: a parent whose previous turn has not finished yet (its grid, post
 * and recap) makes its VALIDER late, and the delay counts (no coordinated omission). After each
 * VALIDER the parent prepares the next one at once: opens the grid, posts the month ticked (or
 * unticked, turn about) and opens the recap, so the server serves four requests per save.
 */
const SAVER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { appUrl, headers, savers, duration, warmup, month, rate } = workerData;
const csrf = (html) => /name="_csrf" value="([^"]+)"/.exec(html)[1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function prepare(s) {
  const h = { ...headers, cookie: s.cookie };
  const grid = await fetch(appUrl + s.grid + '?mois=' + month, { headers: h });
  const token = csrf(await grid.text());
  const body = new URLSearchParams({ _csrf: token, vue: 'mois:' + month, action: 'recapitulatif' });
  for (const d of s.days) { body.append('affiches', d); if (s.book) body.append('jours', d); }
  const post = await fetch(appUrl + s.grid, { method: 'POST', headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
  await post.arrayBuffer();
  if (post.status !== 303) throw new Error('grid post ' + post.status);
  const recap = await fetch(appUrl + s.grid + '/recapitulatif', { headers: h });
  const html = await recap.text();
  const key = /name="cle" value="([^"]+)"/.exec(html);
  if (!key) throw new Error('recap ' + recap.status + ' without a key');
  return new URLSearchParams({ _csrf: csrf(html), cle: key[1] });
}
const samples = [];
const reasons = {};
let failures = 0;
let measuredSaves = 0;
// A parent's turn waits for its previous one (VALIDER answered, next recap asked for): under
// overload a turn comes round again before the last is over, and must not reuse its recap key.
// The wait counts in its latency, which runs from the scheduled time whatever happens.
function turn(s, scheduled, measured) {
  s.chain = (s.chain || Promise.resolve()).then(() => takeTurn(s, scheduled, measured));
  return s.chain;
}
async function takeTurn(s, scheduled, measured) {
  let ok = false;
  let reason = '';
  try {
    const form = await s.ready;
    const save = await fetch(appUrl + s.grid + '/valider', { method: 'POST', headers: { ...headers, cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
    await save.arrayBuffer();
    ok = save.status === 303 && (save.headers.get('location') || '').includes('/reservations/demandes/');
    if (!ok) reason = 'VALIDER answered ' + save.status + ' ' + (save.headers.get('location') || '');
  } catch (err) {
    reason = String(err && err.message || err);
  }
  const ms = performance.now() - scheduled;
  if (measured) { samples.push(ms); measuredSaves += ok ? 1 : 0; if (!ok) { failures += 1; reasons[reason] = (reasons[reason] || 0) + 1; } }
  // Book, then cancel, turn about; a failed save is tried again the same way.
  if (ok) s.book = !s.book;
  s.ready = prepare(s);
  s.ready.catch(() => {});
}
(async () => {
  for (const s of savers) { s.book = true; s.ready = prepare(s); s.ready.catch(() => {}); }
  await Promise.all(savers.map((s) => s.ready.catch(() => {})));
  const interval = 1000 / rate;
  const start = performance.now() + 100;
  const total = Math.round((warmup + duration) * rate);
  const firstMeasured = Math.round(warmup * rate);
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 0) await sleep(wait);
    if (i === firstMeasured) parentPort.postMessage({ phase: 'measure' });
    inFlight.push(turn(savers[i % savers.length], scheduled, i >= firstMeasured));
  }
  await Promise.all(inFlight);
  // The preparations the last turns started: finished before the servers stop.
  await Promise.all(savers.map((s) => s.ready.catch(() => {})));
  const seconds = (performance.now() - (start + firstMeasured * interval)) / 1000;
  parentPort.postMessage({ phase: 'done', samples, failures, reasons, saves: measuredSaves, seconds });
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const startedAt = performance.now();
  const logger = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-resa-'));
  fs.chmodSync(tmp, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: false });
  const stops: Array<() => Promise<void>> = [
    // pg's pool.end() resolves before its idle clients have said goodbye: give them a moment.
    async () => new Promise((resolve) => setTimeout(resolve, 300)),
    async () => embedded.stop(),
    async () => fs.rmSync(tmp, { recursive: true, force: true }),
  ];
  try {
    await ensureDatabase(embedded.adminUrl, 'espace_famille_bench');
    const databaseUrl = embedded.urlFor('espace_famille_bench');
    const config = benchConfig(databaseUrl);
    const running = await start({ config, logger, mailWorker: false, clock: new FixedClock(NOW) });
    stops.unshift(() => running.stop());
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
    const headers = { 'x-forwarded-proto': 'https' };

    const pool = createPool(databaseUrl, logger, 20);
    stops.unshift(() => pool.end());
    const bare = express();
    const viewsDir = path.join(tmp, 'views');
    fs.mkdirSync(viewsDir);
    fs.writeFileSync(
      path.join(viewsDir, 'page.ejs'),
      '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title><%= title %></title></head><body><main><h1><%= title %></h1><p><%= message %></p></main></body></html>',
    );
    bare.set('view engine', 'ejs');
    bare.set('views', viewsDir);
    bare.set('view cache', true);
    bare.get('/db', async (_req, res) => {
      const { rows } = await pool.query<{ one: number }>('select 1 as one');
      res.render('page', { title: 'Baseline', message: `One query: ${rows[0]?.one}` });
    });
    const baseline = http.createServer(bare);
    await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', () => resolve()));
    stops.unshift(
      () =>
        new Promise<void>((resolve) => {
          baseline.close(() => resolve());
          baseline.closeAllConnections();
        }),
    );
    const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`;

    // Parents: one of the MARTIN demo family for the agenda, and 20 families of their own for the saves.
    const { rows: towns } = await pool.query<{ id: string }>(`select id from towns where slug = 'tarnos'`);
    const townId = towns[0]!.id;
    const { rows: cgu } = await pool.query<{ v: number }>(`select max(version) as v from town_texts where town_id = $1 and kind = 'cgu'`, [
      townId,
    ]);
    const passwordHash = await hashPassword(PASSWORD);
    const signIn = async (familyId: string, username: string): Promise<string> => {
      const account = await insertAccount(pool, {
        townId,
        familyId,
        username,
        email: `${username}@example.fr`,
        civility: 'Mme',
        lastName: 'Banc',
        firstNames: 'Essai',
        passwordHash,
        passwordIsTemporary: false,
        temporaryPasswordExpiresAt: null,
        createdVia: 'wizard',
        validationStatus: 'validated',
        validatedAt: new Date(NOW),
        createdAt: new Date(NOW),
      });
      await pool.query(`update accounts set email_confirmed_at = $2, cgu_version_accepted = $3, cgu_accepted_at = $2 where id = $1`, [
        account.id,
        NOW,
        cgu[0]?.v ?? null,
      ]);
      const home = await fetch(`${appUrl}/tarnos/`, { headers });
      const cookie = cookiesOf(home).find((c) => c.includes('ef.csrf='))!; // no session before sign-in (ADR 0016)
      const res = await fetch(`${appUrl}/tarnos/connexion`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfFrom(await home.text()), identifiant: username, motDePasse: PASSWORD }),
      });
      if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
      await pool.query('delete from rate_limits');
      return cookiesOf(res).join('; ');
    };

    const { rows: lea } = await pool.query<{ childId: string; familyId: string }>(
      `select c.id as "childId", f.id as "familyId" from children c join families f on f.id = c.family_id
        where f.town_id = $1 and f.cle_enfance = '40220-MARTIN1' and c.first_names = 'Léa'`,
      [townId],
    );
    const agendaCookie = await signIn(lea[0]!.familyId, 'banc-agenda');
    const agendaPath = `/tarnos/mon-espace/enfants/${lea[0]!.childId}/agenda?mois=2026-12`;
    const check = await fetch(`${appUrl}${agendaPath}`, { headers: { ...headers, cookie: agendaCookie } });
    if (check.status !== 200 || !(await check.text()).includes('Mon agenda')) throw new Error(`agenda answered ${check.status}`);

    const { rows: activity } = await pool.query<{ id: string }>(
      `select id from activities where town_id = $1 and name = 'Restauration Scolaire'`,
      [townId],
    );
    const savers: { cookie: string; grid: string; days: string[] }[] = [];
    for (let i = 0; i < SAVERS; i++) {
      const fam = await pool.query<{ id: string }>(
        `insert into families (town_id, cle_enfance, name) values ($1, $2, 'BANC') returning id`,
        [townId, `BANC-${i}`],
      );
      const child = await pool.query<{ id: string }>(
        `insert into children (town_id, family_id, first_names, last_name) values ($1, $2, 'Essai', 'BANC') returning id`,
        [townId, fam.rows[0]!.id],
      );
      const enrolment = await pool.query<{ id: string }>(
        `insert into enrolments (town_id, activity_id, child_id, start_date, end_date) values ($1, $2, $3, '2026-09-01', '2027-07-02') returning id`,
        [townId, activity[0]!.id, child.rows[0]!.id],
      );
      const cookie = await signIn(fam.rows[0]!.id, `banc-resa-${i}`);
      const grid = `/tarnos/mon-espace/enfants/${child.rows[0]!.id}/reservations/${enrolment.rows[0]!.id}`;
      const page = await (await fetch(`${appUrl}${grid}?mois=${MONTH}`, { headers: { ...headers, cookie } })).text();
      const days = [...page.matchAll(/name="affiches" value="([\d-]+)"/g)].map((m) => m[1]!);
      savers.push({ cookie, grid, days });
    }

    console.log(`Reservations bench — Node ${process.version}, ${os.cpus().length} CPU(s), ${WARMUP} s warm-up + ${DURATION} s each.\n`);
    process.stdout.write('  db baseline: 50 connections… ');
    await autocannonRun(`${baselineUrl}/db`, {}, WARMUP, 50);
    const { result: base, cpuPerRequest: baseCpu } = await measured(`${baselineUrl}/db`, {}, DURATION, 50);
    console.log(`${Math.round(base.requests.average)} req/s`);
    process.stdout.write('  agenda: 50 connections… ');
    await autocannonRun(`${appUrl}${agendaPath}`, { ...headers, cookie: agendaCookie }, WARMUP, 50);
    const stopAgendaProfile = PROFILE_DIR ? await startProfile() : undefined;
    const { result: agenda, cpuPerRequest: agendaCpu } = await measured(
      `${appUrl}${agendaPath}`,
      { ...headers, cookie: agendaCookie },
      DURATION,
      50,
    );
    await stopAgendaProfile?.(path.join(PROFILE_DIR!, 'agenda.cpuprofile'));
    console.log(`${Math.round(agenda.requests.average)} req/s`);

    process.stdout.write(
      `  save of a month (${savers[0]!.days.length} days): VALIDER at a fixed ${SAVE_RATE}/s, open loop, ${SAVERS} parents in turn… `,
    );
    let cpuAtMeasure: number | undefined;
    let saveProfile: ReturnType<typeof startProfile> | undefined;
    const result = await new Promise<{
      samples: number[];
      failures: number;
      reasons: Record<string, number>;
      seconds: number;
      saves: number;
    }>((resolve, reject) => {
      const worker = new Worker(SAVER_SOURCE, {
        eval: true,
        workerData: { appUrl, headers, savers, duration: DURATION, warmup: WARMUP, month: MONTH, rate: SAVE_RATE },
      });
      worker.on('message', (m: { phase?: string; error?: string }) => {
        if (m.error) reject(new Error(m.error));
        else if (m.phase === 'measure') {
          cpuAtMeasure = mainThreadCpuMs();
          if (PROFILE_DIR) saveProfile = startProfile();
        } else if (m.phase === 'done') resolve(m as never);
      });
      worker.once('error', reject);
    });
    // Per save over the measured window: VALIDER and the grid, post and recap that prepare
    // the next one (four requests).
    const saveCpu = (mainThreadCpuMs() - (cpuAtMeasure ?? 0)) / Math.max(1, result.saves);
    if (saveProfile) await (await saveProfile)(path.join(PROFILE_DIR!, 'save.cpuprofile'));
    const sorted = [...result.samples].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    console.log(`${sorted.length} saves, ${result.failures} failed`);
    for (const [reason, count] of Object.entries(result.reasons)) console.log(`    ${count} × ${reason}`);

    const agendaBad = Object.entries(agenda.statusCodeStats ?? {})
      .filter(([code]) => code !== '200')
      .reduce((n, [, s]) => n + ((s as { count?: number }).count ?? 0), 0);
    const rows: BenchRow[] = [
      {
        scenario: 'db baseline (reservations run)',
        requestsPerSecond: base.requests.average,
        p50: base.latency.p50,
        p99: base.latency.p99,
        cpuMs: baseCpu,
        failures: base.errors + base.timeouts,
        note: 'bare Express 5: one `select 1`, then a trivial EJS page, 50 connections',
      },
      {
        scenario: 'agenda (MON AGENDA, December)',
        baseline: 'db baseline (reservations run)',
        requestsPerSecond: agenda.requests.average,
        p50: agenda.latency.p50,
        p99: agenda.latency.p99,
        cpuMs: agendaCpu,
        baselineCpuMs: baseCpu,
        baselineRequestsPerSecond: base.requests.average,
        target: { cpuRatioMax: 3 },
        failures: agenda.errors + agenda.timeouts + agendaBad,
        note: "a signed-in parent's MON AGENDA of a demo child, 50 connections",
      },
      {
        scenario: `save a month, VALIDER at ${SAVE_RATE}/s (open loop)`,
        baseline: 'db baseline (reservations run)',
        requestsPerSecond: result.saves / result.seconds,
        unit: 'saves',
        p50: pct(50),
        p95: pct(95),
        p99: pct(99),
        cpuMs: saveCpu,
        baselineCpuMs: baseCpu,
        target: { cpuRatioMax: 15, p95Max: 100 },
        failures: result.failures,
        note:
          `VALIDER posts scheduled at ${SAVE_RATE} a second whatever the answers, latency from the scheduled time; ` +
          'the CPU column is per save, its four requests (grid, post, recap, VALIDER) included',
      },
    ];
    printTable(rows);
    for (const r of rows) console.log(`  ${r.scenario}: ${r.note}.`);
    console.log(`\n  Load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAverage().join(' ')} after.`);
    writeResults('reservations', rows, { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) });
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
