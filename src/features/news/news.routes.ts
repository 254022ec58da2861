import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { newsController } from './news.controller.js';

/** ACTUALITÉS on the portal (issue 17): public pages, private items for the families they are for. */
export function newsRouter(deps: AppDeps): Router {
  const news = newsController(deps);
  const router = Router();
  router.get(route(urls.newsArchive), news.archive);
  router.get(route(urls.newsItem, ':newsId'), news.show);
  return router;
}
