import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/days.js';
import { ttlCache } from '../../lib/ttl-cache.js';
import { townMenuFacts, type TownMenuFacts } from '../../repositories/towns.repository.js';
import { townMenu } from './town-menu.js';

/**
 * Every page of the town reads the menu's facts: in production each process keeps them a few
 * seconds (one cached read per page, like the home's news); elsewhere they are read every
 * time, so a test sees a change at once.
 */
const MENU_FACTS_CACHE_MS = 5_000;

/** Puts `townMenu` (the links) in the view's locals for visitors and parents; the back-office has its own nav. */
export function townMenuMiddleware(deps: AppDeps) {
  const facts = ttlCache<TownMenuFacts>(deps.config.isProduction ? MENU_FACTS_CACHE_MS : 0);
  return async (req: Request, res: Response, next: NextFunction) => {
    const town = req.town;
    if (!town || res.locals.agent || /^\/agents(\/|$)|\.(css|svg|ico)$/.test(req.path)) return next();
    const townFacts = await facts.get(town.id, () => townMenuFacts(deps.pool, town.id, parisDay(deps.clock.now())));
    res.locals.townMenu = townMenu(town, req.originalUrl, townFacts, Boolean(res.locals.account));
    next();
  };
}
