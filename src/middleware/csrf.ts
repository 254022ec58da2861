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
 * Exposes the token to views on every request; checks it on every method but GET, HEAD
 * and OPTIONS, whatever the body's type. Bodies are parsed before this runs (urlencoded,
 * and multipart by `parseMultipart` in upload.ts): a request whose body was not parsed —
 * JSON, text/plain, no body — has no token and is refused, so no route is left to check
 * it itself.
 */
export function csrfProtection(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // Lazily: only pages that render a form create a session for it. Pages rendered after
    // a POST (an error page, a form again) use the session's current token, so another
    // open tab keeps working.
    res.locals.csrfToken = () => generateToken(req);
    if (SAFE.has(req.method)) return next();
    if (requestSite(req) === 'cross') return next(new CsrfError());
    if (!isRequestValid(req)) return next(new CsrfError());
    next();
  };
}

/**
 * For `parseMultipart`, on reaching a file part: only a request that carries the session's
 * token gets its files read.
 */
export function hasValidCsrfToken(req: Request): boolean {
  return requestSite(req) !== 'cross' && isRequestValid(req);
}

/** A new token, e.g. after the session was regenerated at sign-in. */
export function freshCsrfToken(req: Request): string {
  return generateToken(req, true);
}
