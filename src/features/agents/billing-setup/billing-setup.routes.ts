import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { billingSettingsController } from './billing-settings.controller.js';
import { familyBillingController } from './family-billing.controller.js';
import { onlinePaymentController } from './online-payment.controller.js';
import { regiesController } from './regies.controller.js';
import { tariffsController } from './tariffs.controller.js';

/**
 * The régie's setup in the back-office (views/agents/billing-setup/): régies, tariffs and
 * billing settings for the town's admins; a family file's QF and payer for every agent.
 * Everyone else gets the 404 of an unknown page; objects of another town too.
 */
export function billingSetupRouter(deps: AppDeps): Router {
  const regies = regiesController(deps);
  const tariffs = tariffsController(deps);
  const settings = billingSettingsController(deps);
  const family = familyBillingController(deps);
  const onlinePayment = onlinePaymentController(deps);
  const router = Router();

  router.get(route(urls.agentBillingRegies), requireAdmin, regies.list);
  // Before ':regieId', which would take 'nouvelle' for an id.
  router.get(route(urls.agentBillingRegieNew), requireAdmin, regies.showNew);
  router.post(route(urls.agentBillingRegieNew), requireAdmin, regies.create);
  router.get(route(urls.agentBillingRegie, ':regieId'), requireAdmin, regies.showEdit);
  router.post(route(urls.agentBillingRegie, ':regieId'), requireAdmin, regies.update);

  router.get(route(urls.agentBillingTariffs), requireAdmin, tariffs.list);
  router.get(route(urls.agentBillingTariff, ':activityId'), requireAdmin, tariffs.show);
  router.post(route(urls.agentBillingTariff, ':activityId'), requireAdmin, tariffs.addVersion);

  router.get(route(urls.agentBillingSettings), requireAdmin, settings.show);
  router.post(route(urls.agentBillingSettings), requireAdmin, settings.save);
  router.get(route(urls.agentPaymentSettings), requireAdmin, onlinePayment.show);
  router.post(route(urls.agentPaymentSettings), requireAdmin, onlinePayment.save);

  router.get(route(urls.agentFamilyBilling, ':familyId'), requireAgent, family.show);
  router.post(route(urls.agentFamilyQuotient, ':familyId'), requireAgent, family.saveQuotient);
  router.post(route(urls.agentFamilyPayer, ':familyId'), requireAgent, family.savePayer);

  return router;
}
