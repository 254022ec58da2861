import { setJustified } from '../../repositories/absences.repository.js';
import type { RequestEffects } from '../requests/request-types.js';

/**
 * The decision on an absence report, inside the request's transition (same transaction as
 * the status, the history, the mail to the parent and the audit row): accepting justifies
 * its days, so billing leaves them out; refusing leaves them unjustified (billed as usual).
 * Setting the flag both ways keeps it right whatever the order of decisions.
 */
export const absenceEffects: RequestEffects = {
  onAccept: async ({ db, town, request }) => ({
    ok: true,
    outcome: { justifiedDays: await setJustified(db, town.id, request.id, true) },
  }),
  onRefuse: async ({ db, town, request }) => {
    await setJustified(db, town.id, request.id, false);
    return { ok: true, outcome: { justifiedDays: 0 } };
  },
};
