/**
 * `npm run bench:billing`: the invoicing run of issue 14 at a town's scale. On an embedded
 * PostgreSQL, a town with 10 000 families (one child each, enrolled in a meals activity of
 * a régie, a QF on file) and a month of reservations and attendance sheets — November 2026:
 * 16 booked days of the 18 the activity runs, one absence in ten, a walk-in (billed with the
 * surcharge) for one family in five — is invoiced by the real job body, `runInvoicing`.
 * Target: under 60 s on this 2-core machine. The same is measured at 2 000 families (its own
 * town, so its own series) to show how the run scales.
 *
 * The data is written in bulk (generate_series) before the clock starts: only the run is
 * timed. The run row is inserted as `startInvoicingRun` does, without the job queue (the
 * queue's own cost is not the run's). The result goes to bench-results.json, merged by
 * scenario name with what other benches wrote there.
 *
 * Environment: BENCH_BILLING_SIZES (families per measured town, default "2000,10000"; the
 * PASS/FAIL row is the largest).
 *
 * Pages while it runs (issue 20): for the largest town, the app itself is started on the same
 * database (production mode, demo towns), and a load generator in a worker thread asks for
 * Tarnos' home page and a signed-in parent's dashboard on a fixed schedule (BENCH_BILLING_PAGE_RATE
 * requests a second in all, 20 by default, alternating), first for 15 s with nothing else
 * running, then for as long as the run lasts: each page's p95 idle and during the run. The run
 * executes in the app's process, as the job does in production (every instance runs the
 * queue). Latency counts from each request's scheduled time. BENCH_BILLING_PAGES=false skips it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { start, type RunningApp } from '../src/bootstrap.js';
import { loadAverage, printTable, writeResults, type BenchRow } from './bench-results.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { runInvoicing } from '../src/features/billing/invoicing.service.js';
import { FixedClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { insertActivity } from '../src/repositories/activities.repository.js';
import { findRun, insertRun } from '../src/repositories/billing-invoices.repository.js';
import { insertRegie, insertTariff, setActivityRegie } from '../src/repositories/billing-tariffs.repository.js';
import type pg from 'pg';
import { benchConfig } from './bench-app.js';
import { freePort } from './free-port.js';
import { createBenchParents, signedInCookies } from './bench.js';

const SIZES = (process.env.BENCH_BILLING_SIZES ?? '2000,10000').split(',').map(Number);
const TARGET_SECONDS = 60;
const PAGES = process.env.BENCH_BILLING_PAGES !== 'false';
const PAGE_RATE = Number(process.env.BENCH_BILLING_PAGE_RATE ?? 20);
const IDLE_SECONDS = 15;
// Invoices of November 2026 issued on 2 December.
const NOW = '2026-12-02T09:00:00Z';
const MONTH = '2026-11';

/** A town with a régie, a meals activity (Mon, Tue, Thu, Fri) at Talloires' brackets, and `n` families with their month. */
async function buildTown(pool: pg.Pool, slug: string, n: number): Promise<{ townId: string; regieId: string }> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into towns (slug, name, password_policy) values ($1, $2, '{"minLength": 8, "upper": false, "lower": false, "digit": false}') returning id`,
    [slug, `Banc ${slug}`],
  );
  const townId = rows[0]!.id;
  const activityId = await insertActivity(pool, townId, {
    name: 'Restauration scolaire',
    site: 'École',
    unit: 'Repas',
    startDate: '2026-09-01',
    endDate: '2027-07-02',
    weekdays: [1, 2, 4, 5],
    runsDuring: 'school_weeks',
    capacity: null,
    bookingRule: null,
    cancellationRule: null,
    confirmation: 'immediate',
  });
  const regieId = await insertRegie(pool, townId, { name: 'Régie de la restauration', code: 'REST' });
  await setActivityRegie(pool, townId, activityId, regieId);
  await insertTariff(pool, townId, {
    activityId,
    schoolYear: '2026-2027',
    effectiveFrom: '2026-09-01',
    model: 'brackets',
    brackets: [
      { qfMin: 0, priceCents: 99, nonResidentPriceCents: null },
      { qfMin: 1100, priceCents: 380, nonResidentPriceCents: null },
      { qfMin: 1500, priceCents: 430, nonResidentPriceCents: null },
      { qfMin: 2000, priceCents: 480, nonResidentPriceCents: null },
    ],
    sibling2ReductionBp: 0,
    sibling3ReductionBp: 0,
    category: 'repas',
    createdBy: null,
  });

  const client = await pool.connect();
  try {
    await client.query('begin');
    // Bulk set-up only: no per-row trigger (the booked-places counter of activity_days is no
    // part of invoicing) and no foreign-key check on rows built consistent here.
    await client.query(`set local session_replication_role = replica`);
    // The pool's 30 s statement timeout is for requests; a town of 100 000 families takes longer.
    await client.query(`set local statement_timeout = 0`);
    await client.query(
      `insert into families (town_id, cle_enfance, name, postal_code)
       select $1, 'B' || lpad(g::text, 6, '0'), 'FAMILLE' || g, '40220' from generate_series(1, $2) g`,
      [townId, n],
    );
    await client.query(
      `insert into children (town_id, family_id, first_names, last_name, birth_date)
       select f.town_id, f.id, 'Enfant', f.name, date '2018-01-01' + (hashtext(f.id::text) & 1023)
         from families f where f.town_id = $1`,
      [townId],
    );
    await client.query(
      `insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
       select c.town_id, $2, c.id, '2026-09-01', '2027-07-02' from children c where c.town_id = $1`,
      [townId, activityId],
    );
    // QFs spread over the four brackets (and a few families without one: the highest bracket).
    await client.query(
      `insert into family_quotients (town_id, family_id, qf, effective_from, source)
       select f.town_id, f.id, (hashtext(f.id::text) & 2047) + 500, '2026-09-01', 'agent'
         from families f where f.town_id = $1 and hashtext(f.id::text) % 20 <> 0`,
      [townId],
    );
    // The activity's 18 days of November (Wednesday 11th is a public holiday anyway): 16 booked,
    // the 27th and the 30th left free.
    const days = `select d::date as day from generate_series(date '2026-11-01', date '2026-11-30', interval '1 day') d
                   where extract(isodow from d) in (1, 2, 4, 5)`;
    await client.query(
      `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at)
       select e.town_id, e.activity_id, e.id, e.child_id, d.day, 'booked', now()
         from enrolments e cross join (${days}) d
        where e.town_id = $1 and d.day not in (date '2026-11-27', date '2026-11-30')`,
      [townId],
    );
    // The sheets: present, except one day in ten absent (billed: no justification); a walk-in
    // on the 27th for one family in five (billed with the surcharge).
    await client.query(
      `insert into attendance (town_id, activity_id, day, child_id, enrolment_id, present, reserved)
       select r.town_id, r.activity_id, r.day, r.child_id, r.enrolment_id, hashtext(r.child_id::text || r.day::text) % 10 <> 0, true
         from reservations r where r.town_id = $1
       union all
       select e.town_id, e.activity_id, date '2026-11-27', e.child_id, e.id, true, false
         from enrolments e where e.town_id = $1 and hashtext(e.child_id::text) % 5 = 0`,
      [townId],
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  await pool.query('analyze');
  return { townId, regieId };
}

interface Measure {
  families: number;
  seconds: number;
  invoices: number;
  lines: number;
  amountCents: number;
}

/** A page asked for on a schedule while something else runs. */
interface PageTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
}

type PageSamples = Record<string, { latencies: number[]; errors: number }>;

interface PagesDuringRun {
  rate: number;
  idle: PageSamples;
  during: PageSamples;
}

/**
 * The load generator (a worker thread, so that it never waits for the app's event loop it
 * measures): one request every 1000/rate ms, in turn to each target, whatever the answers;
 * each latency from its scheduled time. Stops at the 'stop' message, then reports.
 */
const SAMPLER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { targets, rate } = workerData;
let stop = false;
parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
(async () => {
  const results = Object.fromEntries(targets.map((t) => [t.name, { latencies: [], errors: 0 }]));
  const inflight = new Set();
  const interval = 1000 / rate;
  let next = performance.now();
  let i = 0;
  while (!stop) {
    const target = targets[i++ % targets.length];
    const scheduled = next;
    const sample = results[target.name];
    const p = fetch(target.url, { headers: target.headers, redirect: 'manual' }).then(
      async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) sample.errors++;
        sample.latencies.push(performance.now() - scheduled);
      },
      () => { sample.errors++; },
    );
    inflight.add(p);
    p.finally(() => inflight.delete(p));
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(inflight);
  parentPort.postMessage(results);
})();
`;

