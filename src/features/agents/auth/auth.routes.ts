import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { authController } from './auth.controller.js';

/** Sign-in and sign-out of the back-office ("Espace agents"). */
export function agentsAuthRouter(deps: AppDeps): Router {
  const auth = authController(deps);
  const router = Router();

  router.get(route(urls.agentSignIn), auth.showSignIn);
  router.post(route(urls.agentSignIn), auth.signIn);

  router.get(route(urls.agentNewPassword), requireAgent, auth.showNewPassword);
  router.post(route(urls.agentNewPassword), requireAgent, auth.saveNewPassword);

  router.post(route(urls.agentSignOut), requireAgent, auth.signOut);

  return router;
}
