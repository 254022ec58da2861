import { formValues, type FieldError } from '../../lib/forms.js';
import type { UploadProblem } from '../../middleware/upload.js';
import type { School } from '../../repositories/school-sectors.repository.js';
import type { ListedDocument } from '../documents/documents.service.js';
import { readPieces, type PieceAsked } from '../renewal/renewal-form.js';
import { LEVELS, levelOf, type Level } from './levels.js';

/**
 * "Préinscription scolaire" (one multipart form): the child, the class of the rentrée, another
 * school than the sector's with the reason (a derogation: the reason is required when another
 * school is chosen), and the three pieces, each from the storage (valid) or uploaded. Pure.
 */

export const SCHOOL_PIECES: readonly PieceAsked[] = [
  { field: 'pieceDomicile', label: 'Justificatif de domicile', kinds: ['justificatif_domicile'] },
  { field: 'pieceLivret', label: 'Livret de famille', kinds: ['livret_famille'] },
  { field: 'pieceVaccinations', label: 'Vaccinations (pages du carnet de santé)', kinds: ['certificat_medical', 'autre'] },
];

export interface SchoolChoice {
  childId: string;
  level: Level;
  derogation: { schoolId: string; reason: string } | null;
  pieces: { label: string; documentId: string | null }[];
}

export type SchoolForm =
  { ok: true; data: SchoolChoice } | { ok: false; status: number; errors: FieldError[]; values: Record<string, string> };

const FIELDS = ['enfant', 'niveau', 'autreEcole', 'motif', ...SCHOOL_PIECES.map((p) => p.field)];

export function readSchoolEnrolment(
  body: unknown,
  o: {
    children: readonly { id: string }[];
    schools: readonly Pick<School, 'id' | 'name' | 'kind'>[];
    documents: readonly Pick<ListedDocument, 'id' | 'kind' | 'validity'>[];
    uploads: { received: number; problem?: UploadProblem };
  },
): SchoolForm {
  const all = formValues(body);
  const values = Object.fromEntries(FIELDS.map((f) => [f, all[f] ?? '']));
  const errors: FieldError[] = [];
  const child = o.children.find((c) => c.id === values.enfant!.toLowerCase());
  if (!child) errors.push({ field: 'enfant', message: "Choisissez l'enfant à préinscrire" });
  const level = levelOf(values.niveau);
  if (!level) errors.push({ field: 'niveau', message: `Choisissez la classe de la rentrée, de ${LEVELS[0].label.toLowerCase()} au CM2` });

  let derogation: SchoolChoice['derogation'] = null;
  if (values.autreEcole) {
    const school = o.schools.find((s) => s.id === values.autreEcole!.toLowerCase());
    const reason = values.motif!.trim();
    if (!school) errors.push({ field: 'autreEcole', message: "Choisissez l'école dans la liste" });
    else if (level && school.kind !== level.kind) {
      errors.push({
        field: 'autreEcole',
        message: `${school.name} est une école ${school.kind === 'maternelle' ? 'maternelle' : 'élémentaire'} : choisissez une école ${level.kind === 'maternelle' ? 'maternelle' : 'élémentaire'} pour la classe ${level.label}`,
      });
    }
    if (!reason) errors.push({ field: 'motif', message: 'Expliquez pourquoi vous demandez une autre école que celle du secteur' });
    else if (reason.length > 1000) errors.push({ field: 'motif', message: 'Le motif doit faire 1 000 caractères au plus' });
    if (school && reason) derogation = { schoolId: school.id, reason: reason.slice(0, 1000) };
  }

  const pieces = readPieces(values, SCHOOL_PIECES, o.documents, o.uploads);
  errors.push(...pieces.errors);
  if (errors.length > 0 || !child || !level) return { ok: false, status: pieces.status, errors, values };
  return {
    ok: true,
    data: {
      childId: child.id,
      level: level.value,
      derogation,
      pieces: pieces.chosen.map((c) => ({ label: c.label, documentId: c.documentId })),
    },
  };
}
