import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { getSepaSettings } from '../../../repositories/direct-debit.repository.js';
import { urls } from '../../../routes.js';
import { saveSepaSettings } from '../../direct-debit/collections.service.js';
import { sepaSettingsSchema } from './direct-debit.schemas.js';

/**
 * The town's SEPA direct-debit settings (admins): whether it is offered, the creditor
 * identifier (ICS) and name printed on mandates, the account collections are paid into,
 * and the pre-notification days before a debit.
 */
export function sepaSettingsController(deps: AppDeps) {
  function render(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('agents/direct-debit/settings', {
      title: 'Paramètres du prélèvement automatique',
      values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function show(req: Request, res: Response) {
    const s = await getSepaSettings(deps.pool, requireTown(req).id);
    render(res, 200, {
      active: s.enabled ? 'oui' : 'non',
      ics: s.creditorId ?? '',
      creancier: s.creditorName ?? '',
      iban: s.creditorIban ?? '',
      bic: s.creditorBic ?? '',
      preavis: String(s.prenotificationDays),
    });
  }

  async function save(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(sepaSettingsSchema, req.body);
    if (!form.ok) return render(res, 400, form.values, form.errors);
    await saveSepaSettings(deps, town.id, auditActor(req), form.data);
    req.session.flash = { kind: 'success', message: 'Les paramètres du prélèvement automatique sont enregistrés.' };
    res.redirect(303, urls.agentDirectDebitSettings(town));
  }

  return { show, save };
}
