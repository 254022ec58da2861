import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { rememberDevice } from '../../lib/device-cookie.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { describePolicy, passwordProblem } from '../../lib/passwords.js';
import { hit } from '../../lib/rate-limit.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import * as service from '../parent-accounts/parent-accounts.service.js';
import { identifierSchema, resetSchema } from './auth.schemas.js';
import type { ServiceContext } from '../../deps.js';

type Purpose = 'activation' | 'reset';
const TITLES: Record<Purpose, string> = { activation: "Renvoyer le lien d'activation", reset: 'Mot de passe oublié' };

/**
 * What the links sent by mail open: activation, "Renvoyer le lien d'activation", the
 * forgotten password and the new one. An unknown link is a 404, a used or expired one a 410.
 */
export function accountLinksController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  function linkProblem(res: Response, problem: 'invalid' | 'expired' | 'used', purpose: Purpose) {
    res.status(problem === 'invalid' ? 404 : 410).render('auth/link-problem', { title: 'Lien non valable', problem, purpose });
  }

  const token = (req: Request) => (typeof req.query.jeton === 'string' ? req.query.jeton : '');

  async function activate(req: Request, res: Response) {
    const result = await service.activateAccount(ctx, requireTown(req), token(req));
    if (result.kind === 'activated') return res.render('auth/activated', { title: 'Espace activé', activated: result.account });
    linkProblem(res, result.kind, 'activation');
  }

  /** "Renvoyer le lien d'activation" and "Mot de passe oublié": one identifier, the same answer whoever it names. */
  function showIdentifierForm(purpose: Purpose) {
    return (_req: Request, res: Response) => res.render('auth/identifier-form', { title: TITLES[purpose], purpose, values: {} });
  }

  function submitIdentifier(purpose: Purpose) {
    const limitKey = purpose === 'activation' ? 'resend-activation' : 'reset';
    const send = purpose === 'activation' ? service.resendActivation : service.requestPasswordReset;
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      const limit = await hit(pool, clock, `${limitKey}:${town.id}:${req.ip}`, 10, 3600);
      if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
      const form = parseForm(identifierSchema, req.body);
      if (!form.ok) {
        return res.status(400).render('auth/identifier-form', {
          title: TITLES[purpose],
          purpose,
          errors: form.errors,
          fieldErrors: errorMap(form.errors),
          values: form.values,
        });
      }
      await send(ctx, town, form.data.identifiant);
      res.render('auth/identifier-sent', { title: TITLES[purpose], purpose });
    };
  }

  async function showResetForm(req: Request, res: Response) {
    const town = requireTown(req);
    const check = await service.checkResetToken(ctx, town, token(req));
    if (check.kind !== 'valid') return linkProblem(res, check.kind, 'reset');
    res.render('auth/reset-form', { title: 'Nouveau mot de passe', token: token(req), policy: describePolicy(town.passwordPolicy) });
  }

  async function resetPassword(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(resetSchema, req.body);
    const jeton = form.ok ? form.data.jeton : '';
    const renderForm = (errors: FieldError[]) =>
      res.status(400).render('auth/reset-form', {
        title: 'Nouveau mot de passe',
        token: jeton,
        policy: describePolicy(town.passwordPolicy),
        errors,
        fieldErrors: errorMap(errors),
      });
    if (!form.ok) return renderForm(form.errors);
    if (form.data.motDePasse !== form.data.confirmationMotDePasse && !passwordProblem(form.data.motDePasse, town.passwordPolicy)) {
      return renderForm([{ field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' }]);
    }
    const result = await service.resetPassword(ctx, town, jeton, form.data.motDePasse);
    if (result.kind === 'weak') return renderForm([{ field: 'motDePasse', message: result.message }]);
    if (result.kind !== 'done') return linkProblem(res, result.kind, 'reset');
    // The link proved the mailbox: this browser is the owner's, whatever a stranger tries meanwhile.
    rememberDevice(req, res, config, `parent-${result.accountId}`, clock.now());
    req.session.flash = { kind: 'success', message: 'Votre mot de passe a été modifié. Vous pouvez vous connecter.' };
    res.redirect(303, urls.townHome(town));
  }

  return { activate, showIdentifierForm, submitIdentifier, showResetForm, resetPassword };
}
