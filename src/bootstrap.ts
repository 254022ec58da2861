import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { DEMO_TOWNS, loadDemoData } from './db/demo-data.js';
import { loadDemoFranceConnect } from './db/demo-franceconnect.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { JobQueue } from './jobs/queue.js';
import { setHashConcurrency } from './lib/passwords.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { createSessionStore } from './middleware/session.js';

export interface RunningApp {
  url: string;
  server: http.Server;
  pool: pg.Pool;
  /** The job queue of this process (mail, imports, recurring tasks). */
  jobs: JobQueue;
  /** Stops accepting, finishes in-flight requests, stops the job queue's workers, closes the pool and the embedded server. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Where the embedded server keeps its data (default: config.embeddedPgDataDir). */
  embeddedDataDir?: string;
  /** Set to false to run no mail job in this process (they wait for another, or for jobs.runDue('mail')). */
  mailWorker?: boolean;
  /** Set to false to run no import job in this process. */
  importWorker?: boolean;
}

export async function start({
  config,
  logger,
  clock = systemClock,
  embeddedDataDir,
  mailWorker = true,
  importWorker = true,
}: StartOptions): Promise<RunningApp> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: embeddedDataDir ?? config.embeddedPgDataDir,
      port: config.embeddedPgPort,
      logger,
    });
    await ensureDatabase(embedded.adminUrl, 'espace_famille');
    databaseUrl = embedded.urlFor('espace_famille');
    logger.info({ port: config.embeddedPgPort }, 'embedded PostgreSQL started');
  }

  const pool = createPool(databaseUrl, logger, config.databasePoolMax);
  try {
    await migrate(pool, logger);
    if (config.demoData) await loadDemoData(pool);
    // FranceConnect against the built-in test provider, which production never mounts (issue 18).
    if (config.demoData && !config.isProduction)
      await loadDemoFranceConnect(
        pool,
        config.publicBaseUrl,
        DEMO_TOWNS.map((t) => t.slug),
      );
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }

  const sessionStore = createSessionStore(pool, logger);
  const app = createApp({ config, pool, logger, clock, sessionStore });
  setHashConcurrency(config.argon2MaxConcurrency);
  // Every instance (and every process of a cluster) runs the same queue: pg-boss claims each
  // job for one of them, sends one job per cron occurrence, and takes turns at supervising.
  const work = (['mail', 'import', 'invoicing', 'purge-expired'] as const).filter(
    (name) => (name !== 'mail' || mailWorker) && (name !== 'import' || importWorker),
  );
  const jobs = new JobQueue({ pool, clock, config, logger, work, schedule: true, supervise: true });
  try {
    await jobs.start();
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }

  // A client trickling its headers or body would otherwise hold a connection (and its
  // parser's memory) for Node's default 300 s: the whole request, the largest upload
  // included, must arrive within httpRequestTimeoutMs (README, "Operations"). Node
  // checks these deadlines every connectionsCheckingInterval (30 s by default), which
  // would stretch a 20 s deadline to 50 s.
  const server = http.createServer(
    {
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(config.httpHeadersTimeoutMs / 4))),
    },
    app,
  );
  // Behind a load balancer, keep-alive must outlast the balancer's idle timeout (60 s on most).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await jobs.stop();
      (sessionStore as unknown as { close?: () => void }).close?.();
      await pool.end();
      if (embedded) await embedded.stop();
      logger.info('stopped');
    })());

  return { url, server, pool, jobs, stop };
}
