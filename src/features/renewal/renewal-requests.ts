import { formatDate } from '../../lib/calendar/index.js';
import type { AuditEntry } from '../../lib/audit.js';
import { auditMany } from '../../lib/audit.js';
import * as activities from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import type { RequestEffects } from '../requests/request-types.js';

/**
 * Accepting a renewal enrols the child, for the campaign's school year, in each activity the
 * family kept: the year clipped to the activity's own dates. An activity that does not run
 * during that year refuses the decision (nothing is written): its dates must be extended first.
 */
export const renewalEffects: RequestEffects = {
  onAccept: async ({ db, town, request, now, acting }) => {
    const submission = await repo.findSubmissionOfRequest(db, town.id, request.id);
    if (!submission) return { ok: false, message: "Ce renouvellement n'est rattaché à aucune campagne" };
    const campaign = await repo.findCampaign(db, town.id, submission.campaignId);
    if (!campaign) return { ok: false, message: "La campagne de ce renouvellement n'existe plus" };
    // Every activity is checked before anything is written: a refused decision commits its
    // transaction with the request unchanged, so it must leave no enrolment behind.
    const planned: { activityId: string; startDate: string; endDate: string }[] = [];
    for (const activityId of submission.activityIds) {
      const activity = await activities.findActivity(db, town.id, activityId);
      if (!activity) return { ok: false, message: "Une activité choisie par la famille n'existe plus" };
      const startDate = activity.startDate > campaign.yearStart ? activity.startDate : campaign.yearStart;
      const endDate = activity.endDate < campaign.yearEnd ? activity.endDate : campaign.yearEnd;
      if (endDate < startDate) {
        return {
          ok: false,
          message: `L'activité « ${activity.name} » se termine le ${formatDate(activity.endDate)}, avant la rentrée : prolongez ses dates avant de valider`,
        };
      }
      planned.push({ activityId, startDate, endDate });
    }
    const enrolments: { activityId: string; enrolmentId: string | null }[] = [];
    const rows: AuditEntry[] = [];
    for (const { activityId, startDate, endDate } of planned) {
      // Already enrolled over these dates (by an agent meanwhile): nothing to add.
      if (await activities.enrolmentOverlaps(db, town.id, activityId, submission.childId, startDate, endDate)) {
        enrolments.push({ activityId, enrolmentId: null });
        continue;
      }
      const id = await activities.insertEnrolment(db, town.id, {
        activityId,
        childId: submission.childId,
        startDate,
        endDate,
        createdBy: acting.agentId,
      });
      // The child is the request's, locked with it; a child deleted meanwhile took the request's child_id with it.
      if (!id) throw new Error('the renewal’s child is gone');
      enrolments.push({ activityId, enrolmentId: id });
      rows.push({
        ...acting,
        townId: town.id,
        action: 'enrolment.create',
        targetType: 'enrolment',
        targetId: id,
        details: { activityId, childId: submission.childId, from: startDate, to: endDate, requestId: request.id },
        at: now,
      });
    }
    if (rows.length > 0) await auditMany(db, rows);
    return { ok: true, outcome: { enrolments } };
  },
};
