import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { AUTH_HINT_COOKIE, PARENT_ABSOLUTE_MS } from '../../middleware/auth.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { regenerateSession, saveSession } from '../../middleware/session.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { findFranceConnectSettings, type FranceConnectSettings } from '../../repositories/franceconnect.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { signInSource } from '../auth/sign-in-form.js';
import { linkSchema } from './franceconnect.schemas.js';
import { initialIdentityValues, lockedIdentityFields } from './identity-fields.js';
import * as service from './franceconnect.service.js';
import {
  authorizationUrl,
  clientConfiguration,
  PENDING_MS,
  verifyCallback,
  type IdentityClaims,
  type PendingAuthorization,
} from './oidc.js';

declare module 'express-session' {
  interface SessionData {
    /** Between the redirect to FranceConnect and its return: state, nonce, PKCE verifier. Used once. */
    franceConnectPending: PendingAuthorization;
    /** A verified identity no account is linked to yet: the first-use page offers to link it. */
    franceConnectIdentity: { sub: string; claims: IdentityClaims; idToken: string; townId: string; at: number };
    /** The ID token of a sign-in through FranceConnect, for its end-session endpoint at sign-out. */
    franceConnectIdToken: string;
    /** Signed out of the portal: FranceConnect's end-session address, for the next page to follow. */
    franceConnectEndSession: { url: string; townId: string };
  }
}

import { CANCELLED, LINK_ERRORS, REFUSED, UNAVAILABLE, UNCONFIRMED, UNUSABLE } from './messages.js';

