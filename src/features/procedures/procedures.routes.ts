import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { proceduresController } from './procedures.controller.js';

/** NOUVELLE DÉMARCHE (issue 17): the catalogue, and the town's published forms to send. */
export function proceduresRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const c = proceduresController(deps);
  const router = Router();

  router.get(route(urls.procedures), parentOnly, c.catalogue);
  router.get(route(urls.procedureForm, ':formId'), parentOnly, familyOnly, c.show);
  // The form and the rate limit are checked before any file is checked (parseMultipart has read the body within UPLOAD_ROUTES' bounds).
  router.post(
    UPLOAD_ROUTES.procedureForm.path,
    parentOnly,
    familyOnly,
    c.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.procedureForm),
    c.send,
  );

  return router;
}
