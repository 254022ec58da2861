import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { contactController } from './contact.controller.js';

/**
 * Coordonnées (issue 5): the address, the phones and the email of the signed-in parent. The
 * email's confirmation is opened from the new mailbox, signed in or not: its token says whose.
 */
export function contactRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const contact = contactController(deps);
  const router = Router();

  router.get(route(urls.contactDetails), parentOnly, contact.showIndex);
  router.get(route(urls.contactAddress), parentOnly, contact.showAddress);
  router.post(route(urls.contactAddress), parentOnly, contact.changeAddress);
  router.get(route(urls.contactPhones), parentOnly, contact.showPhones);
  router.post(route(urls.contactPhones), parentOnly, contact.changePhones);
  router.get(route(urls.contactEmail), parentOnly, contact.showEmail);
  router.post(route(urls.contactEmail), parentOnly, contact.changeEmail);

  router.get(route(urls.confirmEmail), contact.showEmailConfirm);
  router.post(route(urls.confirmEmail), contact.confirmEmail);

  return router;
}
