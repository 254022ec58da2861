import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { remindersController } from './reminders.controller.js';

/** Mon compte › Rappels par courriel: the signed-in account's reminder choices. */
export function remindersRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const reminders = remindersController(deps);
  const router = Router();

  router.get(route(urls.reminderPreferences), parentOnly, reminders.show);
  router.post(route(urls.reminderPreferences), parentOnly, reminders.save);

  return router;
}
