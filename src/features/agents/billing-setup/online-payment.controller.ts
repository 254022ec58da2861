import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, fieldErrors, formValues, type FieldError } from '../../../lib/forms.js';
import { isUuid } from '../../../lib/ids.js';
import { requireTown } from '../../../middleware/town.js';
import { getOnlinePaymentSettings, listRegiesPayfip, type RegiePayfip } from '../../../repositories/payment-settings.repository.js';
import { urls } from '../../../routes.js';
import {
  checkRegieNumcli,
  offeredProviders,
  updateOnlinePaymentSettings,
  type NumcliCheck,
} from '../../payments/payfip/online-payment-settings.service.js';
import { numcliFieldName, numcliFields, onlinePaymentSchema } from './online-payment.schemas.js';

/**
 * The town's online payment (admins): which provider takes the families' payments, PayFiP's
 * mode and each régie's PayFiP client number, and a check of a saved number with PayFiP
 * itself (docs/paiement-en-ligne.md).
 */
export function onlinePaymentController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  function render(res: Response, status: number, regies: RegiePayfip[], values: Record<string, string>, errors: FieldError[] = []) {
    res.status(status).render('agents/billing-setup/online-payment', {
      title: 'Paiement en ligne',
      regies,
      providers: offeredProviders(config.isProduction),
      values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const [s, regies] = await Promise.all([getOnlinePaymentSettings(pool, town.id), listRegiesPayfip(pool, town.id)]);
    const values: Record<string, string> = { mode: s.payfipMode };
    // A choice this deployment does not offer (the demo bank in production) is not pre-selected.
    if (offeredProviders(config.isProduction).includes(s.provider)) values.prestataire = s.provider;
    for (const r of regies) values[numcliFieldName(r.id)] = r.payfipNumcli ?? '';
    render(res, 200, regies, values);
  }

  async function save(req: Request, res: Response) {
    const town = requireTown(req);
    const regies = await listRegiesPayfip(pool, town.id);
    const values = formValues(req.body);
    if (values.verifier !== undefined) return check(req, res, values.verifier);
    const parsed = onlinePaymentSchema.safeParse(values);
    const numclis = numcliFields(
      values,
      regies.map((r) => r.id),
    );
    let errors = parsed.success ? [] : fieldErrors(parsed.error.issues);
    if (parsed.success) {
      const result = await updateOnlinePaymentSettings(ctx, town.id, auditActor(req), {
        provider: parsed.data.prestataire,
        payfipMode: parsed.data.mode,
        numclis,
      });
      if (result.ok) {
        req.session.flash = { kind: 'success', message: 'Les réglages du paiement en ligne ont été enregistrés.' };
        return res.redirect(303, urls.agentPaymentSettings(town));
      }
      errors = result.errors.map((e) => ({ field: e.key === 'provider' ? 'prestataire' : numcliFieldName(e.key), message: e.message }));
    }
    // In the form's order: the provider, the mode, then the régies as listed.
    const order = ['prestataire', 'mode', ...regies.map((r) => numcliFieldName(r.id))];
    errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
    render(res, 400, regies, values, errors);
  }

  async function check(req: Request, res: Response, regieId: string) {
    const town = requireTown(req);
    const result = isUuid(regieId) ? await checkRegieNumcli(ctx, town.id, regieId.toLowerCase()) : undefined;
    if (!result) throw new NotFoundError('régie of another town');
    req.session.flash = checkMessage(result);
    res.redirect(303, urls.agentPaymentSettings(town));
  }

  return { show, save };
}

function checkMessage(c: NumcliCheck): { kind: 'success' | 'warning'; message: string } {
  const regie = `la régie ${c.regie.name}`;
  if (c.ok) {
    const labels = c.labels.length > 0 ? ` : ${c.labels.join(', ')}` : '';
    return { kind: 'success', message: `PayFiP connaît le numéro client ${c.regie.payfipNumcli} de ${regie}${labels}.` };
  }
  switch (c.reason) {
    case 'missing':
      return { kind: 'warning', message: `Enregistrez d’abord le numéro client PayFiP de ${regie}, puis vérifiez-le.` };
    case 'refused':
      return {
        kind: 'warning',
        message: `PayFiP ne connaît pas le numéro client ${c.regie.payfipNumcli} de ${regie}. Vérifiez-le auprès de la DGFiP (votre comptable public).`,
      };
    case 'unreachable':
      return {
        kind: 'warning',
        message: 'PayFiP n’a pas répondu : le numéro client n’a pas pu être vérifié. Réessayez dans quelques minutes.',
      };
  }
}
