import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { urls } from '../../routes.js';
import { devController } from './dev.controller.js';

/**
 * Development only (never mounted in production): the local mailbox, where mails land
 * when SMTP_URL is unset, so a newcomer can click an activation link.
 */
export function devRouter(deps: AppDeps): Router {
  const dev = devController(deps);
  const router = Router();
  router.get(urls.devMailbox(), dev.showMailbox);
  router.get(urls.devMail(':id'), dev.showMail);
  return router;
}
