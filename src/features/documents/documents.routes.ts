import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { documentsController } from './documents.controller.js';

/**
 * "Pièces justificatives" (issue 5): any document URL is a 404 for a visitor who is not a
 * parent of this town (an agent, another town's parent, nobody), whatever the verb. No
 * back-office router imports this feature or its repository.
 */
export function documentsRouter(deps: AppDeps): Router {
  const { parentOnly, ownerOnly } = parentGuards(deps.pool);
  const documents = documentsController(deps);
  const router = Router();
  const doc = ':documentId';

  router.get(route(urls.documents), parentOnly, documents.showList);
  router.get(route(urls.documentNew), parentOnly, documents.showNew);
  router.post(
    UPLOAD_ROUTES.documentNew.path,
    parentOnly,
    documents.rateLimit,
    uploadDocuments(UPLOAD_ROUTES.documentNew),
    documents.addDocument,
  );
  router.get(route(urls.documentFile, doc, ':fileId'), ownerOnly, documents.serveFile);
  router.get(route(urls.documentDelete, doc), ownerOnly, documents.showDelete);
  router.post(route(urls.documentDelete, doc), ownerOnly, documents.deleteDocument);

  return router;
}
