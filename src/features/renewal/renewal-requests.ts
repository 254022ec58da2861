import { formatDate } from '../../lib/calendar/index.js';
import * as activities from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import { enrolChildIn } from '../enrolment/enrol-child.js';
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
    for (const { activityId, startDate, endDate } of planned) {
      // The one enrolment path (its lock, its overlap check, its audit row), as an agent's form or an accepted application.
      const result = await enrolChildIn(db, { clock: { now: () => now } }, town, acting, activityId, {
        childId: submission.childId,
        startDate,
        endDate,
      });
      // Already enrolled over these dates (by an agent meanwhile): nothing to add.
      if (!result.ok && result.reason === 'overlap') enrolments.push({ activityId, enrolmentId: null });
      // The child is the request's, locked with it; a child deleted meanwhile took the request's child_id with it.
      else if (!result.ok) throw new Error('the renewal’s child is gone');
      else enrolments.push({ activityId, enrolmentId: result.id });
    }
    return { ok: true, outcome: { enrolments } };
  },
};
