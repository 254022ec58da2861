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

/**
 * What the browser says of where the request comes from: 'cross' (another site), 'same'
 * (this origin) or 'unknown' (no header: an old browser or a non-browser client).
 * Sec-Fetch-Site is trusted first: with `Referrer-Policy: no-referrer`, Chromium sends
 * `Origin: null` on same-origin form posts, so Origin alone would refuse our own forms.
 */
function requestSite(req: Request): 'cross' | 'same' | 'unknown' {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return 'cross';
  if (site === 'same-origin' || site === 'none') return 'same';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return 'unknown';
  try {
    return new URL(origin).host === req.headers.host ? 'same' : 'cross';
  } catch {
    return 'cross';
  }
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
    const site = requestSite(req);
    if (site === 'cross') return next(new CsrfError());
    // A multipart body is checked by the upload route after multer; meanwhile only a
    // request the browser vouches for as same-origin may go on, so a multipart POST to a
    // route that never parses a body cannot slip past the token.
    if (isMultipart(req)) {
      if (site !== 'same') return next(new CsrfError());
      // Pages rendered after this POST (an error page, say) still need the session's token.
      res.locals.csrfToken = () => generateToken(req);
      return next();
    }
    if (!isRequestValid(req)) return next(new CsrfError());
    res.locals.csrfToken = () => generateToken(req);
    next();
  };
}

/** For upload routes, after multer has parsed the body. */
export function verifyCsrf(req: Request): void {
  if (!isRequestValid(req)) throw new CsrfError();
}

/** The session's token for a view rendered after a multipart POST (created if missing). */
export function currentCsrfToken(req: Request): string {
  return generateToken(req);
}

/** A new token, e.g. after the session was regenerated at sign-in. */
export function freshCsrfToken(req: Request): string {
  return generateToken(req, true);
}
