/**
 * `npm run bench:rush` (also the last part of `npm run bench`): the opening-time rush of
 * issue 20. 1,000 parents, arriving spread over one minute, each sign in, open MON AGENDA
 * and save a month of reservations for an activity whose places run out; then the database
 * is read back to prove that no place was sold twice and that it holds exactly what the
 * load was told.
 *
 * Unlike bench.ts and bench-reservations.ts, the app runs as `npm start` runs it: `src/server.ts`
 * spawned in production mode, its supervisor forking WEB_CONCURRENCY workers (node:cluster),
 * on a DATABASE_URL pointing at the embedded PostgreSQL this script starts, behind the same
 * pretend proxy (TRUST_PROXY=1, `X-Forwarded-Proto: https`, and one `X-Forwarded-For` per
 * parent: 1,000 households, not one address hitting the sign-in rate limit). The processes
 * run the real clock: the rush books March 2027, wholly open from December 2026.
 *
 * Setup, before the clock: migrations and the demo towns, then in Tarnos two activities with
 * limited places, 1,000 families each with one child, its account (one argon2 hash computed
 * once for all) and its enrolments, in a few set-based statements. That database is the
 * template of every run: each mode starts on a fresh copy (`create database … template`).
 *
 * The load (open loop, no coordinated omission): parent i arrives at i × 60 s / 1,000, and
 * each step of its visit has a scheduled time one second after the previous one (reading,
 * ticking): the home page with the sign-in form, the sign-in POST, MON AGENDA, the grid of
 * March, the grid POST, the recap, VALIDER. A step leaves at its scheduled time, or when the
 * previous answer comes if that is later, and its latency runs from its scheduled time. After
 * VALIDER the parent reads the page it is sent to, which lists each day's result: booked, or
 * on the waiting list because the day is full (a correct answer, counted apart).
 *
 * Environment: BENCH_RUSH_PARENTS (default 1000), BENCH_RUSH_SECONDS (arrival window,
 * default 60), BENCH_RUSH_MODES (WEB_CONCURRENCY of each run, default "1,2"), BENCH_RUSH_RUNS
 * (runs per mode, default 1), BENCH_RESULTS (where to write the JSON).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { loadDemoData } from '../src/db/demo-data.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { createLogger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/passwords.js';
import { ROOT_DIR } from '../src/lib/paths.js';
import { TestSmtpServer } from '../test/helpers/smtp.js';
import { loadAverage, printTable, writeResults, type BenchRow } from './bench-results.js';
import { freePort } from './free-port.js';

const PARENTS = Number(process.env.BENCH_RUSH_PARENTS ?? 1000);
const WINDOW_MS = Number(process.env.BENCH_RUSH_SECONDS ?? 60) * 1000;
const MODES = (process.env.BENCH_RUSH_MODES ?? '1,2').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUSH_RUNS ?? 1);
/** A parent's pause between two steps of its visit (reading a page, ticking days). */
const STEP_MS = 1000;
/** Past this, an answer counts as a timeout (an error). */
const TIMEOUT_MS = 30_000;
const PASSWORD = 'Banc-Rush-2026';
const MONTH = '2027-03';
/**
 * Two activities whose places run out: every family's child is enrolled in the first
 * (weekdays, 400 places for 500 asking each day), and every other one also in the second
 * (Wednesdays, 100 places for 500 asking). Odd-numbered parents save the first, even ones the second.
 */
const ACTIVITIES = [
  { name: 'Accueil du soir (rush)', weekdays: [1, 2, 3, 4, 5], capacity: Math.round(PARENTS * 0.4) },
  { name: 'Mercredi loisirs (rush)', weekdays: [3], capacity: Math.round(PARENTS * 0.1) },
];
const TEMPLATE_DB = 'espace_famille_rush_template';
/** How long the one hash of the setup took: each sign-in verifies one, on the server. */
let argon2Ms = 0;

interface Parent {
  i: number;
  username: string;
  childId: string;
  enrolmentId: string;
  activity: number;
}

interface Step {
  name: 'home' | 'sign-in' | 'agenda' | 'grid' | 'grid post' | 'recap' | 'valider' | 'result';
  ms: number;
  ok: boolean;
}

