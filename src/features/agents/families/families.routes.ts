import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { familiesController } from './families.controller.js';
import { membersController } from './members.controller.js';

/**
 * Family files in the back-office (views/agents/families/): list and search, the file, its
 * adults and children, the Clé Enfance (regeneration and letter) and Création rapide.
 * Agents of this town only (404 for anyone else), objects of this town only.
 */
export function familyFilesRouter(deps: AppDeps): Router {
  const families = familiesController(deps);
  const members = membersController(deps);
  const router = Router();
  const family = ':familyId';

  router.get(route(urls.agentFamilies), requireAgent, families.list);
  // Before ':familyId', which would take 'nouveau' for an id.
  router.get(route(urls.agentFamilyNew), requireAgent, families.showNew);
  router.post(route(urls.agentFamilyNew), requireAgent, families.create);
  router.get(route(urls.agentFamily, family), requireAgent, families.show);
  router.get(route(urls.agentFamilyEdit, family), requireAgent, families.showEdit);
  router.post(route(urls.agentFamilyEdit, family), requireAgent, families.update);

  router.get(route(urls.agentFamilyKey, family), requireAgent, families.showKey);
  router.post(route(urls.agentFamilyKey, family), requireAgent, families.regenerateKey);
  router.get(route(urls.agentFamilyLetter, family), requireAgent, families.downloadLetter);

  router.get(route(urls.agentAdultNew, family), requireAgent, members.showNewAdult);
  router.post(route(urls.agentAdultNew, family), requireAgent, members.addAdult);
  router.get(route(urls.agentAdultEdit, family, ':adultId'), requireAgent, members.showAdult);
  router.post(route(urls.agentAdultEdit, family, ':adultId'), requireAgent, members.updateAdult);
  router.get(route(urls.agentAdultPrecreate, family, ':adultId'), requireAgent, members.showPrecreate);
  router.post(route(urls.agentAdultPrecreate, family, ':adultId'), requireAgent, members.precreate);
  router.post(route(urls.agentAccountResend, family, ':accountId'), requireAgent, members.resendMail);

  router.get(route(urls.agentChildNew, family), requireAgent, members.showNewChild);
  router.post(route(urls.agentChildNew, family), requireAgent, members.addChild);
  router.get(route(urls.agentChildEdit, family, ':childId'), requireAgent, members.showChild);
  router.post(route(urls.agentChildEdit, family, ':childId'), requireAgent, members.updateChild);

  return router;
}
