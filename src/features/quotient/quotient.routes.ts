import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { familyOnly, parentGuards } from '../parent-accounts/parent-guards.js';
import { quotientController } from './quotient.controller.js';

/** "Mon quotient familial" (issue 14): the QF in force and the declaration of a new one, a request with its attestation. */
export function quotientRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const quotient = quotientController(deps);
  const router = Router();

  router.get(route(urls.quotientDeclaration), parentOnly, familyOnly, quotient.show);
  // The rate limit is checked before any file is checked (parseMultipart has read the body within UPLOAD_ROUTES' bounds).
  router.post(
    UPLOAD_ROUTES.quotientDeclaration.path,
    parentOnly,
    familyOnly,
    quotient.beforeUpload,
    uploadDocuments(UPLOAD_ROUTES.quotientDeclaration),
    quotient.declare,
  );

  return router;
}
