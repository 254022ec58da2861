/**
 * `sh scripts/node24.sh npx tsx scripts/profile-views.ts`: micro-benchmarks of what a heavy
 * page pays besides its queries, to decide with figures (issue 13, docs/performance.md,
 * "Measure, then choose"):
 *
 * 1. EJS: the town home, the dashboard of a family with three children and twenty requests,
 *    and the week grid of a child's reservations, rendered (page, then layout, as
 *    src/lib/views.ts does) with the options of today and with the alternatives that need no
 *    template rewritten: `compileDebug: false` (no line tracking), and `_with: false` with
 *    the locals declared by `destructuredLocals` (no `with` block). Each variant's HTML must
 *    be the same as today's. Also counts the `fs.existsSync` calls EJS makes per render (it
 *    resolves every `include` on disk, even with the cache on).
 * 2. The logger: pino-http with the app's options, per request, at LOG_LEVEL=warn (nothing
 *    written) and info (one line per request, the production default).
 * 3. Compression: gzip (level 6) and brotli (quality 4), the `compression` middleware's
 *    defaults, of these pages' HTML and of main.css: bytes and CPU per response.
 *
 * The pages' locals are the real ones: the app runs in production mode on an embedded
 * PostgreSQL, a parent signs in, and the view engine is wrapped to keep the locals of the
 * first render of each page. Environment: PROFILE_RENDERS (renders per measure, default 2000).
 * Every figure is the fastest of several measures (see timeIt): compare them on a quiet machine.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import ejs from 'ejs';
import type express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { start } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { FixedClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/passwords.js';
import { PUBLIC_DIR, VIEWS_DIR } from '../src/lib/paths.js';
import { insertAccount } from '../src/repositories/accounts.repository.js';
import { freePort } from './free-port.js';

const RENDERS = Number(process.env.PROFILE_RENDERS ?? 2000);
const PASSWORD = 'Banc-Essai-2026';
const NOW = '2026-11-23T09:00:00Z';
const WEEK = '2027-01-04';

type Locals = Record<string, unknown>;
type EngineFn = (file: string, locals: object, cb: (err: Error | null, html?: string) => void) => void;

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!);
const csrfFrom = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/**
 * µs per call of `fn`: the fastest of seven measures of `n` calls each, after a warm-up. On a
 * shared machine the other processes only ever add time, so the minimum is the figure least
 * disturbed by them (the median moved by a factor of two between runs).
 */
function timeIt(n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return best;
}

const LAYOUT = path.join(VIEWS_DIR, 'layouts', 'main.ejs');

/** ejs.renderFile with a callback, which it calls before returning (without one, it returns a promise). */
function renderFileSync(file: string, locals: Locals, options: ejs.Options): string {
  let out: string | undefined;
  let error: unknown;
  ejs.renderFile(file, locals, options, (err, html) => {
    error = err;
    out = html;
  });
  if (error) throw error;
  if (out === undefined) throw new Error(`${file} did not render synchronously`);
  return out;
}

/** Page then layout, as src/lib/views.ts renders them, with extra EJS options. */
function render(file: string, locals: Locals, extra: ejs.Options): string {
  const options = { cache: true, views: [VIEWS_DIR], async: false as const, ...extra };
  const body = renderFileSync(file, locals, options);
  if (locals.layout === false) return body;
  return renderFileSync(LAYOUT, { ...locals, body }, options);
}

/**
 * The names a `_with: false` compile must declare so that the templates keep reading bare
 * names: the locals' keys, plus what the templates read that no local carries (found by
 * rendering until no ReferenceError is left; such a name is then declared and undefined,
 * which is what `typeof x !== 'undefined'` guards expect).
 */
function discoverNames(pages: Array<{ file: string; locals: Locals }>): string[] {
  const names = new Set<string>();
  for (const p of pages) for (const key of Object.keys(p.locals)) if (/^[A-Za-z_$][\w$]*$/.test(key)) names.add(key);
  names.add('body');
  for (let attempt = 0; attempt < 200; attempt++) {
    ejs.clearCache();
    const missing = pages
      .map((p) => {
        try {
          render(p.file, p.locals, { compileDebug: false, _with: false, destructuredLocals: [...names] });
          return undefined;
        } catch (err) {
          return /(\w+) is not defined/.exec(String((err as Error).message))?.[1];
        }
      })
      .filter((n): n is string => n !== undefined);
    if (missing.length === 0) return [...names];
    for (const n of missing) names.add(n);
  }
  throw new Error('could not find every name the templates read');
}

/** EJS's own kind of cache (a plain map), for the variants compiled from the render options. */
function plainCache(): typeof ejs.cache {
  const map = new Map<string, ejs.TemplateFunction>();
  return {
    get: (key: string) => map.get(key),
    set: (key: string, fn: ejs.TemplateFunction) => void map.set(key, fn),
    remove: (key: string) => void map.delete(key),
    reset: () => map.clear(),
  } as unknown as typeof ejs.cache;
}

