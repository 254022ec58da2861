import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import { mandateSchema, revokeSchema } from './direct-debit.schemas.js';
import * as service from './direct-debit.service.js';
import { mandatePdfName } from './mandate-pdf.js';
import { consentLabel, mandateAuthorisation, MANDATE_RIGHTS } from './mandate-text.js';
import { maskIban } from './sepa-rules.js';

/**
 * "Prélèvement automatique" in Mon compte (issue 15): the family's SEPA mandate — sign it
 * online, download it, revoke it. Only a validated account of a family reaches it; the
 * mandate is always the family's own (no id in the URL).
 */
export function directDebitController(deps: AppDeps) {
  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; revokeErrors?: FieldError[] } = {},
  ) {
    const town = requireTown(req);
    const p = await service.mandatePage(deps, town, req.account!);
    const errors = [...(form.errors ?? []), ...(form.revokeErrors ?? [])];
    const creditor = p.settings.creditorName ?? town.name;
    res.status(status).render('direct-debit/mandate', {
      title: 'Prélèvement automatique',
      page: p,
      maskedIban: p.mandate ? maskIban(p.mandate.debtorIban) : '',
      creditor,
      authorisation: mandateAuthorisation(creditor),
      rights: MANDATE_RIGHTS,
      consent: consentLabel(creditor),
      values: form.values ?? { titulaire: `${req.account!.firstNames} ${req.account!.lastName}`, adresse: p.prefilledAddress },
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function show(req: Request, res: Response) {
    await render(req, res, 200);
  }

  async function sign(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(mandateSchema, req.body);
    if (!form.ok) return render(req, res, 400, { errors: form.errors, values: form.values });
    const signed = await service.signMandate(deps, town, req.account!, form.data);
    req.session.flash = {
      kind: 'success',
      message:
        `Votre mandat de prélèvement est signé, sous la référence ${signed.mandate.rum}.` +
        (signed.replaced ? ' Il remplace le précédent, qui est révoqué.' : '') +
        (signed.stored
          ? ' Une copie en PDF est dans vos pièces justificatives.'
          : ' Votre espace de stockage est plein : téléchargez la copie en PDF depuis cette page.'),
    };
    res.redirect(303, urls.directDebit(town));
  }

  async function revoke(req: Request, res: Response) {
    const town = requireTown(req);
    // Without an active mandate there is nothing of the family's to revoke: the 404 of an unknown page.
    if (!(await service.mandatePage(deps, town, req.account!)).mandate) throw new NotFoundError('no mandate');
    const form = parseForm(revokeSchema, req.body);
    if (!form.ok) return render(req, res, 400, { revokeErrors: form.errors });
    await service.revokeMandate(deps, town, req.account!);
    req.session.flash = {
      kind: 'success',
      message: 'Votre mandat est révoqué : vos prochaines factures ne seront plus prélevées. Réglez-les en ligne ou au guichet.',
    };
    res.redirect(303, urls.directDebit(town));
  }

  async function servePdf(req: Request, res: Response) {
    const { mandate, content } = await service.activeMandatePdf(deps, requireTown(req), req.account!);
    sendAttachment(res, { fileName: mandatePdfName(mandate.rum), contentType: 'application/pdf', content });
  }

  return { show, sign, revoke, servePdf };
}
