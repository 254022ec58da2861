import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { messagesController } from './messages.controller.js';

/** Messages to a group of families, for every agent of the town (issue 19). */
export function agentsMessagesRouter(deps: AppDeps): Router {
  const messages = messagesController(deps);
  const router = Router();

  router.get(route(urls.agentMessages), requireAgent, messages.list);
  router.get(route(urls.agentMessageNew), requireAgent, messages.showNew);
  router.post(route(urls.agentMessageNew), requireAgent, messages.submit);
  router.get(route(urls.agentMessage, ':messageId'), requireAgent, messages.show);

  return router;
}
