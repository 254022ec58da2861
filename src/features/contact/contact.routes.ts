import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { pendingEmailChange } from '../../repositories/account-contact.repository.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { urls } from '../../routes.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { rateLimitRequests, type RequestContext } from '../requests/requests.service.js';
import { ADRESSE_FIELDS, CONTACT_MEANS, parseAdresse, parseContact } from '../signup/signup.schemas.js';
import * as service from './contact.service.js';

const emailSchema = z.object({
  nouveauCourriel: z
    .string()
    .trim()
    .min(1, 'Saisissez votre nouvelle adresse de courriel')
    .max(254, "L'adresse de courriel doit comporter 254 caractères au maximum")
    .regex(z.regexes.email, 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'),
  // Taken as typed: spaces count.
  motDePasse: z.string().min(1, 'Saisissez votre mot de passe actuel').max(256, 'Le mot de passe est trop long'),
});

const confirmSchema = z.object({ jeton: z.string().min(1).max(100) });

function addressValues(a: Account): Record<string, string> {
  return {
    numero: a.addressNumber,
    nomVoie: a.addressStreet,
    batiment: a.addressBuilding,
    appartement: a.addressApartment,
    complement: a.addressComplement,
    codePostal: a.postalCode,
    ville: a.city,
    pays: a.country,
  };
}

function phoneValues(a: Account): Record<string, string> {
  return { telephone: a.phone, mobile: a.mobile, fax: a.fax, moyenContactPrefere: a.preferredContact };
}

/**
 * Coordonnées: the three changes of seed 004, each applied to the account at once and sent
 * to the services as a request; the email only after its owner confirms it from the new
 * mailbox (GET shows the link's page, POST confirms: a mail scanner following the link
 * changes nothing).
 */
export function contactRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: RequestContext = { pool, clock, config };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });

  router.get('/mon-espace/coordonnees', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const pendingEmail = await pendingEmailChange(pool, town.id, req.account!.id, clock.now());
    res.render('contact/index', { title: 'Coordonnées', pendingEmail });
  });

  // ------------------------------------------------------------------ postal address

  function renderAddress(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/address', { title: "Changement d'adresse postale", values, errors, fieldErrors: errorMap(errors) });
  }

  router.get('/mon-espace/coordonnees/adresse', parentOnly, (req, res) => renderAddress(res, 200, addressValues(req.account!)));

  router.post('/mon-espace/coordonnees/adresse', parentOnly, async (req, res) => {
    const town = requireTown(req);
    await rateLimitRequests(ctx, req.account!.id, 'request');
    const body = Object.fromEntries(ADRESSE_FIELDS.map((f) => [f, typeof req.body?.[f] === 'string' ? (req.body[f] as string) : '']));
    const form = parseAdresse(body);
    if (!form.ok) return renderAddress(res, 400, form.values, form.errors);
    const i = form.data.input;
    const result = await service.changeAddress(ctx, town, req.account!, {
      addressNumber: i.addressNumber ?? '',
      addressStreet: i.addressStreet ?? '',
      addressBuilding: i.addressBuilding ?? '',
      addressApartment: i.addressApartment ?? '',
      addressComplement: i.addressComplement ?? '',
      postalCode: i.postalCode ?? '',
      city: i.city ?? '',
      country: i.country ?? '',
    });
    req.session.flash =
      result.kind === 'unchanged'
        ? { kind: 'info', message: "Votre adresse n'a pas changé : rien n'a été envoyé aux services." }
        : { kind: 'success', message: 'Votre adresse est modifiée et transmise aux services, qui mettront à jour votre dossier famille.' };
    res.redirect(303, urls.contactDetails(town));
  });

  // ------------------------------------------------------------------ phones

  function renderPhones(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/phones', {
      title: 'Changement de téléphones',
      values,
      errors,
      fieldErrors: errorMap(errors),
      contactMeans: CONTACT_MEANS,
    });
  }

  router.get('/mon-espace/coordonnees/telephones', parentOnly, (req, res) => renderPhones(res, 200, phoneValues(req.account!)));

  router.post('/mon-espace/coordonnees/telephones', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const account = req.account!;
    await rateLimitRequests(ctx, account.id, 'request');
    const pick = (f: string) => (typeof req.body?.[f] === 'string' ? (req.body[f] as string) : '');
    // The wizard's rules for these fields (and the preferred means), with the account's email.
    const form = parseContact({
      telephone: pick('telephone'),
      mobile: pick('mobile'),
      fax: pick('fax'),
      moyenContactPrefere: pick('moyenContactPrefere'),
      courriel: account.email,
    });
    if (!form.ok) {
      const { courriel: _c, ...values } = form.values;
      return renderPhones(
        res,
        400,
        values,
        form.errors.filter((e) => e.field !== 'courriel'),
      );
    }
    const i = form.data.input;
    const result = await service.changePhones(ctx, town, account, {
      phone: i.phone ?? '',
      mobile: i.mobile ?? '',
      fax: i.fax ?? '',
      preferredContact: i.preferredContact ?? 'courriel',
    });
    req.session.flash =
      result.kind === 'unchanged'
        ? { kind: 'info', message: "Vos numéros n'ont pas changé : rien n'a été envoyé aux services." }
        : { kind: 'success', message: 'Vos numéros sont modifiés et transmis aux services, qui mettront à jour votre dossier famille.' };
    res.redirect(303, urls.contactDetails(town));
  });

  // ------------------------------------------------------------------ email

  function renderEmail(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('contact/email', { title: 'Changement de courriel', values, errors, fieldErrors: errorMap(errors) });
  }

  router.get('/mon-espace/coordonnees/courriel', parentOnly, (_req, res) => renderEmail(res, 200, {}));

  router.post('/mon-espace/coordonnees/courriel', parentOnly, async (req, res) => {
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
  });

  router.get('/confirmer-courriel', async (req, res) => {
    const town = requireTown(req);
    const token = typeof req.query.jeton === 'string' ? req.query.jeton : '';
    const check = await service.checkEmailToken(ctx, town, token);
    if (check.kind !== 'valid') {
      return res
        .status(check.kind === 'invalid' ? 404 : 410)
        .render('contact/email-link-problem', { title: 'Lien non valable', problem: check.kind });
    }
    res.render('contact/email-confirm', { title: 'Confirmer votre nouvelle adresse', email: check.email, token });
  });

  router.post('/confirmer-courriel', async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(confirmSchema, req.body);
    const result = await service.confirmEmailChange(ctx, town, form.ok ? form.data.jeton : '');
    if (result.kind !== 'confirmed') {
      return res
        .status(result.kind === 'invalid' ? 404 : 410)
        .render('contact/email-link-problem', { title: 'Lien non valable', problem: result.kind });
    }
    res.render('contact/email-confirmed', { title: 'Adresse confirmée', email: result.email });
  });

  return router;
}
