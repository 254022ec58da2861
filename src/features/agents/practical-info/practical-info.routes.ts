import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { uploadDocuments } from '../../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { route, urls } from '../../../routes.js';
import { practicalInfoAgentsController } from './practical-info.controller.js';

/**
 * INFOS PRATIQUES in the back-office. Agents carry no service of their own (a role only,
 * agent or admin), so, like ACTUALITÉS, every agent of the town may write them.
 */
export function agentsPracticalInfoRouter(deps: AppDeps): Router {
  const info = practicalInfoAgentsController(deps);
  const router = Router();
  router.get(route(urls.agentPracticalInfo), requireAgent, info.list);
  router.get(route(urls.agentPracticalInfoNew), requireAgent, info.showNew);
  router.post(route(urls.agentPracticalInfoNew), requireAgent, info.create);
  router.get(route(urls.agentPracticalInfoEdit, ':pageId'), requireAgent, info.showEdit);
  router.post(route(urls.agentPracticalInfoEdit, ':pageId'), requireAgent, info.update);
  router.post(route(urls.agentPracticalInfoPublish, ':pageId'), requireAgent, info.publish);
  router.post(route(urls.agentPracticalInfoUnpublish, ':pageId'), requireAgent, info.unpublish);
  router.post(
    route(urls.agentPracticalInfoFiles, ':pageId'),
    requireAgent,
    uploadDocuments(UPLOAD_ROUTES.agentPracticalInfoFiles),
    info.addFiles,
  );
  router.post(route(urls.agentPracticalInfoFileDelete, ':pageId', ':fileId'), requireAgent, info.removeFile);
  return router;
}