interface Visit {
  parent: Parent;
  steps: Step[];
  error?: string;
  /** Days asked for, and what the result page said of each. */
  asked: string[];
  results: Map<string, 'booked' | 'waiting'>;
  /** VALIDER answered: the save happened, whatever came after. */
  saved: boolean;
}

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in the page');
  return m[1]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One parent's visit, each step leaving at its scheduled time or when the previous one answered. */
async function visit(appUrl: string, parent: Parent, arrival: number): Promise<Visit> {
  const v: Visit = { parent, steps: [], asked: [], results: new Map(), saved: false };
  const base = {
    'x-forwarded-proto': 'https',
    // One household, one address: the proxy appends it, TRUST_PROXY=1 reads it.
    'x-forwarded-for': `10.${(parent.i >> 16) & 255}.${(parent.i >> 8) & 255}.${parent.i & 255}`,
  };
  // The cookie jar: a cookie set again replaces the one of the same name.
  const jar = new Map<string, string>();
  let cookie = '';
  const keep = (res: Response) => {
    for (const c of cookiesOf(res)) jar.set(c.slice(0, c.indexOf('=')), c);
    cookie = [...jar.values()].join('; ');
  };
  let stepIndex = 0;
  const step = async (name: Step['name'], url: string, init: RequestInit = {}, scheduledAt?: number): Promise<Response> => {
    const scheduled = scheduledAt ?? arrival + stepIndex++ * STEP_MS;
    const wait = scheduled - performance.now();
    if (wait > 0) await sleep(wait);
    const res = await fetch(`${appUrl}${url}`, {
      ...init,
      redirect: 'manual',
      headers: { ...base, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // The body is read inside the measure: a page counts once it has arrived whole.
    const text = await res.text();
    keep(res);
    v.steps.push({ name, ms: performance.now() - scheduled, ok: true });
    return Object.assign(res, { bodyText: text });
  };
  const body = (r: Response) => (r as Response & { bodyText: string }).bodyText;
  const fail = (name: Step['name'], why: string) => {
    const last = v.steps[v.steps.length - 1];
    if (last && last.name === name) last.ok = false;
    throw new Error(`${name}: ${why}`);
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  try {
    const home = await step('home', '/tarnos/');
    if (home.status !== 200) fail('home', `answered ${home.status}`);
    const signIn = await step('sign-in', '/tarnos/connexion', {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ _csrf: csrfFrom(body(home)), identifiant: parent.username, motDePasse: PASSWORD }),
    });
    if (signIn.status !== 303 || !(signIn.headers.get('location') ?? '').includes('/mon-espace'))
      fail('sign-in', `answered ${signIn.status} ${signIn.headers.get('location') ?? ''}`);

    const agenda = await step('agenda', `/tarnos/mon-espace/enfants/${parent.childId}/agenda?mois=${MONTH}`);
    if (agenda.status !== 200 || !body(agenda).includes('Mon agenda')) fail('agenda', `answered ${agenda.status}`);

    const gridUrl = `/tarnos/mon-espace/enfants/${parent.childId}/reservations/${parent.enrolmentId}`;
    const grid = await step('grid', `${gridUrl}?mois=${MONTH}`);
    if (grid.status !== 200) fail('grid', `answered ${grid.status}`);
    const html = body(grid);
    v.asked = [...html.matchAll(/name="jours" value="([\d-]+)"/g)].map((m) => m[1]!).sort();
    if (v.asked.length === 0) fail('grid', 'no day to book');
    const tick = new URLSearchParams({ _csrf: csrfFrom(html), vue: `mois:${MONTH}`, action: 'recapitulatif' });
    for (const d of html.matchAll(/name="affiches" value="([\d-]+)"/g)) tick.append('affiches', d[1]!);
    for (const d of v.asked) tick.append('jours', d);
    const post = await step('grid post', gridUrl, { method: 'POST', headers: form, body: tick });
    if (post.status !== 303) fail('grid post', `answered ${post.status}`);

    const recap = await step('recap', `${gridUrl}/recapitulatif`);
    const key = /name="cle" value="([^"]+)"/.exec(body(recap));
    if (recap.status !== 200 || !key) fail('recap', `answered ${recap.status} without a key`);

    const save = await step('valider', `${gridUrl}/valider`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ _csrf: csrfFrom(body(recap)), cle: key![1]! }),
    });
    const location = save.headers.get('location') ?? '';
    if (save.status !== 303 || !location.includes('/reservations/demandes/')) fail('valider', `answered ${save.status} ${location}`);
    v.saved = true;

    // What the parent is told, day by day (rows in day order, one child: the asked days sorted).
    const result = await step('result', location.replace(/^https?:\/\/[^/]+/, ''), {}, performance.now());
    if (result.status !== 200) fail('result', `answered ${result.status}`);
    const words = [...body(result).matchAll(/<tr><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m[1]!);
    if (words.length !== v.asked.length) fail('result', `${words.length} days listed for ${v.asked.length} asked`);
    words.forEach((w, k) => {
      const outcome = w === 'Réservé' ? 'booked' : w.startsWith('En liste d') ? 'waiting' : undefined;
      if (!outcome) fail('result', `unexpected result "${w}"`);
      v.results.set(v.asked[k]!, outcome!);
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A network error or timeout: the step never answered.
    if (!/^(home|sign-in|agenda|grid|grid post|recap|valider|result): /.test(message)) {
      const names: Step['name'][] = ['home', 'sign-in', 'agenda', 'grid', 'grid post', 'recap', 'valider', 'result'];
      v.steps.push({ name: names[Math.min(v.steps.length, names.length - 1)]!, ms: TIMEOUT_MS, ok: false });
      v.error = `${v.steps[v.steps.length - 1]!.name}: ${(err as Error).name === 'TimeoutError' ? 'timeout' : message}`;
    } else v.error = message;
  }
  return v;
}

/** The template database: migrations, the demo towns, and the rush's families, before any clock. */
async function prepareTemplate(adminUrl: string, url: string): Promise<{ activityIds: string[]; parents: Parent[] }> {
  const logger = createLogger('warn');
  await ensureDatabase(adminUrl, TEMPLATE_DB);
  const pool = createPool(url, logger, 4);
  try {
    await migrate(pool, logger);
    await loadDemoData(pool);
    const { rows: towns } = await pool.query<{ id: string }>(`select id from towns where slug = 'tarnos'`);
    const townId = towns[0]!.id;
    const activityIds: string[] = [];
    for (const a of ACTIVITIES) {
      const { rows } = await pool.query<{ id: string }>(
        `insert into activities (town_id, name, site, unit, start_date, end_date, weekdays, runs_during, capacity)
         values ($1, $2, 'Groupe scolaire du Bourg', 'Journée', '2027-01-04', '2027-06-30', $3, 'all', $4) returning id`,
        [townId, a.name, a.weekdays, a.capacity],
      );
      activityIds.push(rows[0]!.id);
    }
    // One hash for every account: 1,000 argon2 hashes would take longer than the rush.
    const hashStart = performance.now();
    const hash = await hashPassword(PASSWORD);
    argon2Ms = performance.now() - hashStart;
    const { rows: cgu } = await pool.query<{ v: number | null }>(
      `select max(version) as v from town_texts where town_id = $1 and kind = 'cgu'`,
      [townId],
    );
    await pool.query(
      `insert into families (town_id, cle_enfance, name) select $1, 'RUSH-' || n, 'RUSH' from generate_series(1, $2::int) n`,
      [townId, PARENTS],
    );
    await pool.query(
      `insert into children (town_id, family_id, first_names, last_name)
       select $1, f.id, 'Enfant ' || substr(f.cle_enfance, 6), 'RUSH' from families f where f.town_id = $1 and f.cle_enfance like 'RUSH-%'`,
      [townId],
    );
    await pool.query(
      `insert into accounts (town_id, family_id, username, email, civility, last_name, first_names, password_hash,
         password_is_temporary, created_via, validation_status, validated_at, email_confirmed_at, cgu_version_accepted, cgu_accepted_at)
       select $1, f.id, 'rush-' || substr(f.cle_enfance, 6), 'rush-' || substr(f.cle_enfance, 6) || '@example.fr', 'Mme', 'RUSH', 'Parent',
              $2, false, 'wizard', 'validated', now(), now(), $3, now()
         from families f where f.town_id = $1 and f.cle_enfance like 'RUSH-%'`,
      [townId, hash, cgu[0]?.v ?? null],
    );
    // Everyone in the first activity; even-numbered families' children also in the second.
    await pool.query(
      `insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
       select $1, $2, c.id, '2027-01-04', '2027-06-30' from children c join families f on f.id = c.family_id
        where f.town_id = $1 and f.cle_enfance like 'RUSH-%'`,
      [townId, activityIds[0]],
    );
    await pool.query(
      `insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
       select $1, $2, c.id, '2027-01-04', '2027-06-30' from children c join families f on f.id = c.family_id
        where f.town_id = $1 and f.cle_enfance like 'RUSH-%' and substr(f.cle_enfance, 6)::int % 2 = 0`,
      [townId, activityIds[1]],
    );
    const { rows } = await pool.query<{ n: number; childId: string; enrolmentId: string; activityId: string }>(
      `select substr(f.cle_enfance, 6)::int as n, c.id as "childId", e.id as "enrolmentId", e.activity_id as "activityId"
         from families f join children c on c.family_id = f.id join enrolments e on e.child_id = c.id
        where f.town_id = $1 and f.cle_enfance like 'RUSH-%'
          and e.activity_id = case when substr(f.cle_enfance, 6)::int % 2 = 0 then $3::uuid else $2::uuid end
        order by n`,
      [townId, activityIds[0], activityIds[1]],
    );
    const parents = rows.map((r) => ({
      i: r.n,
      username: `rush-${r.n}`,
      childId: r.childId,
      enrolmentId: r.enrolmentId,
      activity: activityIds.indexOf(r.activityId),
    }));
    await pool.query('vacuum analyze');
    return { activityIds, parents };
  } finally {
    await pool.end();
  }
}

/** `src/server.ts` as `npm start` runs it in production, with `workers` app processes. */
async function spawnApp(
  databaseUrl: string,
  workers: number,
  smtpPort: number,
): Promise<{ url: string; cpuSeconds: () => number; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'src/server.ts')], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
      PUBLIC_BASE_URL: 'https://espace-famille.example',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'false',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      WEB_CONCURRENCY: String(workers),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM'); // the supervisor stops its workers gracefully, then itself
    await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
    await exited;
  };
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the app exited (${proc.exitCode}) before answering`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      await stop();
      throw new Error('the app did not answer /readyz within 60 s');
    }
    await sleep(250);
  }
  // The first worker answers; the others may still be loading their modules.
  await sleep(workers > 1 ? 8_000 : 1_000);
  return { url, cpuSeconds: () => treeCpuSeconds(proc.pid!), stop };
}

interface Reconciliation {
  ok: boolean;
  lines: string[];
  believedBooked: number;
  believedWaiting: number;
  heldBooked: number;
  heldWaiting: number;
  missing: number;
  extra: number;
  oversold: number;
}

/** The database against the load: capacity kept on every day, and exactly what the parents were told. */
async function reconcile(databaseUrl: string, activityIds: string[], visits: Visit[]): Promise<Reconciliation> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: days } = await client.query<{ activityId: string; day: string; capacity: number; booked: number; counted: number }>(
      `select d.activity_id as "activityId", to_char(d.day, 'YYYY-MM-DD') as day, d.capacity, d.booked,
              (select count(*)::int from reservations r where r.activity_id = d.activity_id and r.day = d.day and r.status = 'booked') as counted
         from activity_days d where d.activity_id = any($1::uuid[]) order by d.activity_id, d.day`,
      [activityIds],
    );
    const { rows: held } = await client.query<{ childId: string; activityId: string; day: string; status: 'booked' | 'waiting' }>(
      `select child_id as "childId", activity_id as "activityId", to_char(day, 'YYYY-MM-DD') as day, status
         from reservations where activity_id = any($1::uuid[])`,
      [activityIds],
    );
    const lines: string[] = [];
    const oversold = days.filter((d) => d.booked > d.capacity || d.counted > d.capacity || d.counted !== d.booked);
    for (const d of oversold)
      lines.push(`  OVERSOLD or miscounted: ${d.day}: ${d.counted} booked lines, counter ${d.booked}, capacity ${d.capacity}`);
    const fullDays = days.filter((d) => d.counted === d.capacity).length;
    lines.push(
      `  ${days.length} activity days: every one within capacity and its counter equal to its booked lines: ${oversold.length === 0 ? 'yes' : 'NO'} (${fullDays} full)`,
    );

    // Parents whose save may or may not have happened (no answer to VALIDER) are left out of
    // both sides: the load cannot know.
    const inDoubt = new Set(visits.filter((v) => !v.saved && v.steps.some((s) => s.name === 'valider')).map((v) => v.parent.childId));
    const believed = new Map<string, 'booked' | 'waiting'>();
    for (const v of visits) {
      for (const [day, outcome] of v.results) believed.set(`${v.parent.childId}:${activityIds[v.parent.activity]}:${day}`, outcome);
    }
    const heldMap = new Map(held.filter((h) => !inDoubt.has(h.childId)).map((h) => [`${h.childId}:${h.activityId}:${h.day}`, h.status]));
    let missing = 0;
    let extra = 0;
    for (const [key, outcome] of believed) if (heldMap.get(key) !== outcome) missing += 1;
    for (const [key, status] of heldMap) if (believed.get(key) !== status) extra += 1;
    const count = (m: Map<string, string>, s: string) => [...m.values()].filter((x) => x === s).length;
    // A save answered but whose result page failed: its lines are in the database, not in the load's belief.
    const unread = visits.filter((v) => v.saved && v.results.size === 0).length;
    lines.push(
      `  the load was told: ${count(believed, 'booked')} days booked, ${count(believed, 'waiting')} on the waiting list (full); ` +
        `the database holds ${count(heldMap, 'booked')} and ${count(heldMap, 'waiting')}` +
        (inDoubt.size ? ` (${inDoubt.size} parents without an answer to VALIDER left out)` : ''),
    );
    lines.push(
      `  missing from the database: ${missing}; in the database but not told: ${extra}${unread ? ` (${unread} result pages unread)` : ''}`,
    );
    return {
      ok: oversold.length === 0 && missing === 0 && extra === 0,
      lines,
      believedBooked: count(believed, 'booked'),
      believedWaiting: count(believed, 'waiting'),
      heldBooked: count(heldMap, 'booked'),
      heldWaiting: count(heldMap, 'waiting'),
      missing,
      extra,
      oversold: oversold.length,
    };
  } finally {
    await client.end();
  }
}

/** CPU seconds (user + system) of a process and its live children (the supervisor and its workers). */
function treeCpuSeconds(pid: number): number {
  const cpuOf = (p: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no such process any more
  }
  return cpuOf(pid) + children.reduce((n, c) => n + cpuOf(c), 0);
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: pct(50), p95: pct(95), p99: pct(99) };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const startedAt = performance.now();
  const logger = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-rush-'));
  fs.chmodSync(tmp, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: false });
  const smtp = new TestSmtpServer();
  await smtp.start(await freePort());
  const stops: Array<() => Promise<void>> = [
    async () => smtp.stop(),
    async () => embedded.stop(),
    async () => fs.rmSync(tmp, { recursive: true, force: true }),
  ];
  const onSignal = () => void Promise.all(stops.map((s) => s().catch(() => {}))).then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    process.stdout.write(`Rush bench — Node ${process.version}, ${os.cpus().length} CPU(s). Setup (${PARENTS} families)… `);
    const setupStart = performance.now();
    const { activityIds, parents } = await prepareTemplate(embedded.adminUrl, embedded.urlFor(TEMPLATE_DB));
    console.log(`${((performance.now() - setupStart) / 1000).toFixed(1)} s`);
    const rows: BenchRow[] = [];
    let run = 0;
    for (const workers of MODES) {
      for (let r = 0; r < RUNS; r++) {
        run += 1;
        // Same data for every run: a fresh copy of the template.
        const dbName = `espace_famille_rush_${run}`;
        const admin = new pg.Client({ connectionString: embedded.adminUrl });
        await admin.connect();
        await admin.query(`create database ${dbName} template ${TEMPLATE_DB}`);
        await admin.end();
        const databaseUrl = embedded.urlFor(dbName);
        const app = await spawnApp(databaseUrl, workers, smtp.port);
        stops.unshift(app.stop);
        const label = `WEB_CONCURRENCY=${workers}`;
        process.stdout.write(`  ${label}, run ${r + 1}: ${PARENTS} parents over ${WINDOW_MS / 1000} s… `);
        const loadAtStart = loadAverage();
        const start = performance.now() + 200;
        const appCpuBefore = app.cpuSeconds();
        const clientCpuBefore = process.cpuUsage();
        const visits = await Promise.all(parents.map((p, k) => visit(app.url, p, start + (k * WINDOW_MS) / PARENTS)));
        const seconds = (performance.now() - start) / 1000;
        // Where the machine's time went: the app's processes, and this load generator.
        const appCpu = app.cpuSeconds() - appCpuBefore;
        const clientUsage = process.cpuUsage(clientCpuBefore);
        const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
        await app.stop();
        stops.shift();
        const requests = visits.reduce((n, v) => n + v.steps.length, 0);
        const errors = visits.filter((v) => v.error);
        console.log(`${requests} requests in ${seconds.toFixed(1)} s, ${errors.length} parents with an error`);
        console.log(
          `    CPU: the app's processes ${appCpu.toFixed(1)} s (${((appCpu * 1000) / PARENTS).toFixed(0)} ms a parent, ` +
            `argon2id ${argon2Ms.toFixed(0)} ms of it at most), the load generator ${clientCpu.toFixed(1)} s; load average ${loadAverage().join(' ')}`,
        );
        const reasons = new Map<string, number>();
        for (const v of errors) reasons.set(v.error!, (reasons.get(v.error!) ?? 0) + 1);
        for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`    ${n} × ${reason}`);
        const rec = await reconcile(databaseUrl, activityIds, visits);
        console.log(`  Reconciliation (${label}, run ${r + 1}): ${rec.ok ? 'OK' : 'MISMATCH'}`);
        for (const line of rec.lines) console.log(line);
        const of = (name: Step['name']) => visits.flatMap((v) => v.steps.filter((s) => s.name === name).map((s) => s.ms));
        const valider = percentiles(of('valider'));
        const signIn = percentiles(of('sign-in'));
        const fullRefusals = [...visits].reduce((n, v) => n + [...v.results.values()].filter((o) => o === 'waiting').length, 0);
        const rush = {
          workers,
          run: r + 1,
          parents: PARENTS,
          windowSeconds: WINDOW_MS / 1000,
          requests,
          seconds: Math.round(seconds * 10) / 10,
          loadAtStart,
          loadAtEnd: loadAverage(),
          appCpuSeconds: Math.round(appCpu * 10) / 10,
          clientCpuSeconds: Math.round(clientCpu * 10) / 10,
          argon2Ms: Math.round(argon2Ms),
          saves: visits.filter((v) => v.saved).length,
          parentsWithError: errors.length,
          errors: Object.fromEntries(reasons),
          fullRefusals,
          reconciliation: rec,
        };
        rows.push({
          scenario: `rush, ${label} (run ${r + 1}): VALIDER`,
          requestsPerSecond: requests / seconds,
          p50: valider.p50,
          p95: valider.p95,
          p99: valider.p99,
          target: { p95Max: 300 },
          failures: errors.length + (rec.ok ? 0 : rec.missing + rec.extra + rec.oversold || 1),
          note:
            `${PARENTS} parents over ${WINDOW_MS / 1000} s, open loop; ${rush.saves} saves, ${fullRefusals} days refused as full ` +
            `(waiting list), reconciliation ${rec.ok ? 'OK' : 'MISMATCH'}; req/s counts all ${requests} requests`,
          rush,
        } as BenchRow);
        rows.push({
          scenario: `rush, ${label} (run ${r + 1}): sign-in`,
          requestsPerSecond: of('sign-in').length / seconds,
          p50: signIn.p50,
          p95: signIn.p95,
          p99: signIn.p99,
          failures: errors.filter((v) => v.error!.startsWith('sign-in') || v.error!.startsWith('home')).length,
          note: 'the sign-in POST (argon2id), from its scheduled time',
        });
      }
    }
    printTable(rows);
    for (const r of rows) console.log(`  ${r.scenario}: ${r.note}.`);
    console.log(`\n  Load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAverage().join(' ')} after.`);
    writeResults('rush', rows, { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) });
  } finally {
    process.removeListener('SIGINT', onSignal);
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
