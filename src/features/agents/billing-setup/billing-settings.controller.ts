import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { formatScaled } from '../../../lib/french-numbers.js';
import { requireTown } from '../../../middleware/town.js';
import { getBillingSettings } from '../../../repositories/billing-tariffs.repository.js';
import { urls } from '../../../routes.js';
import { updateBillingSettings } from '../../billing/billing.service.js';
import { billingSettingsSchema } from './billing-setup.schemas.js';

/**
 * The town's billing settings (admins): the surcharge of a meal eaten without a booking,
 * the day of the next month invoices are due, and the postal codes of its residents
 * (a family elsewhere pays the non-resident prices). They apply to invoices not yet issued.
 */
export function billingSettingsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  function render(res: Response, status: number, values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('agents/billing-setup/settings', {
      title: 'Paramètres de facturation',
      values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function show(req: Request, res: Response) {
    const s = await getBillingSettings(pool, requireTown(req).id);
    render(res, 200, {
      majoration: formatScaled(s.unreservedSurchargeBp, 2),
      jourEcheance: String(s.invoiceDueDay),
      codesPostaux: s.residentPostalCodes.join(', '),
    });
  }

  async function save(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(billingSettingsSchema, req.body);
    if (!form.ok) return render(res, 400, form.values, form.errors);
    const result = await updateBillingSettings(ctx, town.id, auditActor(req), {
      unreservedSurchargeBp: form.data.majoration,
      invoiceDueDay: form.data.jourEcheance,
      residentPostalCodes: form.data.codesPostaux,
    });
    // The form's own checks are the service's: this is only reached by a rule added there later.
    if (!result.ok) return render(res, 400, formValues(req.body), [{ field: 'majoration', message: result.errors.join(' ') }]);
    req.session.flash = { kind: 'success', message: 'Les paramètres de facturation ont été enregistrés.' };
    res.redirect(303, urls.agentBillingSettings(town));
  }

  return { show, save };
}
