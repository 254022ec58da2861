import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { absencesController } from './absences.controller.js';

/**
 * "Signaler une absence" (issue 6), the parent's side. The agents' side is the requests'
 * queue: an absence is a request of type 'absence', whose decision effects are in the request-effects table.
 */
export function absencesRouter(deps: AppDeps): Router {
  const { parentOnly, familyOnly } = parentGuards(deps.pool);
  const absences = absencesController(deps);
  const router = Router();

  router.get(route(urls.absenceStart, ':childId'), parentOnly, familyOnly, absences.showStart);
  router.get(route(urls.absenceForm, ':childId'), parentOnly, familyOnly, absences.showStep1);
  // The child and the rate limit are checked before any file is checked or stored (parseMultipart has read
  // the body, within this route's UPLOAD_ROUTES bounds).
  router.post(
    UPLOAD_ROUTES.absenceStep1.path,
    parentOnly,
    familyOnly,
    absences.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.absenceStep1),
    absences.submitStep1,
  );
  router.get(route(urls.absenceRecap, ':draftId'), parentOnly, familyOnly, absences.showRecap);
  router.post(route(urls.absenceValidate, ':draftId'), parentOnly, familyOnly, absences.validate);

  return router;
}
