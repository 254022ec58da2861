import { quotientErrors, recordQuotientIn } from '../billing/billing.service.js';
import type { QuotientDeclarationPayload, RequestEffects } from '../requests/request-types.js';

/**
 * The decision on a parent's QF declaration: accepting records the QF declared, with its
 * date of effect, as `parent_declaration` with the request's id, audited in the deciding
 * agent's name, in the transition's own transaction (the status, the history, the mail and
 * the QF commit together). A refusal records nothing: the request's status and reason say it.
 */
export const quotientDeclarationEffects: RequestEffects = {
  onAccept: async ({ db, town, request, now, acting }) => {
    if (!request.familyId) return { ok: false, message: "Cette demande n'est rattachée à aucun dossier famille" };
    const p = request.payload as Partial<QuotientDeclarationPayload>;
    const q = {
      familyId: request.familyId,
      qf: typeof p.qf === 'number' ? p.qf : NaN,
      effectiveFrom: typeof p.effectiveFrom === 'string' ? p.effectiveFrom : '',
      source: 'parent_declaration' as const,
      requestId: request.id,
    };
    const errors = quotientErrors(q);
    if (errors.length > 0) return { ok: false, message: errors.join(' ') };
    if (!(await recordQuotientIn(db, town.id, acting, q, now))) {
      return { ok: false, message: "Le dossier famille de cette demande n'existe plus" };
    }
    return { ok: true, outcome: { qf: q.qf, effectiveFrom: q.effectiveFrom } };
  },
};
