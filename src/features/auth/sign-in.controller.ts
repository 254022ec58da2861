import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { rememberDevice } from '../../lib/device-cookie.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { AUTH_HINT_COOKIE, PARENT_ABSOLUTE_MS } from '../../middleware/auth.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { regenerateSession, saveSession, sessionCookieName } from '../../middleware/session.js';
import { requireTown } from '../../middleware/town.js';
import { listPublishedNews, listServices } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import * as service from '../parent-accounts/parent-accounts.service.js';
import { returnToSchema, signInSchema } from './auth.schemas.js';
import { safeReturn } from './return-path.js';
import { franceConnectSignOutUrl } from '../franceconnect/sign-out.js';
import { challengeErrors, currentChallenge, nextChallenge, signInSource, wantsNewChallenge, type ChallengeView } from './sign-in-form.js';
import type { ServiceContext } from '../../deps.js';

/** Création rapide's temporary password, right but spent (used once, or past its 7 days): what to do now. */
const TEMPORARY_PASSWORD_SPENT =
  "Ce mot de passe provisoire n'est plus valable : il ne sert qu'une fois, dans les 7 jours qui suivent son envoi. Choisissez votre mot de passe avec « J'ai oublié mon mot de passe » : un lien vous sera envoyé par courriel.";

/** The parent's sign-in (the form is on the town's home page), sign-out and the session's end. */
export function signInController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function renderHome(
    req: Request,
    res: Response,
    status: number,
    errors: FieldError[],
    values: Record<string, string>,
    captcha?: ChallengeView,
  ) {
    const town = requireTown(req);
    const [news, services] = await Promise.all([listPublishedNews(pool, town.id), listServices(pool, town.id)]);
    res.status(status).render('home/town', { title: 'Accueil', news, services, errors, fieldErrors: errorMap(errors), values, captcha });
  }

  async function signIn(req: Request, res: Response) {
    const town = requireTown(req);
    const limit = await service.signInRateLimit(ctx, town, req.ip ?? 'unknown');
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const now = clock.now();
    if (wantsNewChallenge(req.body)) {
      return renderHome(req, res, 200, [], { identifiant: formValues(req.body).identifiant ?? '' }, nextChallenge(req, now, true));
    }
    const form = parseForm(signInSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return renderHome(req, res, 400, form.errors, form.values, currentChallenge(req, now));
    const { identifiant, motDePasse } = form.data;
    const result = await service.signIn(ctx, town, identifiant, motDePasse, signInSource(req, config, 'parent', form.data, now));
    if (!result.ok) {
      // What was typed comes back, except the password and the answers to a CAPTCHA now used up.
      const captcha = nextChallenge(req, now, result.challengeNext);
      if (result.challenge) {
        return renderHome(req, res, 400, challengeErrors(result.challenge), { identifiant }, captcha);
      }
      const message = result.temporarySpent ? TEMPORARY_PASSWORD_SPENT : 'Identifiant ou mot de passe incorrect';
      return renderHome(req, res, 401, [{ field: 'identifiant', message }], { identifiant }, captcha);
    }
    // A new session id at sign-in: a session fixed before cannot be used (ASVS 3.2.1).
    await regenerateSession(req);
    req.session.accountId = result.account.id;
    req.session.townId = town.id;
    req.session.createdAt = clock.now().getTime();
    await saveSession(req);
    freshCsrfToken(res);
    res.cookie(AUTH_HINT_COOKIE, '1', {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: PARENT_ABSOLUTE_MS,
    });
    rememberDevice(req, res, config, `parent-${result.account.id}`, now);
    res.redirect(303, urls.dashboard(town));
  }

  async function signOut(req: Request, res: Response) {
    const town = requireTown(req);
    const afterSignOut = `${urls.townHome(town)}?deconnexion=1`;
    // Signed in through FranceConnect: its session ends too (issue 18), through a page of ours, as
    // the CSP's form-action stops this form's redirect to another site.
    const endSession = await franceConnectSignOutUrl(deps, town, req.session.franceConnectIdToken, afterSignOut);
    if (endSession) {
      await regenerateSession(req);
      req.session.franceConnectEndSession = { url: endSession, townId: town.id };
      await saveSession(req);
      freshCsrfToken(res);
      res.clearCookie(AUTH_HINT_COOKIE, { path: '/' });
      return res.redirect(303, urls.franceConnectSignOut(town));
    }
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    freshCsrfToken(res);
    res.clearCookie(AUTH_HINT_COOKIE, { path: '/' });
    res.clearCookie(sessionCookieName(config), { path: '/' });
    res.redirect(303, afterSignOut);
  }

  function showSessionExpired(_req: Request, res: Response) {
    res.render('auth/session-expired', { title: 'Session expirée' });
  }

  /** "Rester connecté": any request refreshes the idle timer; this one just goes back. */
  function extendSession(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(returnToSchema, req.body);
    if (req.session.accountId) req.session.touch();
    res.redirect(303, safeReturn(form.ok ? form.data.retour : undefined, urls.dashboard(town)));
  }

  return { signIn, signOut, showSessionExpired, extendSession };
}
