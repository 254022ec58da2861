import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { shortDate } from '../../../lib/calendar/index.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as billing from '../../../repositories/billing-tariffs.repository.js';
import { urls } from '../../../routes.js';
import { saveRegie } from '../../billing/billing.service.js';
import { regieSchema, tickedActivities } from './billing-setup.schemas.js';
import { loadRegie } from './load-regie.js';

const FORGED = 'Choisissez les activités dans la liste';

/**
 * The town's régies (admins): the list, with the activities no régie collects (they are not
 * invoiced), and a régie's form: its name, the code printed in its invoice numbers, and the
 * activities it collects.
 */
export function regiesController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const [regies, activities] = await Promise.all([billing.listRegies(pool, town.id), billing.listActivityRegies(pool, town.id)]);
    res.render('agents/billing-setup/regies', {
      title: 'Régies de facturation',
      regies: regies.map((r) => ({ ...r, activities: activities.filter((a) => a.regieId === r.id) })),
      notInvoiced: activities.filter((a) => a.regieId === null),
      shortDate,
    });
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    o: { regie: billing.Regie | null; errors: FieldError[]; values: Record<string, string>; ticked: string[] },
  ) {
    const town = requireTown(req);
    const activities = await billing.listActivityRegies(pool, town.id);
    res.status(status).render('agents/billing-setup/regie-form', {
      title: o.regie ? `Modifier la régie ${o.regie.name}` : 'Créer une régie',
      regie: o.regie,
      action: o.regie ? urls.agentBillingRegie(town, o.regie.id) : urls.agentBillingRegieNew(town),
      errors: o.errors,
      fieldErrors: errorMap(o.errors),
      values: o.values,
      activities: activities.map((a) => ({
        ...a,
        checked: o.ticked.includes(a.id),
        elsewhere: a.regieId !== null && a.regieId !== o.regie?.id ? a.regieName : null,
      })),
      shortDate,
    });
  }

  async function showNew(req: Request, res: Response) {
    await renderForm(req, res, 200, { regie: null, errors: [], values: {}, ticked: [] });
  }

  async function showEdit(req: Request, res: Response) {
    const regie = await loadRegie(pool, req);
    const activities = await billing.listActivityRegies(pool, requireTown(req).id);
    const ticked = activities.filter((a) => a.regieId === regie.id).map((a) => a.id);
    await renderForm(req, res, 200, { regie, errors: [], values: { nom: regie.name, code: regie.code }, ticked });
  }

  async function save(req: Request, res: Response, regie: billing.Regie | null) {
    const town = requireTown(req);
    const ticked = tickedActivities(req.body);
    const form = parseForm(regieSchema, req.body);
    if (!form.ok || !ticked) {
      const errors = form.ok ? [] : form.errors;
      if (!ticked) errors.push({ field: 'activites', message: FORGED });
      return renderForm(req, res, 400, { regie, errors, values: formValues(req.body), ticked: ticked ?? [] });
    }
    const input = { name: form.data.nom, code: form.data.code, activityIds: ticked };
    const result = await saveRegie(ctx, town.id, auditActor(req), regie?.id ?? null, input);
    if (!result.ok) {
      const errors = result.errors.map((e) => ({ field: e.field, message: e.message.replace(/\.$/, '') }));
      return renderForm(req, res, 400, { regie, errors, values: formValues(req.body), ticked });
    }
    req.session.flash = { kind: 'success', message: `La régie ${input.name} a été ${regie ? 'modifiée' : 'créée'}.` };
    res.redirect(303, urls.agentBillingRegies(town));
  }

  const create = (req: Request, res: Response) => save(req, res, null);

  async function update(req: Request, res: Response) {
    await save(req, res, await loadRegie(pool, req));
  }

  return { list, showNew, create, showEdit, update };
}
