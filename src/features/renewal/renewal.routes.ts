import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { renewalController } from './renewal.controller.js';

/** "Renouvellement du dossier" (issue 16): the open campaign, each child's status, a child's renewal (multipart). */
export function renewalRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const renewal = renewalController(deps);
  const router = Router();

  router.get(route(urls.renewal), parentOnly, familyOnly, renewal.overview);
  router.get(route(urls.renewalChild, ':childId'), parentOnly, familyOnly, renewal.show);
  router.post(
    UPLOAD_ROUTES.renewalChild.path,
    parentOnly,
    familyOnly,
    renewal.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.renewalChild),
    renewal.send,
  );

  return router;
}