function ejsFigures(pages: Array<{ label: string; file: string; locals: Locals }>) {
  // src/lib/views.ts installed its cache (each page template compiled with its own list of
  // locals) when the app was imported; the other variants get EJS's plain cache.
  const viewsCache = ejs.cache;
  const plain = plainCache();
  ejs.cache = plain;
  const names = discoverNames(pages);
  const variants: Array<{ name: string; options: ejs.Options; cache: typeof ejs.cache }> = [
    { name: 'before (with, compileDebug)', options: {}, cache: plain },
    { name: 'compileDebug: false', options: { compileDebug: false }, cache: plain },
    {
      name: '_with: false + destructuredLocals, compileDebug: false',
      options: { compileDebug: false, _with: false, destructuredLocals: names },
      cache: plain,
    },
    { name: 'src/lib/views.ts (each file its own list)', options: {}, cache: viewsCache },
  ];
  const existsSync = fs.existsSync;
  for (const page of pages) {
    ejs.cache = plain;
    ejs.clearCache();
    const reference = render(page.file, page.locals, {});
    let calls = 0;
    fs.existsSync = ((p: fs.PathLike) => {
      calls += 1;
      return existsSync(p);
    }) as typeof fs.existsSync;
    render(page.file, page.locals, {});
    fs.existsSync = existsSync;
    const existsCost = timeIt(RENDERS * 10, () => existsSync(LAYOUT));
    console.log(
      `\n  ${page.label}: ${(reference.length / 1024).toFixed(1)} KB of HTML, ${calls} fs.existsSync per render (≈ ${(calls * existsCost).toFixed(0)} µs)`,
    );
    // Two passes over the variants, the best of each kept: neighbours that slow one pass down
    // do not decide the comparison.
    const best = variants.map(() => Infinity);
    for (let pass = 0; pass < 2; pass++) {
      variants.forEach((v, i) => {
        ejs.cache = v.cache;
        ejs.clearCache();
        const html = render(page.file, page.locals, v.options);
        if (html !== reference) throw new Error(`${v.name} renders ${page.label} differently`);
        best[i] = Math.min(
          best[i]!,
          timeIt(RENDERS / 2, () => render(page.file, page.locals, v.options)),
        );
      });
    }
    variants.forEach((v, i) => console.log(`    ${v.name.padEnd(56)} ${best[i]!.toFixed(0).padStart(5)} µs per render`));
  }
  ejs.cache = viewsCache;
  ejs.clearCache();
}

/**
 * pino-http with the options of src/app.ts, on a request object that never meets a socket,
 * against the same loop without it; and with `wrapSerializers: false` (the app's serializers
 * read the raw request and response instead of pino-std-serializers' copies of them).
 */
