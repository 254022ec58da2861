import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { surveysController } from './surveys.controller.js';

/** Enquêtes (views/agents/surveys/): admins open and close; every agent reads the anonymous results. */
export function agentsSurveysRouter(deps: AppDeps): Router {
  const surveys = surveysController(deps);
  const router = Router();

  router.get(route(urls.agentSurveys), requireAgent, surveys.list);
  // Before ':surveyId', which would take 'nouvelle' for an id.
  router.get(route(urls.agentSurveyNew), requireAdmin, surveys.showNew);
  router.post(route(urls.agentSurveyNew), requireAdmin, surveys.create);
  router.get(route(urls.agentSurvey, ':surveyId'), requireAgent, surveys.show);
  router.post(route(urls.agentSurveyClose, ':surveyId'), requireAdmin, surveys.close);
  router.get(route(urls.agentSurveyExport, ':surveyId'), requireAgent, surveys.exportCsv);

  return router;
}
