import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { audit, auditActor } from '../../../lib/audit.js';
import { rememberDevice } from '../../../lib/device-cookie.js';
import { TooManyRequestsError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { hit } from '../../../lib/rate-limit.js';
import { freshCsrfToken } from '../../../middleware/csrf.js';
import { regenerateSession, saveSession } from '../../../middleware/session.js';
import { requireTown } from '../../../middleware/town.js';
import { findProConnectSettings } from '../../../repositories/franceconnect.repository.js';
import { urls } from '../../../routes.js';
import {
  challengeErrors,
  currentChallenge,
  nextChallenge,
  signInSource,
  wantsNewChallenge,
  type ChallengeView,
} from '../../auth/sign-in-form.js';
import { parseNewPassword } from '../../auth/auth.schemas.js';
import { replaceAgentPassword, signInAgent } from '../agents.service.js';
import { agentSignInSchema } from '../back-office.schemas.js';
import { agentPolicyRule } from '../password-policy.js';

/** Sign-in and sign-out of the back-office ("Espace agents"), and the agent's own password. */
export function authController(deps: AppDeps) {
  const { pool, clock, config } = deps;

  /** ProConnect on the sign-in page (issue 18): its button, and whether passwords still open anything. */
  async function proConnectOf(town: { id: string }) {
    const settings = await findProConnectSettings(pool, town.id);
    return { enabled: !!settings?.enabled, passwordOff: !!settings?.enabled && settings.passwordSignInOff };
  }

  async function showSignIn(req: Request, res: Response) {
    const town = requireTown(req);
    if (req.agent) return res.redirect(303, urls.agentHome(town));
    res.render('agents/signin', {
      title: 'Espace agents – Connexion',
      values: {},
      captcha: currentChallenge(req, clock.now()),
      proConnect: await proConnectOf(town),
    });
  }

  async function signIn(req: Request, res: Response) {
    const town = requireTown(req);
    const limit = await hit(pool, clock, `agent-signin:${town.id}:${req.ip}`, 20, 15 * 60);
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const attemptAt = clock.now();
    const proConnect = await proConnectOf(town);
    const render = (status: number, errors: FieldError[], values: Record<string, string>, captcha?: ChallengeView) =>
      res.status(status).render('agents/signin', {
        title: 'Espace agents – Connexion',
        errors,
        fieldErrors: errorMap(errors),
        values,
        captcha,
        proConnect,
      });
    // The town switched passwords off once ProConnect worked: a right password opens nothing.
    if (proConnect.passwordOff) return render(403, [], {});
    if (wantsNewChallenge(req.body)) {
      return render(200, [], { identifiant: formValues(req.body).identifiant ?? '' }, nextChallenge(req, attemptAt, true));
    }
    const form = parseForm(agentSignInSchema, req.body, { secret: ['motDePasse'] });
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
      if (result.challenge) return render(400, challengeErrors(result.challenge), { identifiant }, captcha);
      return render(401, [{ field: 'identifiant', message: 'Identifiant ou mot de passe incorrect' }], { identifiant }, captcha);
    }
    // A new session id, and nothing of a parent's session carried over.
    await regenerateSession(req);
    const now = clock.now().getTime();
    req.session.agentId = result.agent.id;
    req.session.townId = town.id;
    req.session.createdAt = now;
    req.session.agentSeenAt = now;
    await saveSession(req);
    freshCsrfToken(res);
    rememberDevice(req, res, config, `agent-${result.agent.id}`, attemptAt);
    // A password an admin chose opens only the page to choose one's own (loadAgent guards the rest).
    res.redirect(303, result.agent.mustChangePassword ? urls.agentNewPassword(town) : urls.agentHome(town));
  }

  // ------------------------------------------------------------------ the agent's own password

  const renderNewPassword = (res: Response, status: number, errors: FieldError[] = []) =>
    res.status(status).render('agents/new-password', {
      title: 'Choisissez votre mot de passe',
      policy: agentPolicyRule(),
      errors,
      fieldErrors: errorMap(errors),
    });

  function showNewPassword(req: Request, res: Response) {
    if (!req.agent!.mustChangePassword) return res.redirect(303, urls.agentHome(requireTown(req)));
    renderNewPassword(res, 200);
  }

  async function saveNewPassword(req: Request, res: Response) {
    const town = requireTown(req);
    const agent = req.agent!;
    if (!agent.mustChangePassword) return res.redirect(303, urls.agentHome(town));
    const form = parseNewPassword(req.body);
    const result = form.ok
      ? await replaceAgentPassword({ pool, clock, config }, town, agent, form.data, req.sessionID)
      : ({ kind: 'errors', errors: form.errors } as const);
    if (result.kind === 'errors') return renderNewPassword(res, 400, result.errors);
    // A privilege change: a new session id, the same sign-in time.
    const { createdAt, agentSeenAt } = req.session;
    await regenerateSession(req);
    Object.assign(req.session, { agentId: agent.id, townId: town.id, createdAt, agentSeenAt });
    freshCsrfToken(res);
    req.session.flash = { kind: 'success', message: 'Votre mot de passe est enregistré : vous seul le connaissez.' };
    await saveSession(req);
    res.redirect(303, urls.agentHome(town));
  }

  async function signOut(req: Request, res: Response) {
    const town = requireTown(req);
    await audit(pool, { townId: town.id, ...auditActor(req), action: 'agent.sign_out', at: clock.now() });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    freshCsrfToken(res);
    res.redirect(303, `${urls.agentSignIn(town)}?deconnexion=1`);
  }

  return { showSignIn, signIn, showNewPassword, saveNewPassword, signOut };
}
