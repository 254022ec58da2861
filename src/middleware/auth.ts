import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { findAccountById, type Account } from '../repositories/accounts.repository.js';
import { urls } from '../routes.js';
import { requireTown } from './town.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in parent. */
    accountId: string;
    /** A one-shot message for the next page. */
    flash: { kind: 'success' | 'info' | 'warning'; message: string };
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    account?: Account;
  }
}

/** Parents: 30 minutes idle (the session cookie and store), 12 hours in all (checked here). */
export const PARENT_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** A second cookie says "this browser was signed in", so an expired session can be told apart from a visitor. */
export const AUTH_HINT_COOKIE = 'ef.auth';

export function hadSession(req: Request): boolean {
  return (req.headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith(`${AUTH_HINT_COOKIE}=`));
}

/**
 * Ends the session and gives the request an empty one in its place: the page being served
 * (the sign-in form, a flash) still reads req.session, which destroy() alone leaves undefined.
 */
function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.regenerate(() => resolve()));
}

/**
 * Loads the signed-in parent of this town, if any. A session of another town, past its
 * absolute lifetime, or of a disabled, refused or deleted account opens nothing and is ended.
 */
export function loadAccount(pool: pg.Pool, clock: Clock) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = req.session;
    const accountId = session?.accountId;
    if (!accountId) return next();
    const town = requireTown(req);
    if (session.townId !== town.id) return next(); // a login at /bayeux opens nothing at /tarnos
    if (!session.createdAt || clock.now().getTime() - session.createdAt > PARENT_ABSOLUTE_MS) {
      await destroy(req);
      return next();
    }
    // Read with the session in one statement by the store (session.ts); a store that reads the
    // session alone leaves it to this second read. Never from a cache: a disabled account or an
    // ended session must shut the door at the next request.
    const loaded = req.sessionPrincipal;
    const account = loaded ? loaded.account : await findAccountById(pool, town.id, accountId);
    if (!account || account.disabledAt || account.validationStatus === 'refused') {
      await destroy(req);
      return next();
    }
    req.account = account;
    res.locals.account = account;
    next();
  };
}

/**
 * Pages of the parent's space. Anonymous visitors go to the town home (an expired
 * session gets its own explanation); a pre-created account must first replace its
 * temporary password, then every parent must accept the current CGU.
 */
export function requireParent(options: { cguVersion: (townId: string) => Promise<number | undefined> }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const town = requireTown(req);
    const account = req.account;
    if (!account) {
      if (hadSession(req)) {
        res.clearCookie(AUTH_HINT_COOKIE, { path: '/' });
        return res.redirect(303, urls.sessionExpired(town));
      }
      req.session.flash = { kind: 'info', message: 'Connectez-vous pour accéder à votre espace.' };
      return res.redirect(303, urls.townHome(town));
    }
    const path = req.originalUrl.split('?')[0]!;
    if (account.passwordIsTemporary) {
      if (path !== urls.firstCredentials(town)) return res.redirect(303, urls.firstCredentials(town));
      return next();
    }
    const version = await options.cguVersion(town.id);
    if (version !== undefined && (account.cguVersionAccepted ?? 0) < version) {
      if (path !== urls.acceptCgu(town)) return res.redirect(303, urls.acceptCgu(town));
      return next();
    }
    next();
  };
}

/** Moves the session flash into the page's locals (read once). */
export function flashMessages(req: Request, res: Response, next: NextFunction): void {
  if (req.session?.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}
