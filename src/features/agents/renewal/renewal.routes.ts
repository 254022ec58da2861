import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { campaignsController } from './campaigns.controller.js';
import { followUpController } from './follow-up.controller.js';

/**
 * Dossier renewal in the back-office (views/agents/renewal/): admins open and edit a campaign;
 * every agent follows it, exports it and decides per child. Another town's campaign is a 404.
 */
export function agentsRenewalRouter(deps: AppDeps): Router {
  const campaigns = campaignsController(deps);
  const followUp = followUpController(deps);
  const router = Router();

  router.get(route(urls.agentRenewals), requireAgent, campaigns.list);
  // Before ':campaignId', which would take 'nouvelle' for an id.
  router.get(route(urls.agentRenewalNew), requireAdmin, campaigns.showNew);
  router.post(route(urls.agentRenewalNew), requireAdmin, campaigns.create);
  router.get(route(urls.agentRenewal, ':campaignId'), requireAgent, followUp.show);
  router.get(route(urls.agentRenewalEdit, ':campaignId'), requireAdmin, campaigns.showEdit);
  router.post(route(urls.agentRenewalEdit, ':campaignId'), requireAdmin, campaigns.update);
  router.get(route(urls.agentRenewalExport, ':campaignId'), requireAgent, followUp.exportCsv);
  router.post(route(urls.agentRenewalValidate, ':campaignId', ':requestId'), requireAgent, followUp.validate);
  router.post(route(urls.agentRenewalIncomplete, ':campaignId', ':requestId'), requireAgent, followUp.incomplete);

  return router;
}
