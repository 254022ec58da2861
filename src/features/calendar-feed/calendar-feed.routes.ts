import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { calendarFeedController } from './calendar-feed.controller.js';

/** A child's agenda as a calendar feed (issue 17): the parent's page to create, renew and revoke its address. */
export function calendarFeedRouter(deps: AppDeps): Router {
  const { parentOnly, familyOnly } = parentGuards(deps.pool);
  const pages = calendarFeedController(deps);
  const router = Router();
  const child = ':childId';
  router.get(route(urls.childCalendarFeed, child), parentOnly, familyOnly, pages.show);
  router.post(route(urls.childCalendarFeedCreate, child), parentOnly, familyOnly, pages.create);
  router.post(route(urls.childCalendarFeedRevoke, child), parentOnly, familyOnly, pages.revoke);
  return router;
}

/**
 * The feed a phone's calendar fetches, mounted before the session so that it creates no
 * session and no cookie; the token is its only credential (no CSRF: a GET changing nothing
 * but its last use).
 */
export function calendarFeedPublicRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(urls.calendarFeed(':town', ':token'), calendarFeedController(deps).feed);
  return router;
}
