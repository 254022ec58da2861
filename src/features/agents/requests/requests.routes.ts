import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { uploadDocuments } from '../../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { route, urls } from '../../../routes.js';
import { requestsController } from './requests.controller.js';

/**
 * The back-office's requests: the queue, a request with its family's context, the actions
 * the state machine allows, messages to the family. Agents of this town only (404 for
 * anyone else).
 */
export function agentsRequestsRouter(deps: AppDeps): Router {
  const requests = requestsController(deps);
  const router = Router();

  router.get(route(urls.agentRequests), requireAgent, requests.showQueue);
  router.get(route(urls.agentRequest, ':id'), requireAgent, requests.showDetail);
  router.post(route(urls.agentRequestStatus, ':id'), requireAgent, requests.changeStatus);
  router.post(
    UPLOAD_ROUTES.agentRequestMessage.path,
    requireAgent,
    requests.requestInTown,
    uploadDocuments(UPLOAD_ROUTES.agentRequestMessage),
    requests.postMessage,
  );
  router.get(route(urls.agentRequestAttachment, ':id', ':fileId'), requireAgent, requests.serveAttachment);

  return router;
}
