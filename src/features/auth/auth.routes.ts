import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { accountLinksController } from './account-links.controller.js';
import { myAccountController } from './my-account.controller.js';
import { signInController } from './sign-in.controller.js';

/**
 * The parent's sign-in and session, the links sent by mail (activation, forgotten password),
 * and the signed-in parent's own account (photo, identifiers, first password, CGU).
 */
export function authRouter(deps: AppDeps): Router {
  const { parentOnly } = parentGuards(deps.pool);
  const session = signInController(deps);
  const links = accountLinksController(deps);
  const account = myAccountController(deps);
  const router = Router();

  router.post(route(urls.signIn), session.signIn);
  router.post(route(urls.signOut), session.signOut);
  router.get(route(urls.sessionExpired), session.showSessionExpired);
  router.post(route(urls.sessionExtend), session.extendSession);

  router.get(route(urls.activate), links.activate);
  router.get(route(urls.resendActivation), links.showIdentifierForm('activation'));
  router.post(route(urls.resendActivation), links.submitIdentifier('activation'));
  router.get(route(urls.forgotPassword), links.showIdentifierForm('reset'));
  router.post(route(urls.forgotPassword), links.submitIdentifier('reset'));
  router.get(route(urls.resetPassword), links.showResetForm);
  router.post(route(urls.resetPassword), links.resetPassword);

  router.get(route(urls.accountPhoto), parentOnly, account.servePhoto);
  router.get(route(urls.credentials), parentOnly, account.showCredentials);
  router.post(route(urls.credentials), parentOnly, account.changeCredentials);
  router.get(route(urls.firstCredentials), parentOnly, account.showFirstCredentials);
  router.post(route(urls.firstCredentials), parentOnly, account.replaceTemporaryPassword);
  router.get(route(urls.acceptCgu), parentOnly, account.showCgu);
  router.post(route(urls.acceptCgu), parentOnly, account.acceptCgu);

  return router;
}
