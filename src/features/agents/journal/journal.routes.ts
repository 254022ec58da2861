import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { journalController } from './journal.controller.js';

/** The audit log ("Journal des actions"), for the town's admins. */
export function auditLogRouter(deps: AppDeps): Router {
  const journal = journalController(deps);
  const router = Router();
  router.get(route(urls.agentJournal), requireAdmin, journal.show);
  return router;
}
