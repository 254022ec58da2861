import { registerRequestEffects } from '../requests/request-effects.js';
import { applyDecision } from './reservations.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * A reservation request decided in the back-office (the generic request queue, or the
 * "Réservations à confirmer" page) acts on the reservations of its submission: accepting
 * confirms the held places, refusing frees them for the children waiting. The effect runs
 * inside the request's transition, so both commit together.
 */
export function registerReservationEffects(ctx: ServiceContext): void {
  const submissionOf = (payload: Record<string, unknown>) => (typeof payload.submissionId === 'string' ? payload.submissionId : '');
  registerRequestEffects('reservation', {
    onAccept: ({ db, town, request, now }) =>
      applyDecision(ctx, db, town, submissionOf(request.payload), { accept: true, agentId: null, now, reason: null }),
    onRefuse: ({ db, town, request, now }) =>
      applyDecision(ctx, db, town, submissionOf(request.payload), { accept: false, agentId: null, now, reason: null }),
  });
}
