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

/** Maps body-parser's own errors (too large, too many fields) to our statuses. */
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
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
    const reference = status >= 500 ? crypto.randomBytes(4).toString('hex').toUpperCase() : undefined;
    if (status >= 500) logger.error({ err, reference, url: maskSecrets(req.originalUrl) }, 'request failed');
    else logger.debug({ status, url: maskSecrets(req.originalUrl), message: (err as Error).message }, 'request refused');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    const view =
      status === 403 && err instanceof CsrfError ? 'errors/csrf' : `errors/${TITLES[status] ? status : status >= 500 ? 500 : 400}`;
    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    res.render(view, { title: TITLES[status] ?? TITLES[400], reference, status }, (renderErr, html) => {
      if (renderErr) {
        logger.error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain; charset=utf-8').send(`${TITLES[status] ?? 'Erreur'}${reference ? ` (référence ${reference})` : ''}`);
        return;
      }
      res.send(html);
    });
  };
}
