import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { route, urls } from '../../../routes.js';
import { importController } from './import.controller.js';

/** The import of a file of known families, for the town's agents. */
export function importRouter(deps: AppDeps): Router {
  const imports = importController(deps);
  const router = Router();

  router.get(route(urls.agentImport), requireAgent, imports.showForm);
  router.post(UPLOAD_ROUTES.agentImport.path, requireAgent, imports.upload);
  // Before ':jobId', which would take the template's name for an id.
  router.get(route(urls.agentImportTemplate), requireAgent, imports.downloadTemplate);
  router.get(route(urls.agentImportJob, ':jobId'), requireAgent, imports.showJob);
  router.get(route(urls.agentImportJobStatus, ':jobId'), requireAgent, imports.jobStatus);

  return router;
}
