import * as repo from '../../repositories/school-sectors.repository.js';
import type { RequestEffects, SchoolEnrolmentPayload } from '../requests/request-types.js';
import { levelOf } from './levels.js';

/**
 * Accepting a school pre-enrolment writes the school and the class into the child's file (the
 * child's page shows them), in the decision's transaction. The agent's page may choose the
 * school and level (`decision`); otherwise it is the school asked for — the derogation's, or
 * the sector's. No school at all, or one of the wrong kind for the level, refuses the decision.
 */
export const schoolEnrolmentEffects: RequestEffects = {
  onAccept: async ({ db, town, request, now, decision }) => {
    if (!request.childId) return { ok: false, message: "L'enfant de cette demande n'est plus dans le dossier famille" };
    const p = request.payload as Partial<SchoolEnrolmentPayload>;
    const schoolId = typeof decision?.schoolId === 'string' ? decision.schoolId : (p.derogation?.schoolId ?? p.sectorSchool?.id ?? null);
    const level = levelOf(typeof decision?.level === 'string' ? decision.level : p.level);
    if (!schoolId) {
      return { ok: false, message: "Aucune école n'était proposée à cette famille : choisissez l'école depuis la page Secteurs scolaires" };
    }
    if (!level) return { ok: false, message: 'Choisissez la classe' };
    const school = await repo.findSchool(db, town.id, schoolId);
    if (!school) return { ok: false, message: "L'école choisie n'existe plus : choisissez-en une autre" };
    if (school.kind !== level.kind) {
      return {
        ok: false,
        message: `${school.name} est une école ${school.kind === 'maternelle' ? 'maternelle' : 'élémentaire'} : elle n'accueille pas la classe ${level.label}`,
      };
    }
    if (!(await repo.setChildSchool(db, town.id, request.childId, school.name, level.label, now))) {
      return { ok: false, message: "L'enfant de cette demande n'est plus dans le dossier famille" };
    }
    return { ok: true, outcome: { schoolId: school.id, schoolName: school.name, level: level.value } };
  },
};
