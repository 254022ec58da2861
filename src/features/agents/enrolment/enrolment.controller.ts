import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatDateTime } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { findOfferActivity, SCHOOL_LEVELS, type OfferActivity } from '../../../repositories/enrolment.repository.js';
import { urls } from '../../../routes.js';
import * as service from '../../enrolment/enrolment.service.js';
import { STATUS_LABELS } from '../../requests/request-state.js';
import { PIECE_KINDS, readSettingsForm, settingsValues } from './enrolment.schemas.js';

/**
 * The back-office side of online enrolment (issue 16): an activity's "Inscription en ligne"
 * settings, and its applications with the fair allocation of places. Agents of this town
 * only: another town's activity is the 404 of findOfferActivity's town filter.
 */
export function enrolmentAgentsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function load(req: Request): Promise<OfferActivity> {
    const activity = await findOfferActivity(pool, requireTown(req).id, idParam(req, 'activityId'));
    if (!activity) throw new NotFoundError('activity of another town');
    return activity;
  }

  function render(
    req: Request,
    res: Response,
    status: number,
    activity: OfferActivity,
    form: { errors: FieldError[]; values: Record<string, string>; niveaux: string[]; pieces: string[] },
  ) {
    res.status(status).render('agents/enrolment/settings', {
      title: `Inscription en ligne – ${activity.name}`,
      activity,
      errors: form.errors,
      fieldErrors: errorMap(form.errors),
      values: form.values,
      niveaux: form.niveaux,
      pieces: form.pieces,
      levels: SCHOOL_LEVELS,
      pieceKinds: PIECE_KINDS,
    });
  }

  async function showSettings(req: Request, res: Response) {
    const activity = await load(req);
    render(req, res, 200, activity, { errors: [], ...settingsValues(activity) });
  }

  async function saveSettings(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await load(req);
    const form = readSettingsForm(req.body);
    if (!form.ok) return render(req, res, 400, activity, form);
    await service.saveSettings(ctx, town, auditActor(req), activity.id, form.data);
    req.session.flash = { kind: 'success', message: `L'inscription en ligne de ${activity.name} a été enregistrée.` };
    res.redirect(303, urls.agentActivity(town, activity.id));
  }

  async function renderAllocation(req: Request, res: Response, status: number, activity: OfferActivity, error: string | null) {
    const town = requireTown(req);
    const fair = activity.fairWindowMinutes !== null && activity.enrolmentOpensAt !== null;
    const { ranked, others } = await service.ranking(ctx, town, activity);
    res.status(status).render('agents/enrolment/allocation', {
      // The page's heading and the activity page's link say it this way: the tab says it too.
      title: `Demandes d'inscription et attribution des places – ${activity.name}`,
      activity,
      fair,
      ranked,
      others,
      error,
      errors: error ? [{ field: 'attribuer', message: error }] : [],
      statusLabels: STATUS_LABELS,
      windowEnd: fair
        ? formatDateTime(new Date(new Date(activity.enrolmentOpensAt!).getTime() + activity.fairWindowMinutes! * 60_000))
        : null,
      opensAt: activity.enrolmentOpensAt ? formatDateTime(activity.enrolmentOpensAt) : null,
      formatDateTime,
    });
  }

  async function showAllocation(req: Request, res: Response) {
    await renderAllocation(req, res, 200, await load(req), null);
  }

  async function allocate(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await load(req);
    const result = await service.allocate(ctx, town, auditActor(req), activity.id);
    if (!result.ok) return renderAllocation(req, res, 400, activity, result.message);
    req.session.flash = {
      kind: 'success',
      message: [
        `Places attribuées : ${result.offered} inscription(s) acceptée(s), ${result.waiting} demande(s) sur liste d'attente.`,
        ...result.passedOver.map((p) => `La demande de ${p.childName} n'a pas pu être acceptée (${p.reason}) : décidez-la depuis sa page.`),
      ].join(' '),
    };
    res.redirect(303, urls.agentAllocation(town, activity.id));
  }

  return { showSettings, saveSettings, showAllocation, allocate };
}
