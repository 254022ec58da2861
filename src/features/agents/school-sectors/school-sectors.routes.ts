import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { route, urls } from '../../../routes.js';
import { schoolEnrolmentsController } from './school-enrolments.controller.js';
import { schoolSectorsController } from './school-sectors.controller.js';

/** "Secteurs scolaires" (issue 16): every agent reads the table; admins maintain it (a town's configuration). */
export function schoolSectorsRouter(deps: AppDeps): Router {
  const sectors = schoolSectorsController(deps);
  const enrolments = schoolEnrolmentsController(deps);
  const router = Router();

  router.get(route(urls.agentSchoolSectors), requireAgent, sectors.show);
  router.post(route(urls.agentSchoolNew), requireAdmin, sectors.createSchool);
  router.post(route(urls.agentSectorNew), requireAdmin, sectors.createSector);
  router.post(route(urls.agentSectorDelete, ':sectorId'), requireAdmin, sectors.deleteSector);
  router.post(UPLOAD_ROUTES.agentSectorImport.path, requireAdmin, sectors.importFile);
  // A pre-enrolment's decision is day-to-day work: every agent.
  router.get(route(urls.agentSchoolEnrolment, ':requestId'), requireAgent, enrolments.show);
  router.post(route(urls.agentSchoolEnrolmentAccept, ':requestId'), requireAgent, enrolments.accept);
  router.post(route(urls.agentSchoolEnrolmentRefuse, ':requestId'), requireAgent, enrolments.refuse);

  return router;
}
