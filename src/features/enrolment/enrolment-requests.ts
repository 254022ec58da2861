import type { Queryable } from '../../db/pool.js';
import { lockActivity } from '../../repositories/enrolment.repository.js';
import type { EffectInput, EffectResult, EnrolmentPayload, RequestEffects } from '../requests/request-types.js';
import { enrolChildIn } from './enrol-child.js';
import type { ServiceContext } from '../../deps.js';

/**
 * A parent's enrolment request (issue 16): what it asked, as the agents' request page shows
 * it, and what its acceptance does — the enrolment the agents' own form would create
 * (enrolChildIn), so that reservations open the same way. Kept apart from the service,
 * which makes requests: request-effects.ts reads this table without an import cycle.
 */

/** Accepting enrols the child, within the activity's places; refusing changes nothing but the status (the reason is mailed). */
export function enrolmentEffects(ctx: Pick<ServiceContext, 'clock'>): RequestEffects {
  return {
    onAccept: async ({ db, town, request, acting }: EffectInput): Promise<EffectResult> => {
      const p = request.payload as unknown as EnrolmentPayload;
      return acceptEnrolment(db, ctx, town, acting, p);
    },
  };
}

async function acceptEnrolment(
  db: Queryable,
  ctx: Pick<ServiceContext, 'clock'>,
  town: EffectInput['town'],
  acting: EffectInput['acting'],
  p: EnrolmentPayload,
): Promise<EffectResult> {
  // Locked: two acceptances at once cannot both take the last place.
  const activity = await lockActivity(db, town.id, p.activityId);
  if (!activity) return { ok: false, message: "Cette activité n'existe plus : refusez la demande en l'expliquant à la famille" };
  if (activity.fairWindowMinutes !== null && !activity.allocatedAt) {
    return {
      ok: false,
      message: "Les places de cette activité sont attribuées équitablement : utilisez « Attribuer les places » sur sa page d'attribution",
    };
  }
  if (activity.capacity !== null && activity.enrolled >= activity.capacity) {
    return {
      ok: false,
      message: `L'activité est complète (${activity.capacity} places, toutes prises) : la demande reste sur la liste d'attente. Augmentez la capacité de l'activité pour l'accepter.`,
    };
  }
  const result = await enrolChildIn(db, ctx, town, acting, p.activityId, {
    childId: p.childId,
    startDate: p.startDate,
    endDate: p.endDate,
  });
  if (!result.ok) {
    return {
      ok: false,
      message:
        result.reason === 'overlap'
          ? 'Cet enfant est déjà inscrit à cette activité sur une partie de cette période'
          : "Cet enfant n'est plus dans le dossier famille",
    };
  }
  return { ok: true, outcome: { enrolmentId: result.id } };
}