function loggerFigures() {
  const devNull = pino.destination({ dest: '/dev/null', sync: true });
  const socket = new net.Socket();
  const loop = (middleware: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void) =>
    timeIt(RENDERS * 5, () => {
      const req = new http.IncomingMessage(socket);
      req.method = 'GET';
      req.url = '/tarnos/mon-espace';
      const res = new http.ServerResponse(req);
      middleware(req, res, () => undefined);
      res.statusCode = 200;
      res.emit('finish');
    });
  const bare = Math.min(
    loop((_req, _res, next) => next()),
    loop((_req, _res, next) => next()),
  );
  console.log(`    without a logger (the request and response objects alone) ${bare.toFixed(1).padStart(6)} µs per request`);
  for (const level of ['warn', 'info', 'warn', 'info']) {
    for (const wrapSerializers of [true, false]) {
      const logger = createLogger(level, devNull);
      const middleware = pinoHttp({
        logger,
        wrapSerializers,
        genReqId: (_req, res) => {
          const id = crypto.randomUUID();
          res.setHeader('X-Request-Id', id);
          return id;
        },
        serializers: {
          req: (req: { id: unknown; method: string; url: string; originalUrl?: string }) => ({
            id: req.id,
            method: req.method,
            url: wrapSerializers ? req.url : (req.originalUrl ?? req.url),
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || (req.url ?? '').startsWith('/public/') },
      });
      const us = loop(middleware) - bare;
      console.log(
        `    pino-http at LOG_LEVEL=${level.padEnd(5)}${wrapSerializers ? ' (as the app)       ' : ' wrapSerializers: false'} ${us.toFixed(1).padStart(6)} µs per request`,
      );
    }
  }
}

function compressionFigures(bodies: Array<{ label: string; body: Buffer }>) {
  for (const { label, body } of bodies) {
    const gzip = zlib.gzipSync(body, { level: 6 });
    const br = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
    const gzipUs = timeIt(Math.max(50, RENDERS / 10), () => zlib.gzipSync(body, { level: 6 }));
    const brUs = timeIt(Math.max(50, RENDERS / 10), () =>
      zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
    );
    console.log(
      `    ${label.padEnd(28)} ${(body.length / 1024).toFixed(1).padStart(5)} KB → gzip ${(gzip.length / 1024).toFixed(1)} KB in ${gzipUs.toFixed(0)} µs, brotli ${(br.length / 1024).toFixed(1)} KB in ${brUs.toFixed(0)} µs`,
    );
  }
}

async function main(): Promise<void> {
  const logger = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-profile-views-'));
  fs.chmodSync(tmp, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort(), logger, persistent: false });
  const stops: Array<() => Promise<void>> = [
    // pg's pool.end() resolves before its idle clients have said goodbye: give them a moment.
    async () => new Promise((resolve) => setTimeout(resolve, 300)),
    async () => embedded.stop(),
    async () => fs.rmSync(tmp, { recursive: true, force: true }),
  ];
  try {
    await ensureDatabase(embedded.adminUrl, 'espace_famille_profile');
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: embedded.urlFor('espace_famille_profile'),
      SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
      PUBLIC_BASE_URL: 'https://espace-famille.example',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'true',
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    const running = await start({ config, logger, mailWorker: false, clock: new FixedClock(NOW) });
    stops.unshift(() => running.stop());
    const appUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
    const headers = { 'x-forwarded-proto': 'https' };

    // Keep the locals of each page's first render.
    const app = running.server.listeners('request')[0] as express.Express;
    const engines = (app as unknown as { engines: Record<string, EngineFn> }).engines;
    const engine = engines['.ejs']!;
    const captured: Array<{ file: string; locals: Locals }> = [];
    engines['.ejs'] = (file, locals, cb) => {
      captured.push({ file, locals: locals as Locals });
      engine(file, locals, cb);
    };
    const capture = async (url: string, cookie?: string) => {
      captured.length = 0;
      const res = await fetch(`${appUrl}${url}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200 || captured.length !== 1) throw new Error(`GET ${url} answered ${res.status}`);
      return { ...captured[0]!, body };
    };

    const pool = running.pool;
    const { rows: towns } = await pool.query<{ id: string }>(`select id from towns where slug = 'tarnos'`);
    const townId = towns[0]!.id;
    const { rows: cgu } = await pool.query<{ v: number }>(`select max(version) as v from town_texts where town_id = $1 and kind = 'cgu'`, [
      townId,
    ]);
    const { rows: activity } = await pool.query<{ id: string }>(
      `select id from activities where town_id = $1 and name = 'Restauration Scolaire'`,
      [townId],
    );
    const family = await pool.query<{ id: string }>(
      `insert into families (town_id, cle_enfance, name) values ($1, 'PROFIL-1', 'BANC') returning id`,
      [townId],
    );
    const familyId = family.rows[0]!.id;
    const children: string[] = [];
    for (const name of ['Léna', 'Noé', 'Inès']) {
      const child = await pool.query<{ id: string }>(
        `insert into children (town_id, family_id, first_names, last_name) values ($1, $2, $3, 'BANC') returning id`,
        [townId, familyId, name],
      );
      children.push(child.rows[0]!.id);
    }
    const enrolment = await pool.query<{ id: string }>(
      `insert into enrolments (town_id, activity_id, child_id, start_date, end_date) values ($1, $2, $3, '2026-09-01', '2027-07-02') returning id`,
      [townId, activity[0]!.id, children[0]],
    );
    for (let i = 0; i < 20; i++) {
      await pool.query(
        `insert into requests (town_id, family_id, type, status, summary, decided_at)
         values ($1, $2, 'child_update', $3, $4, case when $3 in ('accepted', 'refused') then now() end)`,
        [townId, familyId, ['sent', 'in_progress', 'accepted', 'refused'][i % 4], `Demande n° ${i + 1}`],
      );
    }
    const account = await insertAccount(pool, {
      townId,
      familyId,
      username: 'banc-profil',
      email: 'banc-profil@example.fr',
      civility: 'Mme',
      lastName: 'Banc',
      firstNames: 'Essai',
      passwordHash: await hashPassword(PASSWORD),
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
    const homeRes = await fetch(`${appUrl}/tarnos/`, { headers });
    const signIn = await fetch(`${appUrl}/tarnos/connexion`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers, cookie: cookiesOf(homeRes).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfFrom(await homeRes.text()), identifiant: 'banc-profil', motDePasse: PASSWORD }),
    });
    if (signIn.status !== 303) throw new Error(`sign-in answered ${signIn.status}`);
    const cookie = cookiesOf(signIn).join('; ');

    const pages = [
      { label: 'home /tarnos/', ...(await capture('/tarnos/')) },
      { label: 'dashboard (3 children, 20 requests)', ...(await capture('/tarnos/mon-espace', cookie)) },
      {
        label: `week grid (semaine ${WEEK})`,
        ...(await capture(`/tarnos/mon-espace/enfants/${children[0]}/reservations/${enrolment.rows[0]!.id}?semaine=${WEEK}`, cookie)),
      },
    ];
    engines['.ejs'] = engine;

    console.log(
      `Views, logger and compression — Node ${process.version}, ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0]!.toFixed(2)}`,
    );
    console.log('\nEJS (page + layout, view cache on):');
    ejsFigures(pages);
    console.log('\nLogger:');
    loggerFigures();
    console.log('\nCompression (the `compression` middleware defaults):');
    compressionFigures([
      ...pages.map((p) => ({ label: p.label, body: p.body })),
      { label: 'public/css/main.css', body: fs.readFileSync(path.join(PUBLIC_DIR, 'css', 'main.css')) },
    ]);
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
