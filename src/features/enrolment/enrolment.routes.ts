import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { enrolmentController } from './enrolment.controller.js';

/** "Inscrire mon enfant" and the follow-up of an enrolment request (issue 16). */
export function enrolmentRouter(deps: AppDeps): Router {
  const { parentOnly, ownerOnly } = parentGuards(deps.pool);
  const enrolment = enrolmentController(deps);
  const router = Router();
  router.get(route(urls.enrolChild), parentOnly, familyOnly, enrolment.show);
  router.post(
    UPLOAD_ROUTES.enrolChild.path,
    parentOnly,
    familyOnly,
    enrolment.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.enrolChild),
    enrolment.submit,
  );
  // A URL naming a family's request: a visitor gets the 404, not the sign-in (ownerOnly).
  router.get(route(urls.enrolmentApplication, ':requestId'), ownerOnly, familyOnly, enrolment.application);
  return router;
}
