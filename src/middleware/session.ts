import connectPgSimple from 'connect-pg-simple';
import session, { type Session, type SessionData, type Store } from 'express-session';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Account } from '../repositories/accounts.repository.js';
import type { Agent } from '../repositories/agents.repository.js';
import { readSessionWithPrincipal } from '../repositories/sessions.repository.js';

declare module 'express-session' {
  interface SessionData {
    /** When this session was created or last regenerated (absolute lifetime). */
    createdAt: number;
    /** The town this session belongs to: a session opens nothing in another town. */
    townId: string;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The parent or agent the stored session names, read by the store in the same statement as
     * the session (null: named, but gone). Unset when the session came from elsewhere (a new
     * session, or a store that reads sessions alone): loadAccount and loadAgent then read it.
     */
    sessionPrincipal?: { account: Account | null; agent: Agent | null };
  }
}

const PgStore = connectPgSimple(session);

/** Hands the principal from `get` to `createSession`, the one store method that sees the request. */
const PRINCIPAL = Symbol('session principal');
type LoadedSession = SessionData & { [PRINCIPAL]?: NonNullable<Request['sessionPrincipal']> };

/**
 * connect-pg-simple's store, with two savings on every page view. It wrote the expiry on every
 * request (touch); the idle timeout does not need that precision, so a session is touched at
 * most once a minute per process (ADR 0003). And its read also brings the signed-in account
 * or agent (`get` below).
 */
class ThrottledPgStore extends PgStore {
  readonly #lastTouch = new Map<string, number>();
  readonly #pool: pg.Pool;

  constructor(options: ConstructorParameters<typeof PgStore>[0] & { pool: pg.Pool }) {
    super(options);
    this.#pool = options.pool;
  }

  /**
   * connect-pg-simple's read, plus the signed-in account or agent in the same statement: the
   * guards (auth.ts, agent-auth.ts) would otherwise read it right after, a second round trip on
   * every signed-in page. Read afresh on every request, never kept: a disabled agent or a
   * signed-out parent loses access at the next request (issue 13).
   */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    // Called back outside the promise, as connect-pg-simple does: an error thrown further down the
    // request's middleware must not become this promise's rejection.
    readSessionWithPrincipal(this.#pool, sid, Math.ceil(Date.now() / 1000)).then(
      (stored) => {
        if (!stored) return process.nextTick(callback, null, null);
        const sess = stored.sess as unknown as LoadedSession;
        sess[PRINCIPAL] = { account: stored.account, agent: stored.agent };
        process.nextTick(callback, null, sess);
      },
      (err: unknown) => process.nextTick(callback, err),
    );
  }

  override createSession(req: Request, sess: SessionData): Session & SessionData {
    const principal = (sess as LoadedSession)[PRINCIPAL];
    delete (sess as LoadedSession)[PRINCIPAL];
    if (principal) req.sessionPrincipal = principal;
    return super.createSession(req, sess);
  }

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
