import { Router } from 'express';
import type pg from 'pg';
import { urls } from '../../routes.js';
import { healthController } from './health.controller.js';

/** /healthz and /readyz, outside any town, for the orchestrator. */
export function healthRouter(pool: pg.Pool, options: { showRuntime: boolean }): Router {
  const health = healthController(pool, options);
  const router = Router();
  router.get(urls.healthz(), health.liveness);
  router.get(urls.readyz(), health.readiness);
  return router;
}
