import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { uploadSingle } from '../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import { route, urls } from '../../routes.js';
import { PHOTO_UPLOAD_OPTIONS } from './signup-screens.js';
import { signupController } from './signup.controller.js';

/**
 * Créer mon espace: BIENVENUE, IDENTITÉ, ADRESSE, MOYENS DE CONTACT, AUTHENTIFICATION,
 * then the confirmation. Each step is guarded: it cannot be reached, read or posted,
 * before the steps it needs are done.
 */
export function signupRouter(deps: AppDeps): Router {
  const signup = signupController(deps);
  const router = Router();
  const step = (s: Parameters<typeof urls.signupStep>[1]) => route(urls.signupStep, s);

  router.get(route(urls.signupStart), signup.showWelcome);

  router.get(step('identite'), signup.showStep('identite'));
  router.post(UPLOAD_ROUTES.signupIdentite.path, uploadSingle(PHOTO_UPLOAD_OPTIONS), signup.submitIdentite);
  router.get(route(urls.signupPhoto), signup.servePhoto);

  router.get(step('adresse'), signup.guard('adresse'), signup.showStep('adresse'));
  router.post(step('adresse'), signup.guard('adresse'), signup.submitAdresse);

  router.get(step('contact'), signup.guard('contact'), signup.showStep('contact'));
  router.post(step('contact'), signup.guard('contact'), signup.submitContact);

  router.get(step('authentification'), signup.guard('authentification'), signup.showStep('authentification'));
  router.post(step('authentification'), signup.guard('authentification'), signup.submitAuthentification);

  router.post(route(urls.signupCancel), signup.cancel);
  router.get(route(urls.signupDone), signup.showDone);

  return router;
}
