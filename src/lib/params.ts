import type { Request } from 'express';
import { NotFoundError } from './errors.js';
import { UUID } from './ids.js';

/**
 * Path parameters, read one way by every controller, the parents' and the agents'.
 */

/** A path parameter as a string ('' when absent): the service then finds nothing, a 404. */
export function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

/** An id from the URL: anything but a UUID is an unknown page (and never reaches SQL as one). */
export function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError(`bad ${name}`);
  return value.toLowerCase();
}

/** ?page=, a whole number from 1 to 10 000; anything else is the first page. */
export function pageParam(req: Request): number {
  const raw = typeof req.query.page === 'string' ? Number(req.query.page) : 1;
  return Number.isInteger(raw) && raw >= 1 && raw <= 10_000 ? raw : 1;
}
