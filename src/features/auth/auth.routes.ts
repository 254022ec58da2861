import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { rememberDevice } from '../../lib/device-cookie.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { describePolicy, passwordProblem } from '../../lib/passwords.js';
import { hit } from '../../lib/rate-limit.js';
import { AUTH_HINT_COOKIE, PARENT_ABSOLUTE_MS, requireParent } from '../../middleware/auth.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { sessionCookieName } from '../../middleware/session.js';
import { requireTown } from '../../middleware/town.js';
import { getAccountPhoto } from '../../repositories/accounts.repository.js';
import { listPublishedNews, listServices } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import * as service from '../accounts/accounts.service.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import {
  cguSchema,
  credentialsSchema,
  identifierSchema,
  newPasswordSchema,
  resetSchema,
  returnToSchema,
  signInSchema,
} from './auth.schemas.js';
import {
  CHALLENGE_MESSAGES,
  currentChallenge,
  nextChallenge,
  signInSource,
  wantsNewChallenge,
  type ChallengeView,
} from './sign-in-form.js';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** Création rapide's temporary password, right but spent (used once, or past its 7 days): what to do now. */
const TEMPORARY_PASSWORD_SPENT =
  "Ce mot de passe provisoire n'est plus valable : il ne sert qu'une fois, dans les 7 jours qui suivent son envoi. Choisissez votre mot de passe avec « J'ai oublié mon mot de passe » : un lien vous sera envoyé par courriel.";

/** A local path to return to after "Rester connecté", never another site. */
function safeReturn(value: string | undefined, fallback: string): string {
  return value && /^\/[a-z][a-z0-9-]*\/[^/\\]*/.test(value) && !value.startsWith('//') ? value : fallback;
}

