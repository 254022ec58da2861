import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { NotFoundError } from '../../lib/errors.js';
import { requireParent } from '../../middleware/auth.js';
import { currentCguVersionNumber } from './cgu.js';

/**
 * The guards of the parent's space, built once per router: `parentOnly` (signed in, the
 * temporary password replaced, the current CGU accepted), `ownerOnly` (the same, but a 404
 * for a visitor) and `familyOnly` (a validated account linked to a family file).
 */
export function parentGuards(pool: pg.Pool) {
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });
  /**
   * For a URL naming something of the parent's (a request, a document): a visitor without a
   * parent's session gets 404, not "sign in first", so the URL does not tell that it exists.
   */
  const ownerOnly: RequestHandler = (req, res, next) => {
    if (!req.account) throw new NotFoundError();
    return parentOnly(req, res, next);
  };
  return { parentOnly, ownerOnly, familyOnly };
}

/** Only a validated account linked to a family file: anyone else gets the same 404 as an unknown page. */
export function familyOnly(req: Request, _res: Response, next: NextFunction): void {
  const a = req.account;
  if (!a || !a.familyId || a.validationStatus !== 'validated') return next(new NotFoundError('no family'));
  next();
}
