import type { Request } from 'express';
import { NotFoundError } from '../lib/errors.js';
import { UUID } from '../lib/ids.js';

/** A route parameter that must be an id: anything else is the same 404 as another family's id. */
export function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError();
  return value.toLowerCase();
}

/** ?page=, a whole number from 1 to 10 000; anything else is the first page. */
export function pageParam(req: Request): number {
  const raw = typeof req.query.page === 'string' ? Number(req.query.page) : 1;
  return Number.isInteger(raw) && raw >= 1 && raw <= 10_000 ? raw : 1;
}
