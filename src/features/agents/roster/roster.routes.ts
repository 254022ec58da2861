import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { rosterController } from './roster.controller.js';

/** The day's roster of a site (agents of this town), and the health right on the team page (admins). */
export function rosterRouter(deps: AppDeps): Router {
  const roster = rosterController(deps);
  const router = Router();
  router.get(route(urls.agentRoster), requireAgent, roster.show);
  router.get(route(urls.agentRosterPdf), requireAgent, roster.exportPdf);
  router.post(route(urls.agentTeamHealth, ':agentId'), requireAdmin, roster.setHealth);
  return router;
}
