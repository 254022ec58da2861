import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { statisticsController } from './statistics.controller.js';

/** Statistics and the CAF's monthly return (views/agents/statistics/). Agents of this town only. */
export function statisticsRouter(deps: AppDeps): Router {
  const c = statisticsController(deps);
  const router = Router();
  router.get(route(urls.agentStatistics), requireAgent, c.show);
  router.get(route(urls.agentStatisticsActivitiesCsv), requireAgent, c.exportActivities);
  router.get(route(urls.agentStatisticsRequestsCsv), requireAgent, c.exportRequests);
  router.get(route(urls.agentStatisticsCaf), requireAgent, c.showCaf);
  router.get(route(urls.agentStatisticsCafCsv), requireAgent, c.exportCaf);
  return router;
}
