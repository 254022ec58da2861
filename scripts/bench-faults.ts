/**
 * `npm run bench:faults`: PostgreSQL stopped for 20 seconds under load (issue 20, "Faults";
 * docs/pannes.md). Not part of CI: it lasts about a minute.
 *
 * The app runs as `npm start` runs it (production mode, bootstrap's start) on its own embedded
 * PostgreSQL; parents save a month of reservations in a loop (grid, grid post, recap, VALIDER),
 * a parent's agenda and /readyz are probed every 250 ms. After a warm-up the embedded server is
 * really stopped (a fast shutdown, as `pg_ctl stop -m fast`), left down OUTAGE seconds, then
 * started again; the app is never restarted. Measured:
 * - every answer during the outage: 503 (the French page), none 500, and /healthz answering
 *   all along (the process stays up);
 * - recovery: from the database accepting connections again to /readyz 200 and the first
 *   VALIDER saved (target < 30 s);
 * - reconciliation: every save the load saw confirmed is in the database once, no day is
 *   reserved twice, and each child's reserved days are what its parent's last confirmed save
 *   left (each parent ends on a confirmed save).
 *
 * Environment: BENCH_OUTAGE (seconds the database is down, default 20), BENCH_SAVERS (parents
 * saving, default 10), BENCH_RESULTS (where to write the JSON, section "faults").
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { start } from '../src/bootstrap.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { FixedClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/passwords.js';
import { insertAccount } from '../src/repositories/accounts.repository.js';
import { loadAverage, writeResults, type TimedRow } from './bench-results.js';
import { benchConfig } from './bench-app.js';
import { freePort } from './free-port.js';

const OUTAGE = Number(process.env.BENCH_OUTAGE ?? 20);
const SAVERS = Number(process.env.BENCH_SAVERS ?? 10);
const WARMUP = 5;
const AFTER = 10;
const RECOVERY_MAX = 30;
const PASSWORD = 'Banc-Panne-2026';
// Monday 23 November 2026: January 2027 is wholly open under Tarnos's 15-day rule.
const NOW = '2026-11-23T09:00:00Z';
const MONTH = '2027-01';
const HEADERS = { 'x-forwarded-proto': 'https' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!);
function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token');
  return m[1]!;
}

type Phase = 'before' | 'outage' | 'after';
interface Answer {
  phase: Phase;
  what: 'VALIDER' | 'page' | 'readyz';
  status: number; // 0: no answer (connection error, timeout)
  at: number;
}

interface Saver {
  cookie: string;
  grid: string;
  days: string[];
  familyId: string;
  childId: string;
  /** The next save books the month (true) or cancels it. */
  book: boolean;
  /** Keys of the saves the load saw confirmed (303 to the submission page). */
  confirmed: string[];
  /** Whether the last VALIDER answer seen was a confirmation. */
  lastConfirmed: boolean;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const startedAt = performance.now();
  const logger = createLogger('fatal'); // the outage logs an error per request: not what is measured
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-bench-faults-'));
  fs.chmodSync(tmp, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: true });
  const stops: Array<() => Promise<void>> = [
    async () => new Promise((resolve) => setTimeout(resolve, 300)),
    async () => embedded.stop(),
    async () => fs.rmSync(tmp, { recursive: true, force: true }),
  ];
  try {
    await ensureDatabase(embedded.adminUrl, 'espace_famille_faults');
    const databaseUrl = embedded.urlFor('espace_famille_faults');
    const config = benchConfig(databaseUrl, { LOG_LEVEL: 'fatal', SMTP_URL: 'smtp://127.0.0.1:9' });
    const running = await start({ config, logger, mailWorker: false, clock: new FixedClock(NOW) });
    stops.unshift(() => running.stop());
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
    // The script's own reads, after the outage (its clients would be dead otherwise).
    const pool = createPool(databaseUrl, logger, 4);
    stops.unshift(() => pool.end());

    const { rows: towns } = await pool.query<{ id: string }>(`select id from towns where slug = 'tarnos'`);
    const townId = towns[0]!.id;
    const { rows: cgu } = await pool.query<{ v: number }>(`select max(version) as v from town_texts where town_id = $1 and kind = 'cgu'`, [
      townId,
    ]);
    const { rows: activity } = await pool.query<{ id: string }>(
      `select id from activities where town_id = $1 and name = 'Restauration Scolaire'`,
      [townId],
    );
    const passwordHash = await hashPassword(PASSWORD);
    const savers: Saver[] = [];
    for (let i = 0; i < SAVERS; i++) {
      const fam = await pool.query<{ id: string }>(
        `insert into families (town_id, cle_enfance, name) values ($1, $2, 'PANNE') returning id`,
        [townId, `PANNE-${i}`],
      );
      const familyId = fam.rows[0]!.id;
      const child = await pool.query<{ id: string }>(
        `insert into children (town_id, family_id, first_names, last_name) values ($1, $2, 'Essai', 'PANNE') returning id`,
        [townId, familyId],
      );
      const enrolment = await pool.query<{ id: string }>(
        `insert into enrolments (town_id, activity_id, child_id, start_date, end_date) values ($1, $2, $3, '2026-09-01', '2027-07-02') returning id`,
        [townId, activity[0]!.id, child.rows[0]!.id],
      );
      const username = `banc-panne-${i}`;
      const account = await insertAccount(pool, {
        townId,
        familyId,
        username,
        email: `${username}@example.fr`,
        civility: 'Mme',
        lastName: 'Panne',
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
      const home = await fetch(`${appUrl}/tarnos/`, { headers: HEADERS });
      const csrfCookie = cookiesOf(home).find((c) => c.includes('ef.csrf='))!;
      const signIn = await fetch(`${appUrl}/tarnos/connexion`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...HEADERS, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfFrom(await home.text()), identifiant: username, motDePasse: PASSWORD }),
      });
      if (signIn.status !== 303) throw new Error(`sign-in answered ${signIn.status}`);
      await pool.query('delete from rate_limits');
      const cookie = cookiesOf(signIn).join('; ');
      const grid = `/tarnos/mon-espace/enfants/${child.rows[0]!.id}/reservations/${enrolment.rows[0]!.id}`;
      const page = await (await fetch(`${appUrl}${grid}?mois=${MONTH}`, { headers: { ...HEADERS, cookie } })).text();
      const days = [...page.matchAll(/name="affiches" value="([\d-]+)"/g)].map((m) => m[1]!);
      if (days.length === 0) throw new Error('no day to reserve in the grid');
      savers.push({ cookie, grid, days, familyId, childId: child.rows[0]!.id, book: true, confirmed: [], lastConfirmed: false });
    }
    const agendaPath = `/tarnos/mon-espace/enfants/${savers[0]!.childId}/agenda?mois=2026-12`;

    const answers: Answer[] = [];
    let phase: Phase = 'before';
    let running_ = true;
    let healthzFailures = 0;
    let restartedAt = 0;
    let firstReadyAfter = 0;
    let firstSaveAfter = 0;
    const fetchStatus = async (url: string, init: RequestInit = {}) => {
      try {
        const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
        const body = await res.text();
        return { status: res.status, body, location: res.headers.get('location') ?? '' };
      } catch {
        return { status: 0, body: '', location: '' };
      }
    };
    const note = (what: Answer['what'], status: number) => answers.push({ phase, what, status, at: performance.now() });

    /** One parent: prepare the save (grid, post, recap), VALIDER, again and again. */
    async function saverLoop(s: Saver, until: () => boolean): Promise<void> {
      while (until()) {
        const h = { ...HEADERS, cookie: s.cookie };
        const grid = await fetchStatus(`${appUrl}${s.grid}?mois=${MONTH}`, { headers: h });
        note('page', grid.status);
        if (grid.status !== 200) {
          await sleep(250);
          continue;
        }
        const body = new URLSearchParams({ _csrf: csrfFrom(grid.body), vue: `mois:${MONTH}`, action: 'recapitulatif' });
        for (const d of s.days) {
          body.append('affiches', d);
          if (s.book) body.append('jours', d);
        }
        const post = await fetchStatus(`${appUrl}${s.grid}`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        note('page', post.status);
        if (post.status !== 303) continue;
        const recap = await fetchStatus(`${appUrl}${s.grid}/recapitulatif`, { headers: h });
        note('page', recap.status);
        const key = /name="cle" value="([^"]+)"/.exec(recap.body)?.[1];
        if (recap.status !== 200 || !key) continue;
        const save = await fetchStatus(`${appUrl}${s.grid}/valider`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrfFrom(recap.body), cle: key }),
        });
        note('VALIDER', save.status);
        s.lastConfirmed = save.status === 303 && save.location.includes('/reservations/demandes/');
        if (s.lastConfirmed) {
          s.confirmed.push(key);
          s.book = !s.book;
          if (phase === 'after' && !firstSaveAfter) firstSaveAfter = performance.now();
        }
        await sleep(100);
      }
    }

    async function probeLoop(): Promise<void> {
      while (running_) {
        const [ready, agenda, health] = await Promise.all([
          fetchStatus(`${appUrl}/readyz`),
          fetchStatus(`${appUrl}${agendaPath}`, { headers: { ...HEADERS, cookie: savers[0]!.cookie } }),
          fetchStatus(`${appUrl}/healthz`),
        ]);
        note('readyz', ready.status);
        note('page', agenda.status);
        if (health.status !== 200) healthzFailures += 1;
        if (phase === 'after' && ready.status === 200 && !firstReadyAfter) firstReadyAfter = performance.now();
        await sleep(250);
      }
    }

    console.log(
      `Fault bench — Node ${process.version}, ${os.cpus().length} CPU(s): ${SAVERS} parents saving, PostgreSQL down ${OUTAGE} s.\n`,
    );
    const loops = [probeLoop(), ...savers.map((s) => saverLoop(s, () => running_))];
    await sleep(WARMUP * 1000);

    process.stdout.write('  stopping PostgreSQL (fast shutdown)… ');
    phase = 'outage';
    const stopStarted = performance.now();
    await embedded.pause();
    const stopSeconds = (performance.now() - stopStarted) / 1000;
    console.log(`down after ${stopSeconds.toFixed(2)} s; waiting ${OUTAGE} s`);
    await sleep(OUTAGE * 1000);
    process.stdout.write('  starting PostgreSQL again… ');
    const startStarted = performance.now();
    await embedded.resume();
    restartedAt = performance.now();
    phase = 'after';
    console.log(`accepting connections after ${((restartedAt - startStarted) / 1000).toFixed(2)} s`);
    const deadline = restartedAt + RECOVERY_MAX * 1000;
    while ((!firstReadyAfter || !firstSaveAfter) && performance.now() < deadline) await sleep(100);
    await sleep(AFTER * 1000);
    running_ = false;
    await Promise.all(loops);
    // Each parent ends on a confirmed save, so its child's days are known for the reconciliation.
    await Promise.all(
      savers.map((s) => {
        const end = performance.now() + 30_000;
        return saverLoop(s, () => !s.lastConfirmed && performance.now() < end);
      }),
    );

    // Reconciliation against the database.
    const familyIds = savers.map((s) => s.familyId);
    const { rows: submissions } = await pool.query<{ key: string; familyId: string }>(
      `select idempotency_key as key, family_id as "familyId" from reservation_submissions where family_id = any($1)`,
      [familyIds],
    );
    const stored = new Map<string, number>();
    for (const r of submissions) stored.set(`${r.familyId} ${r.key}`, (stored.get(`${r.familyId} ${r.key}`) ?? 0) + 1);
    let lost = 0;
    let doubled = 0;
    let confirmedTotal = 0;
    for (const s of savers) {
      for (const key of s.confirmed) {
        confirmedTotal += 1;
        const n = stored.get(`${s.familyId} ${key}`) ?? 0;
        if (n === 0) lost += 1;
        if (n > 1) doubled += 1;
      }
    }
    const { rows: twice } = await pool.query<{ n: number }>(
      `select count(*)::int as n from (select child_id, day from reservations where child_id = any($1) and status = 'booked'
         group by child_id, day having count(*) > 1) d`,
      [savers.map((s) => s.childId)],
    );
    let wrongState = 0;
    let unsettled = 0;
    for (const s of savers) {
      if (!s.lastConfirmed) {
        unsettled += 1;
        continue;
      }
      // After its last confirmed save the next one would do the opposite: `book` says what it left.
      const expectBooked = !s.book;
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from reservations where child_id = $1 and status = 'booked' and day between $2 and $3`,
        [s.childId, s.days[0], s.days[s.days.length - 1]],
      );
      if (rows[0]!.n !== (expectBooked ? s.days.length : 0)) wrongState += 1;
    }
    const unanswered = submissions.length - confirmedTotal; // committed, but the parent saw an error page

    const during = answers.filter((a) => a.phase === 'outage');
    // Requests that began before the database went down may still have been answered normally.
    const afterDown = during.filter((a) => a.at > stopStarted + stopSeconds * 1000 + 1000);
    const byStatus = (list: Answer[]) =>
      list.reduce<Record<string, number>>((m, a) => ({ ...m, [String(a.status)]: (m[String(a.status)] ?? 0) + 1 }), {});
    const outageStatuses = byStatus(afterDown);
    const non503 = afterDown.filter((a) => a.status !== 503).length;
    const fiveHundreds = during.filter((a) => a.status === 500).length;
    const recoveryReady = firstReadyAfter ? (firstReadyAfter - restartedAt) / 1000 : Infinity;
    const recoverySave = firstSaveAfter ? (firstSaveAfter - restartedAt) / 1000 : Infinity;
    const alive = running.server.listening && healthzFailures === 0;

    console.log(`\n  answers while the database was down (after the first second): ${JSON.stringify(outageStatuses)}`);
    console.log(`  500 answers during the outage: ${fiveHundreds}; /healthz failures: ${healthzFailures}; process alive: ${alive}`);
    console.log(
      `  recovery after PostgreSQL accepted connections: /readyz ${recoveryReady.toFixed(1)} s, first VALIDER ${recoverySave.toFixed(1)} s`,
    );
    console.log(
      `  reconciliation: ${confirmedTotal} saves confirmed to parents, ${submissions.length} in the database; ` +
        `lost ${lost}, doubled ${doubled}, days reserved twice ${twice[0]!.n}, children not in their last confirmed state ${wrongState}` +
        `, committed but answered with an error ${unanswered}, parents not settled ${unsettled}`,
    );
    const pass =
      non503 === 0 &&
      fiveHundreds === 0 &&
      alive &&
      recoveryReady < RECOVERY_MAX &&
      recoverySave < RECOVERY_MAX &&
      lost === 0 &&
      doubled === 0;
    const reconciled = lost === 0 && doubled === 0 && twice[0]!.n === 0 && wrongState === 0 && unsettled === 0 && unanswered >= 0;
    console.log(`\n  ${pass && reconciled ? 'PASS' : 'FAIL'}`);
    console.log(`  Load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAverage().join(' ')} after.`);

    const rows: TimedRow[] = [
      {
        scenario: `recovery after a ${OUTAGE} s PostgreSQL stop: /readyz`,
        seconds: Math.round(recoveryReady * 10) / 10,
        secondsMax: RECOVERY_MAX,
        note: 'from the restarted server accepting connections to /readyz 200, the app not restarted',
        details: { outageAnswers: afterDown.length, non503, fiveHundreds, healthzFailures },
      },
      {
        scenario: `recovery after a ${OUTAGE} s PostgreSQL stop: first VALIDER saved`,
        seconds: Math.round(recoverySave * 10) / 10,
        secondsMax: RECOVERY_MAX,
        note: `${SAVERS} parents saving a month in a loop; every answer during the outage must be 503, none 500`,
        details: {
          confirmed: confirmedTotal,
          inDatabase: submissions.length,
          lost,
          doubled,
          daysReservedTwice: twice[0]!.n,
          wrongState,
          committedButAnsweredError: unanswered,
          unsettled,
          outage503: outageStatuses['503'] ?? 0,
        },
      },
    ];
    writeResults('faults', rows, { loadBefore, durationSeconds: Math.round((performance.now() - startedAt) / 1000) });
    if (!pass || !reconciled) process.exitCode = 1;
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
