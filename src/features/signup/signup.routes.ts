import { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { uploadSingle } from '../../middleware/upload.js';
import { urls } from '../../routes.js';
import { PHOTO_UPLOAD_OPTIONS, signupController } from './signup.controller.js';

/** The router is mounted under '/:town': its paths are the town's URLs from `urls`, without the town. */
const inTown = (path: string) => path.replace(/^\/:town/, '');
const TOWN = ':town';

/**
 * Créer mon espace: BIENVENUE, IDENTITÉ, ADRESSE, MOYENS DE CONTACT, AUTHENTIFICATION,
 * then the confirmation. Each step is guarded: it cannot be reached, read or posted,
 * before the steps it needs are done.
 */
export function signupRouter(deps: AppDeps): Router {
  const signup = signupController(deps);
  const router = Router();
  const step = (s: Parameters<typeof urls.signupStep>[1]) => inTown(urls.signupStep(TOWN, s));

  router.get(inTown(urls.signupStart(TOWN)), signup.showWelcome);

  router.get(step('identite'), signup.showStep('identite'));
  router.post(step('identite'), uploadSingle(PHOTO_UPLOAD_OPTIONS), signup.submitIdentite);
  router.get(inTown(urls.signupPhoto(TOWN)), signup.servePhoto);

  router.get(step('adresse'), signup.guard('adresse'), signup.showStep('adresse'));
  router.post(step('adresse'), signup.guard('adresse'), signup.submitAdresse);

  router.get(step('contact'), signup.guard('contact'), signup.showStep('contact'));
  router.post(step('contact'), signup.guard('contact'), signup.submitContact);

  router.get(step('authentification'), signup.guard('authentification'), signup.showStep('authentification'));
  router.post(step('authentification'), signup.guard('authentification'), signup.submitAuthentification);

  router.post(inTown(urls.signupCancel(TOWN)), signup.cancel);
  router.get(inTown(urls.signupDone(TOWN)), signup.showDone);

  return router;
}
