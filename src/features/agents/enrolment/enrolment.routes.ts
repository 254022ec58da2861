import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { enrolmentAgentsController } from './enrolment.controller.js';

/** Online enrolment in the back-office (views/agents/enrolment/): an activity's settings, its applications and their allocation. */
export function agentsEnrolmentRouter(deps: AppDeps): Router {
  const enrolment = enrolmentAgentsController(deps);
  const router = Router();
  router.get(route(urls.agentEnrolmentSettings, ':activityId'), requireAgent, enrolment.showSettings);
  router.post(route(urls.agentEnrolmentSettings, ':activityId'), requireAgent, enrolment.saveSettings);
  router.get(route(urls.agentAllocation, ':activityId'), requireAgent, enrolment.showAllocation);
  router.post(route(urls.agentAllocation, ':activityId'), requireAgent, enrolment.allocate);
  return router;
}