export function franceConnectController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function enabledSettings(town: Town): Promise<FranceConnectSettings> {
    const settings = await findFranceConnectSettings(pool, town.id);
    if (!settings?.enabled) throw new NotFoundError('franceconnect disabled');
    return settings;
  }

  function refuse(req: Request, res: Response, status: number, message: string, reason: string, err?: unknown) {
    const code = err && typeof err === 'object' ? ((err as { code?: unknown }).code ?? (err as { name?: unknown }).name) : undefined;
    // The reason and the library's code and message (which name a check, not a value): never the
    // authorization code, the tokens or the claims.
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    const detail = err instanceof Error ? `${err.message}${cause}`.slice(0, 200) : undefined;
    req.log.warn({ franceConnect: reason, code, detail, townId: req.town?.id }, 'FranceConnect sign-in refused');
    res.status(status).render('franceconnect/refused', { title: 'Connexion avec FranceConnect impossible', message });
  }

  function callbackUri(town: Town): string {
    return absoluteUrl(config.publicBaseUrl, urls.franceConnectCallback(town));
  }

  /** The official button: off to FranceConnect with a fresh state, nonce and PKCE verifier. */
  async function start(req: Request, res: Response) {
    const town = requireTown(req);
    const settings = await enabledSettings(town);
    let oidc;
    try {
      oidc = await clientConfiguration(settings, !config.isProduction);
    } catch (err) {
      return refuse(req, res, 503, UNAVAILABLE, 'discovery', err);
    }
    const { url, pending } = await authorizationUrl(oidc, settings, callbackUri(town), clock.now().getTime());
    req.session.franceConnectPending = pending;
    await saveSession(req);
    res.redirect(303, url.href);
  }

  async function callback(req: Request, res: Response) {
    const town = requireTown(req);
    const settings = await enabledSettings(town);
    const pending = req.session.franceConnectPending;
    // Used once, whatever happens next: a replayed answer finds nothing to match.
    delete req.session.franceConnectPending;
    const outcome = await verifyCallback({
      originalUrl: req.originalUrl,
      callbackUri: callbackUri(town),
      pending,
      townId: town.id,
      now: clock.now().getTime(),
      configuration: () => clientConfiguration(settings, !config.isProduction),
    });
    if (!outcome.ok) return refuse(req, res, 400, outcome.reason === 'cancelled' ? CANCELLED : REFUSED, outcome.reason, outcome.err);
    const identity = outcome.identity;
    const account = await service.signInWithIdentity(ctx, town, identity.sub);
    if (account === 'unconfirmed') return refuse(req, res, 403, UNCONFIRMED, 'email not confirmed');
    if (account === 'unusable') return refuse(req, res, 403, UNUSABLE, 'account unusable');
    if (account) return openSession(req, res, town, account, identity.idToken);
    // No account yet: the identity waits in a new session for the parent's password (or a new account).
    await regenerateSession(req);
    req.session.franceConnectIdentity = {
      sub: identity.sub,
      claims: identity.claims,
      idToken: identity.idToken,
      townId: town.id,
      at: clock.now().getTime(),
    };
    await saveSession(req);
    res.redirect(303, urls.franceConnectFirstUse(town));
  }

  function pendingIdentity(req: Request, town: Town) {
    const identity = req.session.franceConnectIdentity;
    if (!identity || identity.townId !== town.id || clock.now().getTime() - identity.at > PENDING_MS) return undefined;
    return identity;
  }

  function renderFirstUse(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const identity = pendingIdentity(req, requireTown(req))!;
    res.status(status).render('franceconnect/first-use', {
      title: 'Première connexion avec FranceConnect',
      claims: identity.claims,
      values,
      ...(errors.length > 0 ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  function showFirstUse(req: Request, res: Response) {
    const town = requireTown(req);
    if (!pendingIdentity(req, town)) return res.redirect(303, urls.townHome(town));
    renderFirstUse(req, res, 200, [], {});
  }

  /** Linking needs the account's password: an email that matches links nothing. */
  async function link(req: Request, res: Response) {
    const town = requireTown(req);
    await enabledSettings(town);
    const identity = pendingIdentity(req, town);
    if (!identity) return res.redirect(303, urls.townHome(town));
    const form = parseForm(linkSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return renderFirstUse(req, res, 400, form.errors, form.values);
    const now = clock.now();
    const source = signInSource(req, config, 'parent', { texteControle: '', reponseQuestion: '' }, now);
    const result = await service.linkWithPassword(
      ctx,
      town,
      identity.sub,
      form.data.identifiant,
      form.data.motDePasse,
      source,
      req.ip ?? null,
    );
    if (!result.ok)
      return renderFirstUse(req, res, 401, [{ field: 'identifiant', message: LINK_ERRORS[result.reason] }], {
        identifiant: form.data.identifiant,
      });
    await openSession(req, res, town, result.account, identity.idToken, 'Votre compte est désormais lié à FranceConnect.');
  }

  /** As the password sign-in does (sign-in.controller.ts): a new session id, bound to the town. */
  async function openSession(req: Request, res: Response, town: Town, account: Account, idToken: string, flash?: string) {
    await regenerateSession(req);
    req.session.accountId = account.id;
    req.session.townId = town.id;
    req.session.createdAt = clock.now().getTime();
    req.session.franceConnectIdToken = idToken;
    if (flash) req.session.flash = { kind: 'success', message: flash };
    await saveSession(req);
    freshCsrfToken(res);
    res.cookie(AUTH_HINT_COOKIE, '1', {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: PARENT_ABSOLUTE_MS,
    });
    res.redirect(303, urls.dashboard(town));
  }

  async function unlink(req: Request, res: Response) {
    const town = requireTown(req);
    const done = await service.unlink(ctx, town, req.account!, req.ip ?? null);
    req.session.flash = done
      ? {
          kind: 'success',
          message: "Votre compte n'est plus lié à FranceConnect. Connectez-vous désormais avec votre identifiant et votre mot de passe.",
        }
      : { kind: 'info', message: "Votre compte n'était pas lié à FranceConnect." };
    res.redirect(303, urls.credentials(town));
  }

  /** "Créer mon espace" from the first-use page: the wizard starts with IDENTITÉ filled from FranceConnect. */
  async function startSignup(req: Request, res: Response) {
    const town = requireTown(req);
    await enabledSettings(town);
    const identity = pendingIdentity(req, town);
    if (!identity) return res.redirect(303, urls.townHome(town));
    req.session.signup = {
      townId: town.id,
      values: { identite: initialIdentityValues(identity.claims) },
      completed: [],
      franceConnect: { sub: identity.sub, locked: lockedIdentityFields(identity.claims) },
    };
    res.redirect(303, urls.signupStep(town, 'identite'));
  }

  /** After sign-out: the page that takes the browser to FranceConnect's end-session endpoint. */
  function showSignOut(req: Request, res: Response) {
    const town = requireTown(req);
    const end = req.session.franceConnectEndSession;
    delete req.session.franceConnectEndSession;
    if (!end || end.townId !== town.id) return res.redirect(303, `${urls.townHome(town)}?deconnexion=1`);
    // A new navigation (the Refresh header, or the link), not a redirect of the sign-out form's,
    // which the CSP's form-action would stop on its way to another site.
    res.setHeader('Refresh', `0;url=${end.url}`);
    res.render('franceconnect/signed-out', { title: 'Déconnexion de FranceConnect', endSessionUrl: end.url });
  }

  return { start, callback, showFirstUse, link, startSignup, unlink, showSignOut };
}
