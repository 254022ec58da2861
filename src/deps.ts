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

/**
 * What every service is given instead of `req`: the pool (it opens its own transactions), the
 * clock and the config. AppDeps has all of it, so a controller may pass `deps` itself. A
 * service that needs less asks for `Pick<ServiceContext, 'pool' | 'clock'>`, one that logs adds
 * `Pick<AppDeps, 'logger'>`: one type, never a copy of its fields.
 */
export type ServiceContext = Pick<AppDeps, 'pool' | 'clock' | 'config'>;
