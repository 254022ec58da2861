/**
 * `npm run seed:scale -- --families 100000`: a large town, Grandeville, seeded next to the
 * demo towns for measuring the app at scale (src/db/scale-seed.ts says what it holds).
 * Every parent signs in as `famille<N>` (N from 1 to --families), the agents as `admin` and
 * `agent`, all with the password SCALE_PASSWORD ("Grandeville-2026").
 *
 * The database: DATABASE_URL when set; otherwise an embedded PostgreSQL — on --data-dir
 * (kept, so that `npm start` with EMBEDDED_PG_DATA_DIR=<dir> serves it afterwards), on a
 * temporary directory removed at the end with --temp (to measure), or else the one
 * `npm run cli` uses (the server `npm start` runs if it runs, .data/pg otherwise).
 * The database is migrated and holds the demo towns like `npm start` leaves it.
 *
 * Options: --families N (default 100000), --slug (default grandeville), --today YYYY-MM-DD
 * (the day the data is seen from, default today), --data-dir DIR, --temp.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { loadDemoData } from '../src/db/demo-data.js';
import { embeddedUrl, ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { SCALE_PASSWORD, seedScaleTown } from '../src/db/scale-seed.js';
import { createLogger } from '../src/lib/logger.js';
import { freePort } from './free-port.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      families: { type: 'string', default: '100000' },
      slug: { type: 'string' },
      today: { type: 'string' },
      'data-dir': { type: 'string' },
      temp: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const families = Number(values.families);
  if (!Number.isInteger(families) || families < 1) throw new Error('--families must be a positive whole number');
  if (values.today && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) throw new Error('--today must be YYYY-MM-DD');

  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = config.databaseUrl;
  let where = 'DATABASE_URL';
  if (!databaseUrl) {
    let dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : undefined;
    let port = config.embeddedPgPort;
    if (values.temp) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-seed-scale-'));
      fs.chmodSync(tmp, 0o755);
      stops.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
      dataDir = path.join(tmp, 'data');
    }
    if (dataDir) port = await freePort();
    else databaseUrl = await runningEmbeddedDatabase(port);
    if (databaseUrl) where = `the embedded server already running on port ${port}`;
    else {
      dataDir ??= config.embeddedPgDataDir;
      const embedded = await startEmbeddedPostgres({ dataDir, port, logger, persistent: !values.temp });
      stops.unshift(() => embedded.stop());
      await ensureDatabase(embedded.adminUrl, 'espace_famille');
      databaseUrl = embedded.urlFor('espace_famille');
      where = `an embedded server on ${dataDir}${values.temp ? ' (temporary)' : ''}`;
    }
  }
  // 'error': stopping the embedded server ends idle connections, which the pool would log as warnings.
  const pool = createPool(databaseUrl, createLogger('error'), 2);
  stops.unshift(() => pool.end());
  try {
    console.log(`Database: ${where}`);
    await migrate(pool, logger);
    if (config.demoData) await loadDemoData(pool);
    const result = await seedScaleTown(pool, {
      families,
      ...(values.slug ? { slug: values.slug } : {}),
      ...(values.today ? { today: values.today } : {}),
      log: (line) => console.log(line),
    });
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    console.log(`\nRows of ${result.slug}:`);
    for (const [table, count] of Object.entries(result.counts))
      console.log(`  ${table.padEnd(20)} ${count.toLocaleString('en').padStart(12)}`);
    console.log(`  ${'total'.padEnd(20)} ${total.toLocaleString('en').padStart(12)}`);
    const { rows } = await pool.query<{ size: string }>(`select pg_size_pretty(pg_database_size(current_database())) as size`);
    console.log(`\nSeeded in ${result.seconds.toFixed(1)} s; database size ${rows[0]!.size}.`);
    console.log(
      `Parents sign in at /${result.slug}/ as famille1 … famille${families}, agents at /${result.slug}/agents/connexion as admin or agent; password: ${SCALE_PASSWORD}`,
    );
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

/** While `npm start` runs, its embedded server owns .data/pg: seed into it rather than start a second one (like src/cli.ts). */
async function runningEmbeddedDatabase(port: number): Promise<string | undefined> {
  const url = embeddedUrl(port, 'espace_famille');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
