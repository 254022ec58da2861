import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { activityOfferController } from './activity-offer.controller.js';

/** ACTIVITÉS, the public offer of the town's activities (issue 16). */
export function activityOfferRouter(deps: AppDeps): Router {
  const offer = activityOfferController(deps);
  const router = Router();
  router.get(route(urls.activityOffer), offer.list);
  router.get(route(urls.activityOfferDetail, ':activityId'), offer.detail);
  return router;
}
