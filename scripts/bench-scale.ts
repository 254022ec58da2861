/**
 * `npm run bench:scale` (`scripts/bench.ts --scale`): the hot pages on the demo database and
 * on a database holding a large town, in one run (issue 20, "Load"): each page's p95 on the
 * large town must be within 1.5× of the demo town's.
 *
 * - Small: a fresh embedded PostgreSQL with the demo towns; a parent of Tarnos's MARTIN
 *   family (two children, school meals) and an agent of Tarnos.
 * - Large: the embedded server kept in --data-dir (default .data/scale), seeded once with
 *   `seedScaleTown` (--families, default 100,000: several minutes the first time; reruns
 *   reuse it); a parent of Grandeville (two children, school meals) and its agent.
 *
 * The small side is made to show what the large one shows, so that the two differ by the
 * database's size alone: a full page of requests and of families found, and its canteen's
 * SHEET_DAY filled with the large town's classes and counts (`fillDemoDay`).
 *
 * Each side runs the real app in production mode (`start`, like the bench) and asks for the
 * pages signed in, CONCURRENCY requests at a time, REQUESTS times each after a warm-up; every
 * latency is kept, so the p95 is exact. Rows go to bench-results.json under "scale", the large
 * town's row held to p95 ≤ 1.5 × the small one's.
 *
 * Options: --families N, --data-dir DIR, --requests N (default 200), --concurrency N (default 4).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { start, type RunningApp } from '../src/bootstrap.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { loadDemoData } from '../src/db/demo-data.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { listDayGroups, type DayGroup, type SheetGroup } from '../src/repositories/attendance.repository.js';
import { SCALE_PASSWORD, seedScaleTown } from '../src/db/scale-seed.js';
import { currentCguVersionNumber } from '../src/features/parent-accounts/cgu.js';
import { createLogger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/passwords.js';
import { urls } from '../src/routes.js';
import { loadAverage, printTable, writeResults, type BenchRow } from './bench-results.js';
import { benchConfig } from './bench-app.js';
import { freePort } from './free-port.js';

const RATIO_MAX = 1.5;
/** Monday of a week families book ahead (January 2027: past every deadline of the seeds). */
const WEEK = '2027-01-11';
/** A school day already past, whose sheet the agents fill. */
const SHEET_DAY = '2026-12-01';
/**
 * What the agent searches on both sides: the commonest French surname (the demo town's MARTIN
 * families; about 280 of the large town's families, MARTIN and MARTINEZ).
 */
const SEARCH = 'martin';

interface Target {
  slug: string;
  parentUsername: string;
  agentUsername: string;
  password: string;
  familyId: string;
  childId: string;
  enrolmentId: string;
  activityId: string;
  /** The child's school and class: its part of the attendance sheet. */
  school: string;
  className: string;
}

interface Page {
  name: string;
  who: 'parent' | 'agent';
  path: (t: Target) => string;
}

const PAGES: Page[] = [
  { name: 'parent dashboard', who: 'parent', path: (t) => urls.dashboard(t.slug) },
  { name: 'MON AGENDA', who: 'parent', path: (t) => urls.childAgenda(t.slug, t.childId) },
  { name: 'week grid', who: 'parent', path: (t) => urls.reservationGrid(t.slug, t.childId, t.enrolmentId, { semaine: WEEK }) },
  { name: 'invoices', who: 'parent', path: (t) => urls.invoices(t.slug) },
  { name: 'documents', who: 'parent', path: (t) => urls.documents(t.slug) },
  { name: 'request queue', who: 'agent', path: (t) => urls.agentRequests(t.slug) },
  { name: 'family search', who: 'agent', path: (t) => urls.agentFamilies(t.slug, { q: SEARCH }) },
  { name: 'family file', who: 'agent', path: (t) => urls.agentFamily(t.slug, t.familyId) },
  // The whole day: on the large town, the canteen's classes (too many children for one form).
  { name: 'attendance sheet', who: 'agent', path: (t) => urls.agentActivityDay(t.slug, t.activityId, SHEET_DAY) },
  {
    name: 'attendance, one class',
    who: 'agent',
    path: (t) => urls.agentActivityDay(t.slug, t.activityId, SHEET_DAY, { school: t.school, className: t.className }),
  },
];

