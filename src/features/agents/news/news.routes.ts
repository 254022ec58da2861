import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { newsController } from './news.controller.js';

/** ACTUALITÉS in the back-office, for every agent of the town. */
export function agentsNewsRouter(deps: AppDeps): Router {
  const news = newsController(deps);
  const router = Router();

  router.get(route(urls.agentNews), requireAgent, news.list);
  router.get(route(urls.agentNewsNew), requireAgent, news.showNew);
  router.post(route(urls.agentNewsNew), requireAgent, news.create);
  router.get(route(urls.agentNewsEdit, ':newsId'), requireAgent, news.showEdit);
  router.post(route(urls.agentNewsEdit, ':newsId'), requireAgent, news.update);
  router.post(route(urls.agentNewsPublish, ':newsId'), requireAgent, news.publish);
  router.post(route(urls.agentNewsUnpublish, ':newsId'), requireAgent, news.unpublish);

  return router;
}