async function samplePages(targets: PageTarget[], during: () => Promise<unknown>): Promise<PageSamples> {
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { targets, rate: PAGE_RATE } });
  const report = new Promise<PageSamples>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    await during();
  } finally {
    worker.postMessage('stop');
  }
  const samples = await report;
  await worker.terminate();
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Tarnos' home page for a returning visitor and a signed-in parent's dashboard, served by `app`. */
async function pageTargets(pool: pg.Pool, app: RunningApp): Promise<PageTarget[]> {
  const appUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const appHeaders = { 'x-forwarded-proto': 'https' };
  const [username] = await createBenchParents({ pool }, 'banc-facturation-', 1, '40220-MARTIN1');
  const cookie = await signedInCookies({ appUrl, appHeaders }, username!);
  const dashboard = await fetch(`${appUrl}/tarnos/mon-espace`, { headers: { ...appHeaders, cookie }, redirect: 'manual' });
  if (dashboard.status !== 200 || !(await dashboard.text()).includes('Membres du foyer')) {
    throw new Error(`GET /tarnos/mon-espace answered ${dashboard.status}, not the family's dashboard`);
  }
  return [
    { name: 'home /tarnos/', url: `${appUrl}/tarnos/`, headers: appHeaders },
    { name: 'dashboard /tarnos/mon-espace', url: `${appUrl}/tarnos/mon-espace`, headers: { ...appHeaders, cookie } },
  ];
}

