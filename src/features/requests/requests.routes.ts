import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { requestsController } from './requests.controller.js';

// For the routers that still import them from here (the agents' requests).
export { idParam, pageParam } from './request-params.js';

/**
 * The parent's side of requests (issue 5). A request the parent may not see (another
 * family's, another town's, a co-parent's personal one) is a 404 for every verb, as is any
 * request URL without a parent's session.
 */
export function requestsRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  // A URL naming a request must not tell a visitor that it exists: 404, not "sign in".
  const ownerOnly: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.account) throw new NotFoundError();
    return parentOnly(req, res, next);
  };
  const requests = requestsController(deps);
  const router = Router();

  router.get(route(urls.requests), parentOnly, requests.showList);
  router.get(route(urls.inbox), parentOnly, requests.showInbox);
  router.get(route(urls.request, ':id'), ownerOnly, requests.showRequest);
  router.post(route(urls.requestMessages, ':id'), ownerOnly, requests.beforeMessage, uploadDocuments('fichiers'), requests.postMessage);
  router.get(route(urls.requestAttachment, ':id', ':fileId'), ownerOnly, requests.serveAttachment);

  return router;
}
