import type { Store } from 'express-session';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './lib/clock.js';

/**
 * What the app is built from. Its own module, so that routers can name it without importing
 * app.ts, which imports every router (that cycle ran through 25 files).
 */
export interface AppDeps {
  config: Config;
  pool: pg.Pool;
  logger: Logger;
  clock: Clock;
  sessionStore: Store;
}
