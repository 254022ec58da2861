import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { describePolicy } from '../../lib/passwords.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { requireTown } from '../../middleware/town.js';
import { getAccountPhoto } from '../../repositories/accounts.repository.js';
import { findIdentityByAccount } from '../../repositories/franceconnect.repository.js';
import { urls } from '../../routes.js';
import * as service from '../parent-accounts/parent-accounts.service.js';
import { cguSchema, credentialsSchema, parseNewPassword } from './auth.schemas.js';
import type { ServiceContext } from '../../deps.js';
import { regenerateSession, saveSession } from '../../middleware/session.js';

/**
 * The signed-in parent's own account: the photo, MES IDENTIFIANTS, the temporary password
 * replaced at first sign-in and the acceptance of the current CGU. (The dashboard itself,
 * GET /mon-espace, lives in src/features/dashboard/.)
 */
export function myAccountController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function servePhoto(req: Request, res: Response) {
    const photo = await getAccountPhoto(pool, requireTown(req).id, req.account!.id);
    if (!photo) return res.status(404).end();
    res.setHeader('Content-Type', photo.type);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(photo.content);
  }

  async function renderCredentials(req: Request, res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    const town = requireTown(req);
    res.status(status).render('auth/credentials', {
      title: 'Mes identifiants',
      // Shown even once the town has switched FranceConnect off, so the parent can still unlink it.
      franceConnect: await findIdentityByAccount(pool, town.id, req.account!.id),
      policy: describePolicy(requireTown(req).passwordPolicy),
      ...(errors.length > 0 ? { errors, fieldErrors: errorMap(errors) } : {}),
      values,
    });
  }

  async function showCredentials(req: Request, res: Response) {
    await renderCredentials(req, res, 200, { nomUtilisateur: req.account!.username });
  }

  async function changeCredentials(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(credentialsSchema, req.body, { secret: ['motDePasseActuel', 'motDePasse', 'confirmationMotDePasse'] });
    if (!form.ok) return renderCredentials(req, res, 400, form.values, form.errors);
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
    if (result.kind === 'errors') return renderCredentials(req, res, 400, { nomUtilisateur: form.data.nomUtilisateur }, result.errors);
    req.session.flash = { kind: 'success', message: 'Vos identifiants ont été modifiés. Un courriel vous le confirme.' };
    res.redirect(303, urls.dashboard(town));
  }

  function showFirstCredentials(req: Request, res: Response) {
    const town = requireTown(req);
    if (!req.account!.passwordIsTemporary) return res.redirect(303, urls.dashboard(town));
    res.render('auth/first-credentials', { title: 'Modification de vos identifiants', policy: describePolicy(town.passwordPolicy) });
  }

  async function replaceTemporaryPassword(req: Request, res: Response) {
    const town = requireTown(req);
    const account = req.account!;
    if (!account.passwordIsTemporary) return res.redirect(303, urls.dashboard(town));
    const form = parseNewPassword(req.body);
    const result = form.ok
      ? await service.replaceTemporaryPassword(ctx, town, account, form.data, req.sessionID)
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
    await regenerateSession(req);
    Object.assign(req.session, { accountId: account.id, townId: town.id, createdAt });
    freshCsrfToken(res);
    await saveSession(req);
    res.redirect(303, urls.acceptCgu(town));
  }

  async function showCgu(req: Request, res: Response) {
    const town = requireTown(req);
    const cgu = await service.currentCguVersion(ctx, town);
    if (!cgu || (req.account!.cguVersionAccepted ?? 0) >= cgu.version) return res.redirect(303, urls.dashboard(town));
    res.render('auth/accept-cgu', { title: "Conditions générales d'utilisation", cgu });
  }

  async function acceptCgu(req: Request, res: Response) {
    const town = requireTown(req);
    const cgu = await service.currentCguVersion(ctx, town);
    const form = parseForm(cguSchema, req.body);
    // Accepting an older version than the current one (a page left open) accepts nothing.
    if (cgu && form.ok && form.data.version === cgu.version) await service.acceptCgu(ctx, req.account!, cgu.version);
    res.redirect(303, urls.dashboard(town));
  }

  return { servePhoto, showCredentials, changeCredentials, showFirstCredentials, replaceTemporaryPassword, showCgu, acceptCgu };
}