export function authRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: service.ServiceContext = { pool, clock, config };
  const router = Router();

  const cguVersion = (townId: string) => currentCguVersionNumber(pool, townId);
  const parentOnly = requireParent({ cguVersion });

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

  // ------------------------------------------------------------------ sign-in / sign-out

  router.post('/connexion', async (req, res) => {
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
        return renderHome(
          req,
          res,
          400,
          [{ field: 'texteControle', message: CHALLENGE_MESSAGES[result.challenge] }],
          { identifiant },
          captcha,
        );
      }
      const message = result.temporarySpent ? TEMPORARY_PASSWORD_SPENT : 'Identifiant ou mot de passe incorrect';
      return renderHome(req, res, 401, [{ field: 'identifiant', message }], { identifiant }, captcha);
    }
    // A new session id at sign-in: a session fixed before cannot be used (ASVS 3.2.1).
    await regenerate(req);
    req.session.accountId = result.account.id;
    req.session.townId = town.id;
    req.session.createdAt = clock.now().getTime();
    await save(req);
    res.cookie(AUTH_HINT_COOKIE, '1', {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: PARENT_ABSOLUTE_MS,
    });
    rememberDevice(req, res, config, `parent-${result.account.id}`, now);
    res.redirect(303, urls.dashboard(town));
  });

  router.post('/deconnexion', async (req, res) => {
    const town = requireTown(req);
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie(AUTH_HINT_COOKIE, { path: '/' });
    res.clearCookie(sessionCookieName(config), { path: '/' });
    res.redirect(303, `${urls.townHome(town)}?deconnexion=1`);
  });

  router.get('/session/expiree', (_req, res) => {
    res.render('auth/session-expired', { title: 'Session expirée' });
  });

  // "Rester connecté": any request refreshes the idle timer; this one just goes back.
  router.post('/session/prolonger', (req, res) => {
    const town = requireTown(req);
    const form = parseForm(returnToSchema, req.body);
    if (req.session.accountId) req.session.touch();
    res.redirect(303, safeReturn(form.ok ? form.data.retour : undefined, urls.dashboard(town)));
  });

  // ------------------------------------------------------------------ activation

  router.get('/activation', async (req, res) => {
    const town = requireTown(req);
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const result = await service.activateAccount(ctx, town, token);
    if (result.kind === 'activated') {
      return res.render('auth/activated', { title: 'Espace activé', activated: result.account });
    }
    res
      .status(result.kind === 'invalid' ? 404 : 410)
      .render('auth/link-problem', { title: 'Lien non valable', problem: result.kind, purpose: 'activation' });
  });

  router.get('/renvoyer-activation', (_req, res) => {
    res.render('auth/identifier-form', { title: "Renvoyer le lien d'activation", purpose: 'activation', values: {} });
  });

  router.post('/renvoyer-activation', async (req, res) => {
    const town = requireTown(req);
    const limit = await hit(pool, clock, `resend-activation:${town.id}:${req.ip}`, 10, 3600);
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const form = parseForm(identifierSchema, req.body);
    if (!form.ok) {
      return res.status(400).render('auth/identifier-form', {
        title: "Renvoyer le lien d'activation",
        purpose: 'activation',
        errors: form.errors,
        fieldErrors: errorMap(form.errors),
        values: form.values,
      });
    }
    await service.resendActivation(ctx, town, form.data.identifiant);
    res.render('auth/identifier-sent', { title: "Renvoyer le lien d'activation", purpose: 'activation' });
  });

  // ------------------------------------------------------------------ forgotten password

  router.get('/mot-de-passe-oublie', (_req, res) => {
    res.render('auth/identifier-form', { title: 'Mot de passe oublié', purpose: 'reset', values: {} });
  });

  router.post('/mot-de-passe-oublie', async (req, res) => {
    const town = requireTown(req);
    const limit = await hit(pool, clock, `reset:${town.id}:${req.ip}`, 10, 3600);
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const form = parseForm(identifierSchema, req.body);
    if (!form.ok) {
      return res.status(400).render('auth/identifier-form', {
        title: 'Mot de passe oublié',
        purpose: 'reset',
        errors: form.errors,
        fieldErrors: errorMap(form.errors),
        values: form.values,
      });
    }
    await service.requestPasswordReset(ctx, town, form.data.identifiant);
    res.render('auth/identifier-sent', { title: 'Mot de passe oublié', purpose: 'reset' });
  });

  router.get('/reinitialiser-mot-de-passe', async (req, res) => {
    const town = requireTown(req);
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const check = await service.checkResetToken(ctx, town, token);
    if (check.kind !== 'valid') {
      return res
        .status(check.kind === 'invalid' ? 404 : 410)
        .render('auth/link-problem', { title: 'Lien non valable', problem: check.kind, purpose: 'reset' });
    }
    res.render('auth/reset-form', { title: 'Nouveau mot de passe', token, policy: describePolicy(town.passwordPolicy) });
  });

  router.post('/reinitialiser-mot-de-passe', async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(resetSchema, req.body);
    const token = form.ok ? form.data.jeton : '';
    const renderForm = (errors: FieldError[]) =>
      res.status(400).render('auth/reset-form', {
        title: 'Nouveau mot de passe',
        token,
        policy: describePolicy(town.passwordPolicy),
        errors,
        fieldErrors: errorMap(errors),
      });
    if (!form.ok) return renderForm(form.errors);
    if (form.data.motDePasse !== form.data.confirmationMotDePasse && !passwordProblem(form.data.motDePasse, town.passwordPolicy)) {
      return renderForm([{ field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' }]);
    }
    const result = await service.resetPassword(ctx, town, token, form.data.motDePasse);
    if (result.kind === 'weak') return renderForm([{ field: 'motDePasse', message: result.message }]);
    if (result.kind !== 'done') {
      return res
        .status(result.kind === 'invalid' ? 404 : 410)
        .render('auth/link-problem', { title: 'Lien non valable', problem: result.kind, purpose: 'reset' });
    }
    // The link proved the mailbox: this browser is the owner's, whatever a stranger tries meanwhile.
    rememberDevice(req, res, config, `parent-${result.accountId}`, clock.now());
    req.session.flash = { kind: 'success', message: 'Votre mot de passe a été modifié. Vous pouvez vous connecter.' };
    res.redirect(303, urls.townHome(town));
  });

  // ------------------------------------------------------------------ the parent's space

  // The dashboard itself (GET /mon-espace) lives in src/features/dashboard/.

  router.get('/mon-espace/photo', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const photo = await getAccountPhoto(pool, town.id, req.account!.id);
    if (!photo) return res.status(404).end();
    res.setHeader('Content-Type', photo.type);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(photo.content);
  });

  router.get('/mon-espace/identifiants', parentOnly, (req, res) => {
    const town = requireTown(req);
    res.render('auth/credentials', {
      title: 'Mes identifiants',
      policy: describePolicy(town.passwordPolicy),
      values: { nomUtilisateur: req.account!.username },
    });
  });

  router.post('/mon-espace/identifiants', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const secret = ['motDePasseActuel', 'motDePasse', 'confirmationMotDePasse'];
    const form = parseForm(credentialsSchema, req.body, { secret });
    const renderErrors = (errors: FieldError[], values: Record<string, string>) =>
      res.status(400).render('auth/credentials', {
        title: 'Mes identifiants',
        policy: describePolicy(town.passwordPolicy),
        errors,
        fieldErrors: errorMap(errors),
        values,
      });
    if (!form.ok) return renderErrors(form.errors, form.values);
    const result = await service.changeCredentials(
      ctx,
      town,
      req.account!,
      {
        currentPassword: form.data.motDePasseActuel,
        username: form.data.nomUtilisateur,
        password: form.data.motDePasse,
        passwordConfirmation: form.data.confirmationMotDePasse,
      },
      req.sessionID,
    );
    if (result.kind === 'errors') return renderErrors(result.errors, { nomUtilisateur: form.data.nomUtilisateur });
    req.session.flash = { kind: 'success', message: 'Vos identifiants ont été modifiés. Un courriel vous le confirme.' };
    res.redirect(303, urls.dashboard(town));
  });

  router.get('/mon-espace/modification-identifiants', parentOnly, (req, res) => {
    const town = requireTown(req);
    if (!req.account!.passwordIsTemporary) return res.redirect(303, urls.dashboard(town));
    res.render('auth/first-credentials', { title: 'Modification de vos identifiants', policy: describePolicy(town.passwordPolicy) });
  });

  router.post('/mon-espace/modification-identifiants', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const account = req.account!;
    if (!account.passwordIsTemporary) return res.redirect(303, urls.dashboard(town));
    const form = parseForm(newPasswordSchema, req.body, { secret: ['motDePasse', 'confirmationMotDePasse'] });
    const result = form.ok
      ? await service.replaceTemporaryPassword(
          ctx,
          town,
          account,
          { password: form.data.motDePasse, passwordConfirmation: form.data.confirmationMotDePasse },
          req.sessionID,
        )
      : ({ kind: 'errors', errors: form.errors } as const);
    if (result.kind === 'errors') {
      return res.status(400).render('auth/first-credentials', {
        title: 'Modification de vos identifiants',
        policy: describePolicy(town.passwordPolicy),
        errors: result.errors,
        fieldErrors: errorMap(result.errors),
      });
    }
    // A privilege change: new session id, same sign-in time.
    const createdAt = req.session.createdAt;
    await regenerate(req);
    Object.assign(req.session, { accountId: account.id, townId: town.id, createdAt });
    freshCsrfToken(req);
    await save(req);
    res.redirect(303, urls.acceptCgu(town));
  });

  router.get('/mon-espace/conditions-generales', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const cgu = await service.currentCguVersion(ctx, town);
    if (!cgu || (req.account!.cguVersionAccepted ?? 0) >= cgu.version) return res.redirect(303, urls.dashboard(town));
    res.render('auth/accept-cgu', { title: "Conditions générales d'utilisation", cgu });
  });

  router.post('/mon-espace/conditions-generales', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const cgu = await service.currentCguVersion(ctx, town);
    const form = parseForm(cguSchema, req.body);
    // Accepting an older version than the current one (a page left open) accepts nothing.
    if (cgu && form.ok && form.data.version === cgu.version) {
      await service.acceptCgu(ctx, req.account!, cgu.version);
    }
    res.redirect(303, urls.dashboard(town));
  });

  return router;
}
