import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { loadOperator, requireOperator } from '../../middleware/operator-auth.js';
import { urls } from '../../routes.js';
import { operatorsController } from './operators.controller.js';

/** The host's operators' pages, outside any town (issue 20, ADR 0024). */
export function operatorsRouter(deps: AppDeps): Router {
  const operators = operatorsController(deps);
  const router = Router();
  router.use(loadOperator(deps.pool, deps.clock));

  router.get(urls.operatorHome(), (_req, res) => res.redirect(303, urls.operatorTowns()));
  router.get(urls.operatorSignIn(), operators.showSignIn);
  router.post(urls.operatorSignIn(), operators.signIn);
  router.post(urls.operatorSignOut(), requireOperator, operators.signOut);

  router.get(urls.operatorTowns(), requireOperator, operators.listTowns);
  router.get(urls.operatorNewTown(), requireOperator, operators.showNewTown);
  router.post(urls.operatorNewTown(), requireOperator, operators.saveNewTown);
  router.post(urls.operatorExportTown(':slug'), requireOperator, operators.downloadExport);
  router.get(urls.operatorRemoveTown(':slug'), requireOperator, operators.showRemove);
  router.post(urls.operatorRemoveTown(':slug'), requireOperator, operators.remove);

  return router;
}
