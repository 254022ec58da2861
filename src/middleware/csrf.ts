import crypto from 'node:crypto';
import { doubleCsrf } from 'csrf-csrf';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { CsrfError } from '../lib/errors.js';

/**
 * Signed double-submit cookie (csrf-csrf, ADR 0016): the token is `HMAC(secret, identity,
 * random).random`, kept in an HttpOnly cookie and repeated in every form's `_csrf` field. A POST
 * passes when the field equals the cookie and the HMAC holds. Nothing is stored server-side, so
 * a page with a form (the town home and its sign-in form above all) creates no session row.
 *
 * The identity is the session id once someone is signed in: the token then belongs to that
 * session (OWASP's "signed double-submit cookie" bound to the session), changes at sign-in and
 * sign-out by itself, and a token read from another session's page is worth nothing. Before
 * sign-in there is no session to bind to (that is the point), hence an empty identity.
 */
export const CSRF_COOKIE = 'ef.csrf';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `csrfTokens`: does the request carry a valid token (read before the global check by parseMultipart). */
    csrfValid?: () => boolean;
  }
}

export function csrfCookieName(config: Config): string {
  // Like the session cookie: in production __Host- pins it to this host and path (Secure, no Domain).
  return config.secureCookies ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE;
}

/** A session holding a signed-in parent or agent; a visitor's session (wizard, CAPTCHA, flash) is not one. */
function signedIn(req: Request): boolean {
  const session = req.session as { accountId?: string; agentId?: string } | undefined;
  return Boolean(session?.accountId || session?.agentId);
}

/** Our one cookie out of the header (there is no cookie-parser: nothing else reads cookies this way). */
function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

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
 * Gives views `csrfToken()` and the request `csrfValid()`. Runs before any body parser, so
 * that `parseMultipart` can check the token on reaching a file; the refusal itself is
 * `csrfProtection`, once every body is parsed.
 */
export function csrfTokens(config: Config): RequestHandler {
  const cookieName = csrfCookieName(config);
  // A key of its own, derived from the session secret: a CSRF token is never a valid cookie signature.
  const secret = crypto.createHmac('sha256', config.sessionSecret).update('ef.csrf/v1').digest('hex');
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (signedIn(req) ? req.sessionID : ''),
    cookieName,
    // Lax like the session cookie: a visitor arriving from a mail's link brings it along, so the
    // page does not replace the token the other open tabs hold.
    cookieOptions: { sameSite: 'lax', secure: config.secureCookies, httpOnly: true, path: '/' },
    // The form body only: never a header or the query string, which end up in logs.
    getCsrfTokenFromRequest: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
  });

  return (req: Request, res: Response, next: NextFunction) => {
    req.cookies ??= {};
    const sent = readCookie(req, cookieName);
    if (sent !== undefined) (req.cookies as Record<string, string>)[cookieName] = sent;

    // Lazily, once per identity: only pages that render a form pay for it, and the cookie is
    // sent again only when its value changes (first visit, sign-in, sign-out), not on every page.
    let issued: { identity: string; token: string } | undefined;
    res.locals.csrfToken = () => {
      const identity = signedIn(req) ? req.sessionID : '';
      if (issued?.identity === identity) return issued.token;
      const current = (req.cookies as Record<string, string>)[cookieName];
      const writeIfNew = {
        cookie: (name: string, value: string, options: object) => {
          if (value !== current) res.cookie(name, value, options);
        },
      } as unknown as Response;
      const token = generateCsrfToken(req, writeIfNew);
      (req.cookies as Record<string, string>)[cookieName] = token;
      issued = { identity, token };
      return token;
    };
    req.csrfValid = () => requestSite(req) !== 'cross' && validateRequest(req);
    next();
  };
}

/**
 * Checks the token on every method but GET, HEAD and OPTIONS, whatever the body's type. Bodies
 * are parsed before this runs (urlencoded, and multipart by `parseMultipart` in upload.ts): a
 * request whose body was not parsed — JSON, text/plain, no body — has no token and is refused,
 * so no route is left to check it itself.
 */
export function csrfProtection(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE.has(req.method)) return next();
    if (!hasValidCsrfToken(req)) return next(new CsrfError());
    next();
  };
}

/**
 * For `parseMultipart`, on reaching a file part: only a request that carries a valid token
 * gets its files read.
 */
export function hasValidCsrfToken(req: Request): boolean {
  return req.csrfValid?.() ?? false;
}

/**
 * Issues the token of the session as it is now, on this response: at sign-in, at a privilege
 * change and at sign-out, so that the browser holds the new session's token before its next
 * page. Otherwise that page would issue it, and two pages loading at once right then (two
 * tabs) would each issue their own, the second cookie voiding the first page's forms.
 */
export function freshCsrfToken(res: Response): void {
  (res.locals.csrfToken as () => string)();
}
