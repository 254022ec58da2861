import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { documentEditionsController } from './document-editions.controller.js';

/**
 * "Édition de documents" (issue 14): the page for every signed-in parent (it explains
 * itself to an account without a family), its two forms for the family's accounts only
 * (404 otherwise); and the public "Vérifier un document", rate-limited per address.
 */
export function documentEditionsRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const editions = documentEditionsController(deps);
  const router = Router();

  router.get(route(urls.documentEditions), parentOnly, editions.showEditions);
  router.post(route(urls.taxAttestation), editions.familyOnly, parentOnly, editions.taxAttestation);
  router.post(route(urls.paymentAttestation), editions.familyOnly, parentOnly, editions.paymentAttestation);

  router.get(route(urls.documentVerification), editions.showVerify);
  router.get(route(urls.documentVerification, ':code'), editions.showDocument);

  return router;
}
