import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { surveyController } from './survey.controller.js';

/** VOTRE AVIS NOUS INTÉRESSE: any signed-in account answers the town's open survey, once. */
export function surveyRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const survey = surveyController(deps);
  const router = Router();

  router.get(route(urls.survey), parentOnly, survey.show);
  router.post(route(urls.survey), parentOnly, survey.answer);

  return router;
}
