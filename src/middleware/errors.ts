import crypto from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CsrfError, HttpError, NotFoundError, TooManyRequestsError } from '../lib/errors.js';
import { maskSecrets } from '../lib/logger.js';

const TITLES: Record<number, string> = {
  400: 'Demande incorrecte',
  403: 'Accès refusé',
  404: 'Page introuvable',
  413: 'Envoi trop volumineux',
  429: 'Trop de tentatives',
  500: 'Erreur du service',
  503: 'Service momentanément indisponible',
};

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

/**
 * Why the database failed us, when it is the database's state rather than our code: its disk or
 * memory is full (SQLSTATE class 53, "insufficient resources": 53100 disk_full) or it cannot be
 * reached (down, restarting, the connection cut). Both are outages to wait out, answered with
 * the 503 page, never a 500 (docs/pannes.md).
 */
export function databaseFault(err: unknown): 'storage' | 'unreachable' | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('53')) return 'storage';
  // 08: connection exception; 57P01-57P03: the server shutting down, crashed, or not yet accepting.
  if (/^08...$/.test(code) || /^57P0[1-3]$/.test(code)) return 'unreachable';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return 'unreachable';
  // node-postgres's own words when a connection ends or none can be had in time.
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /^Connection terminated|^timeout exceeded when trying to connect|Client has encountered a connection error|^Client was closed/.test(
      message,
    )
  )
    return 'unreachable';
  return undefined;
}

/** Maps body-parser's own errors (too large, too many fields) and database outages to our statuses. */
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (databaseFault(err)) return 503;
  const e = err as { status?: number; statusCode?: number; type?: string };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}

/**
 * The last middleware: a French page for every failure, never a stack trace. A 500 gets a
 * reference the user can quote and the log can be searched for.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const status = statusOf(err);
    const fault = databaseFault(err);
    const reference = status >= 500 ? crypto.randomBytes(4).toString('hex').toUpperCase() : undefined;
    if (status >= 500) logger.error({ err, reference, url: maskSecrets(req.originalUrl), fault }, 'request failed');
    else logger.debug({ status, url: maskSecrets(req.originalUrl), message: (err as Error).message }, 'request refused');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (status === 503) res.setHeader('Retry-After', '30');
    const view =
      status === 403 && err instanceof CsrfError ? 'errors/csrf' : `errors/${TITLES[status] ? status : status >= 500 ? 500 : 400}`;
    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    res.render(view, { title: TITLES[status] ?? TITLES[400], reference, status, notSaved: fault === 'storage' }, (renderErr, html) => {
      if (renderErr) {
        logger.error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain; charset=utf-8').send(`${TITLES[status] ?? 'Erreur'}${reference ? ` (référence ${reference})` : ''}`);
        return;
      }
      res.send(html);
    });
  };
}
