import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { pendingEmailChange } from '../../repositories/account-contact.repository.js';
import { urls } from '../../routes.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { CONTACT_MEANS } from '../signup/signup.schemas.js';
import { addressValues, confirmSchema, emailSchema, phoneValues, readAddress, readPhones } from './contact.schemas.js';
import * as service from './contact.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * Coordonnées: the three changes of seed 004, each applied to the account at once and sent
 * to the services as a request; the email only after its owner confirms it from the new
 * mailbox (GET shows the link's page, POST confirms: a mail scanner following the link
 * changes nothing).
 */
export function contactController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function showIndex(req: Request, res: Response) {
    const pendingEmail = await pendingEmailChange(pool, requireTown(req).id, req.account!.id, clock.now());
    res.render('contact/index', { title: 'Coordonnées', pendingEmail });
  }

  /** Back to "Mes coordonnées", saying whether anything went to the services (nothing when nothing changed). */
  function backToDetails(req: Request, res: Response, unchanged: boolean, say: { unchanged: string; sent: string }) {
    req.session.flash = unchanged ? { kind: 'info', message: say.unchanged } : { kind: 'success', message: say.sent };
    res.redirect(303, urls.contactDetails(requireTown(req)));
  }

  function renderAddress(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/address', { title: "Changement d'adresse postale", values, errors, fieldErrors: errorMap(errors) });
  }

  function showAddress(req: Request, res: Response) {
    renderAddress(res, 200, addressValues(req.account!));
  }

  async function changeAddress(req: Request, res: Response) {
    const town = requireTown(req);
    await rateLimitRequests(ctx, req.account!.id, 'request');
    const form = readAddress(req.body);
    if (!form.ok) return renderAddress(res, 400, form.values, form.errors);
    const result = await service.changeAddress(ctx, town, req.account!, form.data);
    backToDetails(req, res, result.kind === 'unchanged', {
      unchanged: "Votre adresse n'a pas changé : rien n'a été envoyé aux services.",
      sent: 'Votre adresse est modifiée et transmise aux services, qui mettront à jour votre dossier famille.',
    });
  }

  function renderPhones(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/phones', {
      title: 'Changement de téléphones',
      values,
      errors,
      fieldErrors: errorMap(errors),
      contactMeans: CONTACT_MEANS,
    });
  }

  function showPhones(req: Request, res: Response) {
    renderPhones(res, 200, phoneValues(req.account!));
  }

  async function changePhones(req: Request, res: Response) {
    const town = requireTown(req);
    const account = req.account!;
    await rateLimitRequests(ctx, account.id, 'request');
    const form = readPhones(req.body, account.email);
    if (!form.ok) return renderPhones(res, 400, form.values, form.errors);
    const result = await service.changePhones(ctx, town, account, form.data);
    backToDetails(req, res, result.kind === 'unchanged', {
      unchanged: "Vos numéros n'ont pas changé : rien n'a été envoyé aux services.",
      sent: 'Vos numéros sont modifiés et transmis aux services, qui mettront à jour votre dossier famille.',
    });
  }

  function renderEmail(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/email', { title: 'Changement de courriel', values, errors, fieldErrors: errorMap(errors) });
  }

  function showEmail(_req: Request, res: Response) {
    renderEmail(res, 200, {});
  }

  async function changeEmail(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(emailSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return renderEmail(res, 400, form.values, form.errors);
    const result = await service.requestEmailChange(ctx, town, req.account!, form.data.nouveauCourriel, form.data.motDePasse);
    const kept = { nouveauCourriel: form.data.nouveauCourriel };
    if (result.kind === 'rate_limited') throw new TooManyRequestsError(result.retryAfterSeconds);
    if (result.kind === 'wrong_password')
      return renderEmail(res, 400, kept, [{ field: 'motDePasse', message: 'Le mot de passe est incorrect' }]);
    if (result.kind === 'same') {
      return renderEmail(res, 400, kept, [
        { field: 'nouveauCourriel', message: 'Saisissez une adresse différente de votre adresse actuelle' },
      ]);
    }
    req.session.flash = {
      kind: 'success',
      message: `Un lien de confirmation, valable 30 minutes, a été envoyé à ${result.email}. Votre adresse ne changera qu'une fois ce lien suivi.`,
    };
    res.redirect(303, urls.contactDetails(town));
  }

  function linkProblem(res: Response, problem: 'invalid' | 'expired' | 'used') {
    res.status(problem === 'invalid' ? 404 : 410).render('contact/email-link-problem', { title: 'Lien non valable', problem });
  }

  async function showEmailConfirm(req: Request, res: Response) {
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const check = await service.checkEmailToken(ctx, requireTown(req), token);
    if (check.kind !== 'valid') return linkProblem(res, check.kind);
    res.render('contact/email-confirm', { title: 'Confirmer votre nouvelle adresse', email: check.email, token });
  }

  async function confirmEmail(req: Request, res: Response) {
    const form = parseForm(confirmSchema, req.body);
    const result = await service.confirmEmailChange(ctx, requireTown(req), form.ok ? form.data.jeton : '');
    if (result.kind !== 'confirmed') return linkProblem(res, result.kind);
    res.render('contact/email-confirmed', { title: 'Adresse confirmée', email: result.email });
  }

  return { showIndex, showAddress, changeAddress, showPhones, changePhones, showEmail, changeEmail, showEmailConfirm, confirmEmail };
}
