/**
 * `npx tsx scripts/import-perf.ts`: how long the import of a file of known families takes,
 * measured end to end on this machine. See docs/performance.md, "Import of known families".
 *
 * It generates a CSV of IMPORT_FAMILIES families (default 5,000), starts the app in
 * production mode on a fresh PostgreSQL (the embedded one, in a temporary directory, or
 * the server of IMPORT_PERF_DATABASE_URL, where a database is created and dropped), signs
 * an agent in, uploads the file through the real form (multipart, CSRF token), then runs
 * the import worker as the background loop would and times its two phases:
 *
 * 1. rows: family files, adults and children (batches of plain inserts);
 * 2. accounts: one Création rapide per adult with an email — an argon2 hash of its
 *    temporary password, a token and a rendered mail each — on every core.
 *
 * Environment: IMPORT_FAMILIES (default 5000), IMPORT_EMAILS_PER_FAMILY (0, 1 or 2;
 * default 2: both parents get an account, "Papa et maman peuvent désormais avoir un compte
 * chacun"), IMPORT_CONCURRENCY (accounts at once; default: the worker's own, the number of
 * cores), IMPORT_PERF_DATABASE_URL (an admin URL; default: embedded server).
 *
 * Besides wall-clock time it prints the CPU time of this process (main thread and the
 * libuv threads where argon2 runs): on a machine shared with other work, it moves much
 * less than the wall clock.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import pg from 'pg';
import { start, type RunningApp } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { ImportWorker } from '../src/jobs/import-worker.js';
import { createLogger } from '../src/lib/logger.js';
import { ARGON2_OPTIONS, hashPassword } from '../src/lib/passwords.js';
import { insertAgent } from '../src/repositories/agents.repository.js';
import { findTownBySlug } from '../src/repositories/towns.repository.js';
import { freePort } from './free-port.js';

const FAMILIES = Number(process.env.IMPORT_FAMILIES ?? 5000);
const EMAILS = Number(process.env.IMPORT_EMAILS_PER_FAMILY ?? 2);
const TOWN = 'bondoufle';

const FIRST = [
  'Sophie',
  'Karim',
  'Léa',
  'Hugo',
  'Chloé',
  'Nathan',
  'Inès',
  'Lucas',
  'Manon',
  'Yanis',
  'Camille',
  'Théo',
  'Sarah',
  'Enzo',
  'Emma',
  'Adam',
  'Jade',
  'Louis',
  'Alice',
  'Gabriel',
  'Zoé',
  'Raphaël',
  'Lina',
  'Arthur',
  'Rose',
  'Jules',
  'Anna',
  'Noah',
  'Mila',
  'Paul',
  'Eva',
  'Victor',
  'Nina',
  'Samuel',
  'Julia',
  'Mohamed',
  'Ambre',
  'Tom',
  'Lou',
  'Nolan',
  'Agathe',
  'Ethan',
  'Maëlys',
  'Sacha',
  'Yasmine',
  'Martin',
  'Clara',
  'Timéo',
  'Iris',
  'Mathis',
];
const LAST = [
  'Martin',
  'Bernard',
  'Thomas',
  'Petit',
  'Robert',
  'Richard',
  'Durand',
  'Dubois',
  'Moreau',
  'Laurent',
  'Simon',
  'Michel',
  'Lefèvre',
  'Leroy',
  'Roux',
  'David',
  'Bertrand',
  'Morel',
  'Fournier',
  'Girard',
  'Bonnet',
  'Dupont',
  'Lambert',
  'Fontaine',
  'Rousseau',
  'Vincent',
  'Muller',
  'Lefebvre',
  'Faure',
  'André',
  'Mercier',
  'Blanc',
  'Guérin',
  'Boyer',
  'Garnier',
  'Chevalier',
  'François',
  'Legrand',
  'Gauthier',
  'Garcia',
  'Perrin',
  'Robin',
  'Clément',
  'Morin',
  'Nicolas',
  'Henry',
  'Roussel',
  'Mathieu',
  'Gautier',
  'Masson',
  'Marchand',
  'Duval',
  'Denis',
  'Dumont',
  'Marie',
  'Lemaire',
  'Noël',
  'Meyer',
  'Dufour',
  'Meunier',
  'Brun',
  'Blanchard',
  'Giraud',
  'Joly',
  'Rivière',
  'Lucas',
  'Brunet',
  'Gaillard',
  'Barbier',
  'Arnaud',
  'Martinez',
  'Gérard',
  'Roche',
  'Renard',
  'Schmitt',
  'Roy',
  'Leroux',
  'Colin',
  'Vidal',
  'Caron',
  'Picard',
  'Roger',
  'Fabre',
  'Aubert',
  'Lemoine',
  'Renaud',
  'Dumas',
  'Lacroix',
  'Olivier',
  'Philippe',
  'Bourgeois',
  'Pierre',
  'Benoît',
  'Rey',
  'Leclerc',
  'Payet',
  'Rolland',
  'Leclercq',
  'Guillaume',
  'Lecomte',
  'Lopez',
  'Jean',
  'Dupuy',
  'Guillot',
  'Hubert',
  'Berger',
  'Carpentier',
  'Sanchez',
  'Dupuis',
  'Moulin',
  'Louis',
  'Deschamps',
  'Huet',
  'Vasseur',
  'Perez',
  'Boucher',
  'Fleury',
  'Royer',
  'Klein',
  'Jacquet',
  'Adam',
  'Paris',
  'Poirier',
  'Marty',
  'Aubry',
  'Guyot',
  'Carré',
  'Charles',
  'Renault',
  'Charpentier',
  'Ménard',
  'Maillard',
  'Baron',
  'Bertin',
  'Bailly',
  'Hervé',
  'Schneider',
  'Fernandez',
  'Le Gall',
  'Collet',
  'Léger',
  'Bouvier',
  'Julien',
  'Prévost',
  'Millet',
  'Perrot',
  'Daniel',
  'Le Roux',
  'Cousin',
  'Germain',
  'Breton',
  'Besson',
  'Langlois',
  'Rémy',
  'Le Goff',
  'Pelletier',
];

/** A deterministic generator, so two runs import the same file. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function generateFile(families: number, emailsPerFamily: number): string {
  const rnd = random(42);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  const columns = ['reference_famille', 'nom_famille', 'adresse', 'code_postal', 'ville'];
  for (const a of [1, 2]) columns.push(...['civilite', 'nom', 'prenom', 'courriel', 'telephone'].map((f) => `adulte${a}_${f}`));
  for (const c of [1, 2, 3]) columns.push(...['prenom', 'nom', 'date_naissance', 'ecole', 'classe'].map((f) => `enfant${c}_${f}`));
  const lines = [columns.join(';')];
  for (let i = 1; i <= families; i++) {
    const name = pick(LAST);
    const cells: string[] = [
      `PERF-${String(i).padStart(6, '0')}`,
      name,
      `${1 + Math.floor(rnd() * 200)} rue des Écoles`,
      '91070',
      'Bondoufle',
    ];
    for (const a of [1, 2]) {
      const first = pick(FIRST);
      const slug = `${first}.${name}`
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .toLowerCase()
        .replace(/[^a-z.]/g, '');
      const email = a <= emailsPerFamily ? `${slug}.${i}.${a}@example.fr` : '';
      const two = () => String(Math.floor(rnd() * 100)).padStart(2, '0');
      cells.push(a === 1 ? 'Mme' : 'M', name, first, email, `06 12 ${two()} ${two()} ${two()}`);
    }
    const children = 1 + Math.floor(rnd() * 3);
    for (const c of [1, 2, 3]) {
      if (c > children) cells.push('', '', '', '', '');
      else
        cells.push(
          pick(FIRST),
          '',
          `${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}/0${1 + Math.floor(rnd() * 9)}/${2012 + Math.floor(rnd() * 12)}`,
          'École Saint-Exupéry',
          'CE1',
        );
    }
    lines.push(cells.join(';'));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A tiny cookie jar and form reader: the script signs in and uploads as a browser does. */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  headers(extra: Record<string, string> = {}) {
    return {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'x-forwarded-proto': 'https',
      'sec-fetch-site': 'same-origin',
      ...extra,
    };
  }
  keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      this.cookies.set(k!, v!);
    }
  }
  async get(p: string) {
    const res = await fetch(this.base + p, { headers: this.headers(), redirect: 'manual' });
    this.keep(res);
    return res.text();
  }
  async post(p: string, body: URLSearchParams | FormData) {
    const res = await fetch(this.base + p, { method: 'POST', body, headers: this.headers(), redirect: 'manual' });
    this.keep(res);
    return res;
  }
}
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

