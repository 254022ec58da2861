import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { documentsController } from './documents.controller.js';

/**
 * "Pièces justificatives" (issue 5): any document URL is a 404 for a visitor who is not a
 * parent of this town (an agent, another town's parent, nobody), whatever the verb. No
 * back-office router imports this feature or its repository.
 */
export function documentsRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  // A URL naming a document must not tell that it exists: 404 rather than "sign in first".
  const ownerOnly: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.account) throw new NotFoundError();
    return parentOnly(req, res, next);
  };
  const documents = documentsController(deps);
  const router = Router();
  const doc = ':documentId';

  router.get(route(urls.documents), parentOnly, documents.showList);
  router.get(route(urls.documentNew), parentOnly, documents.showNew);
  router.post(route(urls.documentNew), parentOnly, documents.rateLimit, uploadDocuments('fichiers'), documents.addDocument);
  router.get(route(urls.documentFile, doc, ':fileId'), ownerOnly, documents.serveFile);
  router.get(route(urls.documentDelete, doc), ownerOnly, documents.showDelete);
  router.post(route(urls.documentDelete, doc), ownerOnly, documents.deleteDocument);

  return router;
}
