import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CsrfError } from '../lib/errors.js';

/**
 * Synchronizer token (csrf-sync): the token lives in the session and comes back in the
 * form body only (never a header or the query string, which end up in logs).
 */
const { generateToken, isRequestValid, revokeToken } = csrfSync({
  getTokenFromRequest: (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    return typeof body?._csrf === 'string' ? body._csrf : undefined;
  },
});

export { revokeToken };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function isMultipart(req: Request): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** True when the browser tells us the request comes from another site. */
function isCrossSite(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    try {
      return new URL(origin).host !== req.headers.host;
    } catch {
      return true;
    }
  }
  return origin === 'null';
}

/**
 * Exposes the token to views for GET pages; checks it on every other method. A multipart
 * body is not parsed yet at this point (multer runs on the upload routes only), so those
 * requests get the header check here and the token check in `verifyCsrf` right after
 * multer, before anything is stored.
 */
export function csrfProtection(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE.has(req.method)) {
      // Lazily: only pages that render a form create a session for it.
      res.locals.csrfToken = () => generateToken(req);
      return next();
    }
    if (isCrossSite(req)) return next(new CsrfError());
    if (isMultipart(req)) return next();
    if (!isRequestValid(req)) return next(new CsrfError());
    res.locals.csrfToken = () => generateToken(req);
    next();
  };
}

/** For upload routes, after multer has parsed the body. */
export function verifyCsrf(req: Request): void {
  if (!isRequestValid(req)) throw new CsrfError();
}

/** A new token, e.g. after the session was regenerated at sign-in. */
export function freshCsrfToken(req: Request): string {
  return generateToken(req, true);
}
