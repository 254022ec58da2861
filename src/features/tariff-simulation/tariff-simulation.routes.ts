import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { tariffSimulationController } from './tariff-simulation.controller.js';

/** "Simulation des tarifs" (issue 14): the town's public page, and the family's in its space. */
export function tariffSimulationRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const simulation = tariffSimulationController(deps);
  const router = Router();

  router.get(route(urls.tariffSimulation), simulation.showPublic);
  router.get(route(urls.myTariffSimulation), parentOnly, familyOnly, simulation.showForFamily);

  return router;
}
