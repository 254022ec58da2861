import type { NextFunction, Request, Response } from 'express';
import type { Queryable } from '../db/pool.js';
import { NotFoundError } from '../lib/errors.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { findTownBySlug, type Town } from '../repositories/towns.repository.js';

declare module 'express-serve-static-core' {
  interface Request {
    town?: Town;
  }
}

/**
 * Town rows change rarely (an admin edits settings) and are read on every request: a
 * short-lived cache per process. Settings changes call `forgetTown` so this process sees
 * them at once; other instances within TOWN_CACHE_MS.
 */
const TOWN_CACHE_MS = 5_000;
// Only known towns are kept: unknown slugs from crawlers must not grow the cache.
const towns = ttlCache<Town | undefined>(TOWN_CACHE_MS, { keep: (town) => town !== undefined });

export function forgetTown(slug?: string): void {
  towns.forget(slug);
}

export function resolveTown(db: Queryable, slug: string): Promise<Town | undefined> {
  return towns.get(slug, () => findTownBySlug(db, slug));
}

/** Resolves `/:town` or answers the French 404 page. */
export function townMiddleware(db: Queryable) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const slug = req.params.town;
    if (typeof slug !== 'string' || !/^[a-z][a-z0-9-]{1,40}$/.test(slug)) throw new NotFoundError('unknown town');
    const town = await resolveTown(db, slug);
    if (!town) throw new NotFoundError('unknown town');
    req.town = town;
    res.locals.town = town;
    next();
  };
}

/** For handlers behind townMiddleware. */
export function requireTown(req: Request): Town {
  if (!req.town) throw new NotFoundError('unknown town');
  return req.town;
}
