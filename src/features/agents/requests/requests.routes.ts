import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { uploadDocuments } from '../../../middleware/upload.js';
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
    route(urls.agentRequestMessages, ':id'),
    requireAgent,
    requests.requestInTown,
    uploadDocuments('fichiers'),
    requests.postMessage,
  );
  router.get(route(urls.agentRequestAttachment, ':id', ':fileId'), requireAgent, requests.serveAttachment);

  return router;
}
