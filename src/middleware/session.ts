import connectPgSimple from 'connect-pg-simple';
import session, { type SessionData, type Store } from 'express-session';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

declare module 'express-session' {
  interface SessionData {
    /** When this session was created or last regenerated (absolute lifetime). */
    createdAt: number;
    /** The town this session belongs to: a session opens nothing in another town. */
    townId: string;
  }
}

const PgStore = connectPgSimple(session);

/**
 * connect-pg-simple writes the expiry on every request (touch). The idle timeout does not
 * need that precision: touching a session at most once a minute per process removes a
 * write from almost every page view.
 */
class ThrottledPgStore extends PgStore {
  readonly #lastTouch = new Map<string, number>();
  override touch(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const now = Date.now();
    const last = this.#lastTouch.get(sid);
    if (last !== undefined && now - last < 60_000) {
      callback?.();
      return;
    }
    if (this.#lastTouch.size > 50_000) this.#lastTouch.clear();
    this.#lastTouch.set(sid, now);
    super.touch(sid, sess, callback);
  }
}

export const SESSION_COOKIE = 'ef.sid';
/** The longest idle time of any persona; guards enforce shorter ones (agents: 15 min). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

export function createSessionStore(pool: pg.Pool, logger: Logger): Store {
  return new ThrottledPgStore({
    pool,
    tableName: 'session',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
    ttl: SESSION_IDLE_MS / 1000,
    errorLog: (...args: unknown[]) => logger.warn({ args }, 'session store error'),
  });
}

export function sessionCookieName(config: Config): string {
  return config.secureCookies ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

export function sessionMiddleware(config: Config, store: Store): RequestHandler {
  return session({
    // The __Host- prefix pins the cookie to this host and path; browsers require Secure with it.
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    // The cookie lives as long as the browser; the idle limit is the store's expiry, pushed
    // forward by touch (at most once a minute, see ThrottledPgStore). Not re-signing and
    // re-sending the cookie on every response saves work on every page.
    rolling: false,
    proxy: config.trustProxy !== false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
    },
  });
}

/**
 * express-session saves a modified session after the response has been handed over: a
 * browser following a 303 at once can load the next page before the save lands, losing a
 * flash message or a wizard step. Every redirect waits for the save first. A session
 * holding nothing (a visitor's) is not saved: no row for it.
 */
export const saveBeforeRedirect: RequestHandler = (req, res, next) => {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    const session = req.session;
    if (!session || !Object.keys(session).some((key) => key !== 'cookie')) return redirect(...args);
    session.save((err) => (err ? next(err) : redirect(...args)));
  }) as typeof res.redirect;
  next();
};

/** A new session id for the signed-in user (session fixation), the old session's data dropped. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

/** Stores the session now, before a response that must find it (a sign-in's first page). */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}
