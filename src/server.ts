import cluster from 'node:cluster';
import { start } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';
import { superviseWorkers } from './lib/supervisor.js';

/**
 * Process entry: `npm start`. In production this process only supervises: the app runs in
 * WEB_CONCURRENCY forked workers, each coming back through this same file. Elsewhere the
 * app runs here, in one process (its embedded PostgreSQL cannot be shared by several).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  if (config.isProduction && cluster.isPrimary) {
    superviseWorkers({ workers: config.webConcurrency, logger: createLogger(config.logLevel).child({ role: 'supervisor' }) });
    return;
  }
  const base = createLogger(config.logLevel);
  const logger = cluster.isWorker ? base.child({ worker: cluster.worker!.id, pid: process.pid }) : base;
  const app = await start({ config, logger });
  logger.info(
    { url: app.url, node: process.version },
    `Espace Famille is listening on ${app.url} on Node ${process.version} — try ${app.url}/tarnos/`,
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'signal received');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Logged as JSON like everything else, then the process ends: in production the
  // supervisor replaces it, and the embedded PostgreSQL's watchdog stops that server.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    shutdown('unhandledRejection');
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
