import { lockForTransaction, type Queryable } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import * as activities from '../../repositories/activities.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { ServiceContext } from '../../deps.js';

export type EnrolResult = { ok: true; id: string } | { ok: false; reason: 'overlap' | 'unknown_child' };

type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

/**
 * Enrols a child in an activity in the caller's transaction: the agents' "Inscrire un enfant"
 * (activities.service.ts enrolChild), a parent's enrolment request accepted
 * (enrolment-requests.ts) and a renewal validated (renewal-requests.ts) all go through it, so
 * an enrolment is made one way. Kept apart
 * from the reservations' services, which the requests' decision table must not import.
 */
export async function enrolChildIn(
  db: Queryable,
  ctx: Pick<ServiceContext, 'clock'>,
  town: Town,
  actor: Actor,
  activityId: string,
  input: { childId: string; startDate: string; endDate: string },
): Promise<EnrolResult> {
  // Two agents enrolling the same child at once must not both pass the overlap check.
  await lockForTransaction(db, `enrol:${activityId}:${input.childId}`);
  if (await activities.enrolmentOverlaps(db, town.id, activityId, input.childId, input.startDate, input.endDate)) {
    return { ok: false, reason: 'overlap' } as const;
  }
  const id = await activities.insertEnrolment(db, town.id, { activityId, ...input, createdBy: actor.agentId });
  if (!id) return { ok: false, reason: 'unknown_child' } as const;
  await audit(db, {
    ...actor,
    townId: town.id,
    action: 'enrolment.create',
    targetType: 'enrolment',
    targetId: id,
    details: { activityId, childId: input.childId, from: input.startDate, to: input.endDate },
    at: ctx.clock.now(),
  });
  return { ok: true, id } as const;
}
