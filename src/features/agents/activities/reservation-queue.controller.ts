import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { dayLabel } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as reservations from '../../../repositories/reservations.repository.js';
import { urls } from '../../../routes.js';
import { agentTransition } from '../../requests/requests.service.js';
import { decisionSchema } from '../../reservations/reservations.schemas.js';
import * as service from '../../reservations/reservations.service.js';
import { param } from '../../../lib/params.js';
import type { ServiceContext } from '../../../deps.js';

/** Reservation requests that wait for an agent ("Réservations à confirmer"), and the decision on one. */
export function reservationQueueController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function showQueue(req: Request, res: Response) {
    const town = requireTown(req);
    const list = await reservations.listAwaitingSubmissions(pool, town.id);
    res.render('agents/activities/queue', { title: 'Réservations à confirmer', list, dayLabel });
  }

  async function findSubmission(req: Request) {
    const id = param(req, 'submissionId');
    service.assertUuid(id);
    return reservations.findSubmission(pool, requireTown(req).id, id);
  }

  async function renderDecision(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const submission = await findSubmission(req);
    if (!submission) throw new NotFoundError('submission of another town');
    res.status(status).render('agents/activities/decision', {
      title: `Demande de réservation – ${submission.activityName}`,
      submission,
      errors,
      fieldErrors: errorMap(errors),
      values,
      dayLabel,
    });
  }

  const showDecision = (req: Request, res: Response) => renderDecision(req, res, 200, [], {});

  async function decide(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(decisionSchema, req.body);
    if (!form.ok) return renderDecision(req, res, 400, form.errors, form.values);
    if (form.data.decision === 'refuser' && !form.data.motif) {
      const error = { field: 'motif', message: 'Saisissez le motif du refus : il sera envoyé à la famille' };
      return renderDecision(req, res, 400, [error], formValues(req.body));
    }
    const submission = await findSubmission(req);
    if (!submission?.requestId) throw new NotFoundError('submission of another town');
    // Through the request's state machine: its history, mail and audit, and the reservation
    // effects (reservation-requests.ts), in one transaction.
    const accepted = form.data.decision === 'confirmer';
    const result = await agentTransition(
      ctx,
      town,
      auditActor(req),
      submission.requestId,
      accepted ? 'accepted' : 'refused',
      form.data.motif,
    );
    req.session.flash = result.ok
      ? {
          kind: 'success',
          message: accepted
            ? 'La demande a été confirmée ; la famille est prévenue.'
            : 'La demande a été refusée ; la famille est prévenue.',
        }
      : { kind: 'info', message: result.message };
    res.redirect(303, urls.agentReservationQueue(town));
  }

  return { showQueue, showDecision, decide };
}
