import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { schoolEnrolmentController } from './school-enrolment.controller.js';

/** "Préinscription scolaire" (issue 16): the sector's schools and the request, with its pieces (multipart). */
export function schoolEnrolmentRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const school = schoolEnrolmentController(deps);
  const router = Router();

  router.get(route(urls.schoolEnrolment), parentOnly, familyOnly, school.show);
  router.post(
    UPLOAD_ROUTES.schoolEnrolment.path,
    parentOnly,
    familyOnly,
    school.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.schoolEnrolment),
    school.send,
  );

  return router;
}