async function measure(
  pool: pg.Pool,
  ctx: Parameters<typeof runInvoicing>[0],
  n: number,
  pages?: PageTarget[],
): Promise<Measure & { pages?: PagesDuringRun }> {
  const setupStart = Date.now();
  const { townId, regieId } = await buildTown(pool, `banc-${n}`, n);
  console.log(`  ${n.toLocaleString('en')} families set up in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);
  const runId = await insertRun(pool, {
    townId,
    regieId,
    month: `${MONTH}-01`,
    agentId: null,
    actorLabel: 'bench',
    jobId: crypto.randomUUID(),
    now: ctx.clock.now(),
  });
  if (!runId) throw new Error('run not created');
  let idle: PageSamples | undefined;
  if (pages) {
    console.log(`  pages at ${PAGE_RATE} requests/s for ${IDLE_SECONDS} s with nothing else running…`);
    idle = await samplePages(pages, () => new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000)));
  }
  const t0 = process.hrtime.bigint();
  const during = pages ? await samplePages(pages, () => runInvoicing(ctx, runId)) : (await runInvoicing(ctx, runId), undefined);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const run = await findRun(pool, townId, runId);
  if (!run || run.status !== 'done') throw new Error(`run ended ${run?.status}: ${run?.failure ?? ''}`);
  const { rows } = await pool.query<{ lines: number }>(`select count(*)::int as lines from invoice_lines where town_id = $1`, [townId]);
  return {
    families: n,
    seconds,
    invoices: run.invoicesCreated,
    lines: rows[0]!.lines,
    amountCents: run.amountCents,
    ...(idle && during ? { pages: { rate: PAGE_RATE, idle, during } } : {}),
  };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const startedAt = performance.now();
  const logger = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-billing-'));
  fs.chmodSync(tmp, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: false });
  const stops: Array<() => Promise<void>> = [
    async () => {
      // pg's pool.end() resolves before its idle clients have said goodbye (the app's pool
      // included): stopping the server at once would make each of them log a warning.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await embedded.stop();
    },
    async () => fs.rmSync(tmp, { recursive: true, force: true }),
  ];
  try {
    await ensureDatabase(embedded.adminUrl, 'espace_famille_bench');
    const databaseUrl = embedded.urlFor('espace_famille_bench');
    const config = benchConfig(databaseUrl);
    // 'error': the embedded server's shutdown ends idle connections, which the pool would log as warnings.
    const pool = createPool(databaseUrl, createLogger('error'), 10);
    stops.unshift(() => pool.end());
    await migrate(pool, logger);
    const ctx = { pool, clock: new FixedClock(NOW), config };

    console.log(`Invoicing run of ${MONTH} (runInvoicing, batches of 500 families), node ${process.version}, ${os.cpus().length} CPUs`);
    let pages: PageTarget[] | undefined;
    if (PAGES) {
      const app = await start({ config, logger, clock: ctx.clock, mailWorker: false, importWorker: false });
      stops.unshift(() => app.stop());
      pages = await pageTargets(pool, app);
    }
    const largestSize = Math.max(...SIZES);
    const results: Array<Measure & { pages?: PagesDuringRun }> = [];
    for (const n of SIZES) {
      const m = await measure(pool, ctx, n, n === largestSize ? pages : undefined);
      results.push(m);
      console.log(
        `  ${n.toLocaleString('en')} families: ${m.seconds.toFixed(1)} s, ${m.invoices.toLocaleString('en')} invoices, ` +
          `${m.lines.toLocaleString('en')} lines, ${(m.amountCents / 100).toLocaleString('en')} EUR, ` +
          `${Math.round(m.lines / m.seconds).toLocaleString('en')} lines/s`,
      );
    }
    const largest = results.reduce((a, b) => (b.families > a.families ? b : a));
    // The target is for 10 000 families; a smaller town must do at least as well per family.
    const targetFor = (families: number) => (TARGET_SECONDS * families) / 10_000;
    // Like the other benches, a miss is printed and written, not an exit code: a shared
    // machine's load must not fail whatever runs the bench.
    console.log(
      `${largest.seconds < targetFor(largest.families) ? 'PASS' : 'FAIL'}: ${largest.families.toLocaleString('en')} families in ${largest.seconds.toFixed(1)} s (target < ${targetFor(largest.families)} s)`,
    );
    const pageRows: BenchRow[] = [];
    for (const m of results) {
      if (!m.pages) continue;
      for (const [phase, samples] of [
        ['idle', m.pages.idle],
        [`during the run of ${m.families.toLocaleString('en')} families`, m.pages.during],
      ] as const) {
        for (const [name, sample] of Object.entries(samples)) {
          pageRows.push({
            scenario: `${name}, ${phase}`,
            requestsPerSecond: m.pages.rate / Object.keys(samples).length,
            p50: Math.round(percentile(sample.latencies, 50)),
            p95: Math.round(percentile(sample.latencies, 95)),
            p99: Math.round(percentile(sample.latencies, 99)),
            failures: sample.errors,
            note: `${sample.latencies.length} requests on a fixed schedule, latency from the scheduled time`,
          });
        }
      }
    }
    if (pageRows.length) printTable(pageRows);
    writeResults(
      'billing',
      [
        ...results.map((m) => ({
          scenario: `billing run ${m.families.toLocaleString('en')} families`,
          seconds: Number(m.seconds.toFixed(1)),
          secondsMax: targetFor(m.families),
          note: `${m.invoices} invoices, ${m.lines} lines`,
          details: { families: m.families, invoices: m.invoices, lines: m.lines, amountCents: m.amountCents },
        })),
        ...pageRows,
      ],
      { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) },
    );
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
