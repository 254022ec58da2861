import type { ServiceContext } from '../../deps.js';
import type { RequestEffects } from '../requests/request-types.js';
import { applyDecision } from './waiting-list.js';

/**
 * A reservation request decided in the back-office (the generic request queue, or the
 * "Réservations à confirmer" page) acts on the reservations of its submission: accepting
 * confirms the held places, refusing frees them for the children waiting. The effect runs
 * inside the request's transition, so both commit together (request-effects.ts).
 */
export function reservationEffects(ctx: ServiceContext): RequestEffects {
  const submissionOf = (payload: Record<string, unknown>) => (typeof payload.submissionId === 'string' ? payload.submissionId : '');
  return {
    onAccept: ({ db, town, request, now }) =>
      applyDecision(ctx, db, town, submissionOf(request.payload), { accept: true, agentId: null, now, reason: null }),
    onRefuse: ({ db, town, request, now }) =>
      applyDecision(ctx, db, town, submissionOf(request.payload), { accept: false, agentId: null, now, reason: null }),
  };
}
