import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { NotFoundError } from '../../lib/errors.js';
import { requireParent } from '../../middleware/auth.js';
import { currentCguVersionNumber } from './cgu.js';

/**
 * The guards of the parent's space, built once per router: `parentOnly` (signed in, the
 * temporary password replaced, the current CGU accepted) and `familyOnly` (a validated
 * account linked to a family file).
 */
export function parentGuards(pool: pg.Pool) {
  return { parentOnly: requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) }), familyOnly };
}

/** Only a validated account linked to a family file: anyone else gets the same 404 as an unknown page. */
export function familyOnly(req: Request, _res: Response, next: NextFunction): void {
  const a = req.account;
  if (!a || !a.familyId || a.validationStatus !== 'validated') return next(new NotFoundError('no family'));
  next();
}

/** A route parameter as a string ('' when absent): services turn a malformed id into a 404. */
export function routeParam(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}