interface Measure {
  p50: number;
  p95: number;
  p99: number;
  requestsPerSecond: number;
  failures: number;
  requests: number;
}

const HEADERS = { 'x-forwarded-proto': 'https' };

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

/** Signs in through the form, as a browser does; returns the cookies a signed-in browser sends. */
async function signedIn(appUrl: string, formPath: string, postPath: string, identifiant: string, motDePasse: string): Promise<string> {
  const form = await fetch(`${appUrl}${formPath}`, { headers: HEADERS });
  const csrf = cookiesOf(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error(`no CSRF token in ${formPath}`);
  const res = await fetch(`${appUrl}${postPath}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...HEADERS, cookie: csrf.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, identifiant, motDePasse }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${identifiant} at ${postPath} answered ${res.status}`);
  const jar = new Map([...csrf, ...cookiesOf(res)].map((c) => [c.split('=')[0]!, c]));
  return [...jar.values()].join('; ');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measurePage(url: string, cookie: string, requests: number, concurrency: number): Promise<Measure> {
  const once = async () => {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { ...HEADERS, cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    return { ms: performance.now() - t0, ok: res.status === 200 };
  };
  for (let i = 0; i < Math.min(20, requests); i++) await once(); // warm-up: view cache, plans, buffers
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const r = await once();
        latencies.push(r.ms);
        if (!r.ok) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    requestsPerSecond: latencies.length / seconds,
    failures,
    requests: latencies.length,
  };
}

/**
 * The large town's canteen on SHEET_DAY, class by class, and the target child's class: the demo
 * side's canteen is given the same classes and counts, so that both sides' attendance pages show
 * the same rows and differ by the database's size alone (as the lists below do).
 */
interface DayShape {
  groups: DayGroup[];
  target: SheetGroup;
  /** The activity's places that day (the demo canteen has 120). */
  capacity: number | null;
}

async function largeDayShape(pool: pg.Pool): Promise<DayShape> {
  const t = await scaleTarget(pool);
  const town = await pool.query<{ id: string }>(`select id from towns where slug = $1`, [t.slug]);
  const day = await pool.query<{ capacity: number | null }>(`select capacity from activity_days where activity_id = $1 and day = $2`, [
    t.activityId,
    SHEET_DAY,
  ]);
  return {
    groups: await listDayGroups(pool, town.rows[0]!.id, t.activityId, SHEET_DAY),
    target: { school: t.school, className: t.className },
    capacity: day.rows[0]?.capacity ?? null,
  };
}

/**
 * Fills the demo canteen's SHEET_DAY up to `shape`: for each class of the large town's day, as
 * many more children enrolled, booked and on the recorded sheet (the large town's target class
 * becomes the demo child's class). One family per child: the pages read the family's name.
 */
async function fillDemoDay(pool: pg.Pool, d: { townId: string; activityId: string } & SheetGroup, shape: DayShape): Promise<void> {
  const key = (g: SheetGroup) => `${g.school}\u0000${g.className}`;
  const present = new Map((await listDayGroups(pool, d.townId, d.activityId, SHEET_DAY)).map((g) => [key(g), g]));
  const adds = shape.groups.map((g) => {
    const where = key(g) === key(shape.target) ? { school: d.school, className: d.className } : g;
    const have = present.get(key(where));
    return {
      ...where,
      enrolled: Math.max(0, g.enrolled - (have?.enrolled ?? 0)),
      booked: Math.max(0, g.booked - (have?.booked ?? 0)),
      recorded: Math.max(0, g.recorded - (have?.recorded ?? 0)),
    };
  });
  await pool.query(`update activities set capacity = $2 where id = $1`, [d.activityId, shape.capacity]);
  await pool.query(`update activity_days set capacity = $3 where activity_id = $1 and day = $2`, [d.activityId, SHEET_DAY, shape.capacity]);
  await pool.query(
    `with k as (
       select row_number() over () as n, x.school, x.class_name, s.i <= x.booked as booked, s.i <= x.recorded as recorded
         from unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::int[]) as x(school, class_name, enrolled, booked, recorded)
         cross join lateral generate_series(1, x.enrolled) s(i)
     ),
     f as (insert into families (town_id, cle_enfance, cle_enfance_issued_at, name)
           select $1, 'BANC-J' || k.n, now(), 'ÉLÈVE' || k.n from k returning id, cle_enfance),
     c as (insert into children (town_id, family_id, first_names, last_name, school, class_name)
           select $1, f.id, 'Enfant', 'ÉLÈVE' || k.n, k.school, k.class_name from k join f on f.cle_enfance = 'BANC-J' || k.n
           returning id, last_name),
     e as (insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
           select $1, $2, c.id, '2026-09-01', '2027-07-02' from c returning id, child_id),
     ek as (select e.id as enrolment_id, e.child_id, k.booked, k.recorded
              from e join c on c.id = e.child_id join k on c.last_name = 'ÉLÈVE' || k.n),
     r as (insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at)
           select $1, $2, ek.enrolment_id, ek.child_id, $8::date, 'booked', now() from ek where ek.booked)
     insert into attendance (town_id, activity_id, day, child_id, enrolment_id, present, reserved, recorded_at)
     select $1, $2, $8::date, ek.child_id, ek.enrolment_id, true, ek.booked, now() from ek where ek.recorded`,
    [
      d.townId,
      d.activityId,
      adds.map((a) => a.school),
      adds.map((a) => a.className),
      adds.map((a) => a.enrolled),
      adds.map((a) => a.booked),
      adds.map((a) => a.recorded),
      SHEET_DAY,
    ],
  );
  // As autovacuum would soon: planned on the empty demo tables' statistics, the day's pages
  // took a second (nested loops over 2,000 rows).
  await pool.query('analyze');
}

/** A validated parent and an agent of Tarnos, on the MARTIN family of the demo data; its canteen's day as `shape`. */
async function demoTarget(pool: pg.Pool, shape: DayShape): Promise<Target> {
  const { rows } = await pool.query<{
    townId: string;
    familyId: string;
    childId: string;
    enrolmentId: string;
    activityId: string;
    school: string;
    className: string;
  }>(
    `select t.id as "townId", f.id as "familyId", c.id as "childId", e.id as "enrolmentId", e.activity_id as "activityId",
            c.school, c.class_name as "className"
       from towns t join families f on f.town_id = t.id and f.cle_enfance = '40220-MARTIN1'
       join children c on c.family_id = f.id and c.first_names = 'Léa'
       join enrolments e on e.child_id = c.id join activities a on a.id = e.activity_id and a.name = 'Restauration Scolaire'
      where t.slug = 'tarnos'`,
  );
  const d = rows[0];
  if (!d) throw new Error('no demo family MARTIN in Tarnos');
  const hash = await hashPassword(SCALE_PASSWORD);
  const cgu = await currentCguVersionNumber(pool, d.townId);
  await pool.query(
    `insert into accounts (town_id, family_id, username, email, civility, last_name, first_names, password_hash, created_via,
                           email_confirmed_at, validation_status, validated_at, cgu_version_accepted, cgu_accepted_at)
     values ($1, $2, 'banc.martin', 'banc.martin@example.fr', 'Mme', 'MARTIN', 'Claire', $3, 'wizard', now(), 'validated', now(), $4, now())`,
    [d.townId, d.familyId, hash, cgu ?? null],
  );
  await pool.query(
    `insert into agents (town_id, username, display_name, password_hash, role) values ($1, 'banc.agent', 'Agent du banc', $2, 'agent')`,
    [d.townId, hash],
  );
  // The agents' lists show as many rows on both sides, so that they differ by the database's
  // size alone: a full page of requests to process (50 of 4,600 in the large town; the demo
  // town has a handful) and of families found (20 of the 1,386 the large town's name finds).
  await pool.query(
    `insert into requests (town_id, family_id, type, status, summary, created_at, updated_at)
     select $1, $2, 'contact_change', 'sent', 'Changement de coordonnées ' || g, now() - make_interval(mins => g), now()
       from generate_series(1, 60) g`,
    [d.townId, d.familyId],
  );
  await pool.query(
    `insert into families (town_id, cle_enfance, cle_enfance_issued_at, name)
     select $1, 'BANC' || lpad(g::text, 4, '0'), now(), 'MARTIN' || (array['', '-DUPONT', '-LEROY', '-GARCIA'])[1 + g % 4]
       from generate_series(1, 30) g`,
    [d.townId],
  );
  await fillDemoDay(pool, d, shape);
  return {
    slug: 'tarnos',
    parentUsername: 'banc.martin',
    agentUsername: 'banc.agent',
    password: SCALE_PASSWORD,
    ...d,
  };
}

/** A Grandeville family of two children, one of whom eats at the canteen. */
async function scaleTarget(pool: pg.Pool): Promise<Target> {
  const { rows } = await pool.query<Omit<Target, 'slug' | 'agentUsername' | 'password'>>(
    `select a.username as "parentUsername", f.id as "familyId", c.id as "childId", e.id as "enrolmentId",
            e.activity_id as "activityId", c.school, c.class_name as "className"
       from towns t join families f on f.town_id = t.id and f.cle_enfance = any(array['GV0001001', 'GV0001002', 'GV0001003', 'GV0001004', 'GV0001006'])
       join accounts a on a.family_id = f.id
       join children c on c.family_id = f.id
       join enrolments e on e.child_id = c.id join activities act on act.id = e.activity_id and act.name = 'Restauration scolaire'
      where t.slug = 'grandeville' and (select count(*) from children c2 where c2.family_id = f.id) = 2
      order by f.cle_enfance limit 1`,
  );
  if (!rows[0]) throw new Error('no Grandeville family with two children at the canteen among the first ones');
  return { slug: 'grandeville', agentUsername: 'agent', password: SCALE_PASSWORD, ...rows[0] };
}

async function runSide(
  label: string,
  embedded: EmbeddedDatabase,
  database: string,
  target: (pool: pg.Pool) => Promise<Target>,
  options: { requests: number; concurrency: number },
): Promise<Map<string, Measure>> {
  const logger = createLogger('warn');
  const databaseUrl = embedded.urlFor(database);
  const config = benchConfig(databaseUrl);
  const pool = createPool(databaseUrl, createLogger('error'), 2);
  let running: RunningApp | undefined;
  try {
    // The app migrates and loads the demo towns as it starts; the target's rows come after.
    running = await start({ config, logger, mailWorker: false });
    const t = await target(pool);
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
    const parent = await signedIn(appUrl, urls.townHome(t.slug), urls.signIn(t.slug), t.parentUsername, t.password);
    const agent = await signedIn(appUrl, urls.agentSignIn(t.slug), urls.agentSignIn(t.slug), t.agentUsername, t.password);
    const results = new Map<string, Measure>();
    for (const page of PAGES) {
      const m = await measurePage(
        `${appUrl}${page.path(t)}`,
        page.who === 'parent' ? parent : agent,
        options.requests,
        options.concurrency,
      );
      console.log(
        `  ${label.padEnd(22)} ${page.name.padEnd(18)} p50 ${m.p50.toFixed(1).padStart(6)} ms  p95 ${m.p95.toFixed(1).padStart(6)} ms  ${m.failures ? `${m.failures} failed` : ''}`,
      );
      results.set(page.name, m);
    }
    return results;
  } finally {
    await running?.stop();
    await pool.end();
  }
}

export async function benchScale(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--scale'),
    options: {
      families: { type: 'string', default: '100000' },
      'data-dir': { type: 'string', default: '.data/scale' },
      requests: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '4' },
    },
    strict: true,
  });
  const families = Number(values.families);
  const options = { requests: Number(values.requests), concurrency: Number(values.concurrency) };
  const loadBefore = loadAverage();
  const startedAt = performance.now();
  const logger = createLogger('warn');
  const stops: Array<() => Promise<void>> = [];
  try {
    // The small side: a fresh database with the demo towns.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-scale-'));
    fs.chmodSync(tmp, 0o755);
    stops.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
    const small = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: false });
    stops.unshift(() => small.stop());
    await ensureDatabase(small.adminUrl, 'espace_famille');

    // The large side: kept between runs, seeded when it holds no large town yet.
    const dataDir = path.resolve(values['data-dir']);
    const large = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger });
    stops.unshift(() => large.stop());
    await ensureDatabase(large.adminUrl, 'espace_famille');
    let shape: DayShape | undefined;
    const largePool = createPool(large.urlFor('espace_famille'), createLogger('error'), 2);
    try {
      await migrate(largePool, logger);
      await loadDemoData(largePool);
      const seeded = await largePool.query<{ n: number }>(
        `select count(*)::int as n from families f join towns t on t.id = f.town_id where t.slug = 'grandeville'`,
      );
      if (seeded.rows[0]!.n === 0) {
        console.log(`Seeding ${families.toLocaleString('en')} families into ${dataDir} (kept for the next runs)…`);
        await seedScaleTown(largePool, { families, log: (line) => console.log(line) });
      }
      console.log(`Large town: ${seeded.rows[0]!.n || families} families of Grandeville in ${dataDir}.`);
      shape = await largeDayShape(largePool);
      const enrolled = shape.groups.reduce((sum, g) => sum + g.enrolled, 0);
      console.log(`Its canteen on ${SHEET_DAY}: ${enrolled} children in ${shape.groups.length} classes (the demo canteen gets the same).`);
    } finally {
      await largePool.end();
    }

    console.log(`\nEach page ${options.requests} times, ${options.concurrency} at a time, after a warm-up:`);
    const smallResults = await runSide('demo (Tarnos)', small, 'espace_famille', (pool) => demoTarget(pool, shape!), options);
    const largeResults = await runSide('large (Grandeville)', large, 'espace_famille', scaleTarget, options);

    const rows: BenchRow[] = [];
    console.log('');
    for (const page of PAGES) {
      const s = smallResults.get(page.name)!;
      const l = largeResults.get(page.name)!;
      const ratio = l.p95 / s.p95;
      console.log(
        `  ${ratio <= RATIO_MAX && l.failures === 0 ? 'PASS' : 'FAIL'}  ${page.name.padEnd(18)} p95 ${s.p95.toFixed(1)} ms → ${l.p95.toFixed(1)} ms (${ratio.toFixed(2)}×, at most ${RATIO_MAX}×)`,
      );
      const row = (m: Measure, name: string): BenchRow => ({
        scenario: name,
        requestsPerSecond: m.requestsPerSecond,
        p50: m.p50,
        p95: m.p95,
        p99: m.p99,
        failures: m.failures,
        note: `${m.requests} requests, ${options.concurrency} at a time`,
      });
      rows.push(row(s, `${page.name} (demo)`));
      rows.push({
        ...row(l, `${page.name} (large town)`),
        baseline: `${page.name} (demo)`,
        target: { p95Max: Number((s.p95 * RATIO_MAX).toFixed(1)) },
      });
    }
    console.log('');
    printTable(rows);
    console.log(`\n  Load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAverage().join(' ')} after.`);
    writeResults('scale', rows, { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) });
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}
