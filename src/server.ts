import { start } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';

/** Process entry: `npm start`. */
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
  const logger = createLogger(config.logLevel);
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
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    shutdown('unhandledRejection');
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
