import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { requestsController } from './requests.controller.js';

/**
 * The parent's side of requests (issue 5). A request the parent may not see (another
 * family's, another town's, a co-parent's personal one) is a 404 for every verb, as is any
 * request URL without a parent's session.
 */
export function requestsRouter(deps: AppDeps): Router {
  const { parentOnly, ownerOnly } = parentGuards(deps.pool);
  const requests = requestsController(deps);
  const router = Router();

  router.get(route(urls.requests), parentOnly, requests.showList);
  router.get(route(urls.inbox), parentOnly, requests.showInbox);
  router.get(route(urls.request, ':id'), ownerOnly, requests.showRequest);
  router.post(
    UPLOAD_ROUTES.requestMessage.path,
    ownerOnly,
    requests.beforeMessage,
    uploadDocuments(UPLOAD_ROUTES.requestMessage),
    requests.postMessage,
  );
  router.get(route(urls.requestAttachment, ':id', ':fileId'), ownerOnly, requests.serveAttachment);

  return router;
}