async function main(): Promise<void> {
  const logger = createLogger('warn');
  const cleanup: (() => Promise<void>)[] = [];
  try {
    console.log(`Import of known families — Node ${process.version}, ${os.cpus().length} CPU(s): ${os.cpus()[0]?.model ?? 'unknown'}`);
    let adminUrl = process.env.IMPORT_PERF_DATABASE_URL;
    if (!adminUrl) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-import-perf-'));
      fs.chmodSync(tmp, 0o755);
      cleanup.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres({
        dataDir: path.join(tmp, 'data'),
        port: await freePort(),
        logger,
        persistent: false,
      });
      cleanup.push(async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await embedded.stop();
      });
      adminUrl = embedded.adminUrl;
      console.log('Database: embedded PostgreSQL (fsync off, synchronous_commit off)');
    } else {
      console.log(`Database: ${new URL(adminUrl).host}`);
    }
    const dbName = `ef_import_perf_${crypto.randomBytes(3).toString('hex')}`;
    await ensureDatabase(adminUrl, dbName);
    cleanup.push(async () => {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    });
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url.toString(),
      SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
      PUBLIC_BASE_URL: 'https://espace-famille.example',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'true',
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    const running: RunningApp = await start({ config, logger, mailWorker: false, importWorker: false });
    cleanup.push(() => running.stop());
    const base = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;

    // For reference: what one argon2 hash costs here, alone and with every core busy.
    let t0 = performance.now();
    for (let i = 0; i < 10; i++) await argon2.hash('Reference-2026', ARGON2_OPTIONS);
    const hashAlone = (performance.now() - t0) / 10;
    t0 = performance.now();
    await Promise.all(Array.from({ length: 40 }, () => argon2.hash('Reference-2026', ARGON2_OPTIONS)));
    const hashBusy = (performance.now() - t0) / 40;
    console.log(
      `argon2id (19 MiB, t=2): ${hashAlone.toFixed(1)} ms per hash alone, ${hashBusy.toFixed(1)} ms per hash with all cores busy`,
    );

    const town = (await findTownBySlug(running.pool, TOWN))!;
    const password = 'Perf-Agent-2026';
    const agent = await insertAgent(running.pool, {
      townId: town.id,
      username: 'perf.agent',
      displayName: 'Agent de mesure',
      passwordHash: await hashPassword(password),
      role: 'agent',
    });
    const browser = new Browser(base);
    const signin = await browser.get(`/${TOWN}/agents/connexion`);
    const signedIn = await browser.post(
      `/${TOWN}/agents/connexion`,
      new URLSearchParams({ _csrf: csrfOf(signin), identifiant: agent.username, motDePasse: password }),
    );
    if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);

    const csv = generateFile(FAMILIES, EMAILS);
    const bytes = Buffer.byteLength(csv);
    console.log(`File: ${FAMILIES} families, ${EMAILS} email(s) per family, ${(bytes / 1024 / 1024).toFixed(2)} MB`);
    const form = await browser.get(`/${TOWN}/agents/import`);
    const body = new FormData();
    body.set('_csrf', csrfOf(form));
    body.set('fichier', new Blob([csv], { type: 'text/csv' }), 'familles.csv');
    t0 = performance.now();
    const uploaded = await browser.post(`/${TOWN}/agents/import`, body);
    const uploadMs = performance.now() - t0;
    if (uploaded.status !== 303) throw new Error(`upload failed: ${uploaded.status} ${(await uploaded.text()).slice(0, 500)}`);
    const jobId = uploaded.headers.get('location')!.split('/').pop()!;
    console.log(`Upload (checks, stored): ${uploadMs.toFixed(0)} ms`);

    const concurrency = process.env.IMPORT_CONCURRENCY ? Number(process.env.IMPORT_CONCURRENCY) : undefined;
    const worker = new ImportWorker(running.pool, { clock: { now: () => new Date() }, config, logger, concurrency });
    let rowsDoneAt: number | undefined;
    let rowsCpu: NodeJS.CpuUsage | undefined;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    let lastReport = started;
    const poll = setInterval(() => {
      void running.pool
        .query<{ phase: string; processed_rows: number; accounts_created: number; accounts_total: number }>(
          `select phase, processed_rows, accounts_created, accounts_total from import_jobs where id = $1`,
          [jobId],
        )
        .then(({ rows }) => {
          const job = rows[0];
          if (job?.phase === 'accounts' && rowsDoneAt === undefined) {
            rowsDoneAt = performance.now();
            rowsCpu = process.cpuUsage(cpuStart);
            console.log(`  rows done after ${((rowsDoneAt - started) / 1000).toFixed(1)} s`);
          }
          // A long run says how far it is every 15 s.
          if (job && performance.now() - lastReport > 15_000) {
            lastReport = performance.now();
            console.log(
              `  ${((lastReport - started) / 1000).toFixed(0)} s: ${job.processed_rows} rows, ${job.accounts_created}/${job.accounts_total} accounts`,
            );
          }
        });
    }, 50);
    while (await worker.runOnce());
    const total = (performance.now() - started) / 1000;
    const cpuTotal = process.cpuUsage(cpuStart);
    clearInterval(poll);
    const rowsSeconds = ((rowsDoneAt ?? performance.now()) - started) / 1000;
    const cpuSeconds = (u?: NodeJS.CpuUsage) => (u ? (u.user + u.system) / 1e6 : 0);
    const { rows } = await running.pool.query(`select * from import_jobs where id = $1`, [jobId]);
    const job = rows[0];
    const mails = (await running.pool.query<{ n: number }>(`select count(*)::int as n from mail_outbox where template = 'precreated'`))
      .rows[0]!.n;
    console.log(`Worker: ${worker.concurrency} account(s) at once`);
    console.log(
      `Phase 1, rows: ${rowsSeconds.toFixed(1)} s (CPU ${cpuSeconds(rowsCpu).toFixed(1)} s) — ${job.families_created} family files, ${job.adults_created} adults, ${job.children_created} children, ${job.rows_rejected} rejected`,
    );
    const accountsSeconds = total - rowsSeconds;
    const accountsCpu = cpuSeconds(cpuTotal) - cpuSeconds(rowsCpu);
    const each = (v: number) => (job.accounts_created > 0 ? ((v * 1000) / job.accounts_created).toFixed(1) : '–');
    console.log(
      `Phase 2, accounts: ${accountsSeconds.toFixed(1)} s (CPU ${accountsCpu.toFixed(1)} s) — ${job.accounts_created} accounts and ${mails} mails, ${each(accountsSeconds)} ms each (CPU ${each(accountsCpu)} ms)`,
    );
    console.log(
      `Total: ${total.toFixed(1)} s, CPU ${cpuSeconds(cpuTotal).toFixed(1)} s (status ${job.status}); load average now ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
