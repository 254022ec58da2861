import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { servicesController } from './services.controller.js';
import { TEXT_SLUGS } from './settings-pages.js';
import { settingsController } from './settings.controller.js';
import { textsController } from './texts.controller.js';

/** The town's settings, for its admins only (requireAdmin: everyone else gets the 404 of an unknown page). */
export function agentsSettingsRouter(deps: AppDeps): Router {
  const settings = settingsController(deps);
  const services = servicesController(deps);
  const texts = textsController(deps);
  const router = Router();

  router.get(route(urls.agentSettings), requireAdmin, settings.showOverview);

  router.get(route(urls.agentSettingsTown), requireAdmin, settings.showTown);
  router.post(route(urls.agentSettingsTown), requireAdmin, settings.saveTown);

  router.get(route(urls.agentSettingsServices), requireAdmin, services.list);
  // Before ':serviceId', which would take 'nouveau' for an id.
  router.get(route(urls.agentSettingsServiceNew), requireAdmin, services.showNew);
  router.post(route(urls.agentSettingsServiceNew), requireAdmin, services.create);
  router.get(route(urls.agentSettingsService, ':serviceId'), requireAdmin, services.showEdit);
  router.post(route(urls.agentSettingsService, ':serviceId'), requireAdmin, services.update);
  router.post(route(urls.agentSettingsServiceMove, ':serviceId'), requireAdmin, services.move);
  router.post(route(urls.agentSettingsServiceDelete, ':serviceId'), requireAdmin, services.remove);

  router.get(route(urls.agentSettingsPasswords), requireAdmin, settings.showPasswords);
  router.post(route(urls.agentSettingsPasswords), requireAdmin, settings.savePasswords);

  router.get(route(urls.agentSettingsCalendar), requireAdmin, settings.showCalendar);
  router.post(route(urls.agentSettingsCalendar), requireAdmin, settings.addClosure);
  router.post(route(urls.agentSettingsCalendarDelete, ':closureId'), requireAdmin, settings.removeClosure);

  for (const slug of TEXT_SLUGS) {
    router.get(route(urls.agentSettingsText, slug), requireAdmin, texts.show(slug));
    router.post(route(urls.agentSettingsText, slug), requireAdmin, texts.publish(slug));
    router.get(route(urls.agentSettingsTextVersion, slug, ':version'), requireAdmin, texts.showVersion(slug));
  }

  return router;
}
