import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { audit, auditActor } from '../../lib/audit.js';
import { rememberDevice } from '../../lib/device-cookie.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { hit } from '../../lib/rate-limit.js';
import { requireAgent } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import {
  challengeFields,
  CHALLENGE_MESSAGES,
  currentChallenge,
  nextChallenge,
  signInSource,
  wantsNewChallenge,
  type ChallengeView,
} from '../auth/sign-in-form.js';
import { signInAgent } from './agents.service.js';

const signInSchema = z.object({
  identifiant: z.string().trim().min(1, "Saisissez votre nom d'utilisateur").max(100, "Le nom d'utilisateur est trop long"),
  motDePasse: z.string().min(1, 'Saisissez votre mot de passe').max(1024, 'Le mot de passe est trop long'),
  ...challengeFields,
});

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** Sign-in and sign-out of the back-office ("Espace agents"). */
export function agentsAuthRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const router = Router();

  router.get('/agents/connexion', (req, res) => {
    const town = requireTown(req);
    if (req.agent) return res.redirect(303, urls.agentHome(town));
    res.render('agents/signin', { title: 'Espace agents – Connexion', values: {}, captcha: currentChallenge(req, clock.now()) });
  });

  router.post('/agents/connexion', async (req, res) => {
    const town = requireTown(req);
    const limit = await hit(pool, clock, `agent-signin:${town.id}:${req.ip}`, 20, 15 * 60);
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const attemptAt = clock.now();
    const render = (status: number, errors: FieldError[], values: Record<string, string>, captcha?: ChallengeView) =>
      res.status(status).render('agents/signin', {
        title: 'Espace agents – Connexion',
        errors,
        fieldErrors: errorMap(errors),
        values,
        captcha,
      });
    if (wantsNewChallenge(req.body)) {
      return render(200, [], { identifiant: formValues(req.body).identifiant ?? '' }, nextChallenge(req, attemptAt, true));
    }
    const form = parseForm(signInSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return render(400, form.errors, form.values, currentChallenge(req, attemptAt));
    const { identifiant, motDePasse } = form.data;
    const result = await signInAgent(
      { pool, clock, config },
      town,
      identifiant,
      motDePasse,
      signInSource(req, config, 'agent', form.data, attemptAt),
    );
    if (!result.ok) {
      const captcha = nextChallenge(req, attemptAt, result.challengeNext);
      if (result.challenge)
        return render(400, [{ field: 'texteControle', message: CHALLENGE_MESSAGES[result.challenge] }], { identifiant }, captcha);
      return render(401, [{ field: 'identifiant', message: 'Identifiant ou mot de passe incorrect' }], { identifiant }, captcha);
    }
    // A new session id, and nothing of a parent's session carried over.
    await regenerate(req);
    const now = clock.now().getTime();
    req.session.agentId = result.agent.id;
    req.session.townId = town.id;
    req.session.createdAt = now;
    req.session.agentSeenAt = now;
    await save(req);
    rememberDevice(req, res, config, `agent-${result.agent.id}`, attemptAt);
    res.redirect(303, urls.agentHome(town));
  });

  router.post('/agents/deconnexion', requireAgent, async (req, res) => {
    const town = requireTown(req);
    await audit(pool, { townId: town.id, ...auditActor(req), action: 'agent.sign_out', at: clock.now() });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.redirect(303, `${urls.agentSignIn(town)}?deconnexion=1`);
  });

  return router;
}
