import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { familyController } from './my-family.controller.js';

/**
 * MA FAMILLE (issue 5). Only a validated account linked to a family file sees the family:
 * the family's pages say why otherwise (`familyPage`), and every URL naming a child answers
 * 404 to anyone but its family, whatever the verb (`childOnly`).
 */
export function familyRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const family = familyController(deps);
  const childOnly = family.childOnly(parentOnly);
  const familyPage = family.familyPage;
  const router = Router();

  router.get(route(urls.family), parentOnly, familyPage, family.showFamily);

  router.get(route(urls.child, ':childId'), childOnly, family.showChild);
  router.get(route(urls.childFile, ':childId'), childOnly, family.showChildFile);
  router.post(route(urls.childFile, ':childId'), childOnly, family.saveChildFile);

  router.get(route(urls.addMember), parentOnly, familyPage, family.showAddMember);
  router.get(route(urls.addMember, 'enfant'), parentOnly, familyPage, family.showMemberForm('enfant'));
  router.post(route(urls.addMember, 'enfant'), parentOnly, familyPage, family.requestMember('enfant'));
  router.get(route(urls.addMember, 'adulte'), parentOnly, familyPage, family.showMemberForm('adulte'));
  router.post(route(urls.addMember, 'adulte'), parentOnly, familyPage, family.requestMember('adulte'));

  return router;
}
