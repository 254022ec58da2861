import type { FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';
import type { UploadProblem } from '../../middleware/upload.js';
import { parseDocumentFields } from '../documents/documents.schemas.js';
import { parseStep1 } from './absences.schemas.js';

/**
 * Step 1 of "Signaler une absence" is one multipart form: the absence, the piece's fields and
 * its files. This reads the three together into one answer, every error at once, and what to
 * show again when it is refused. Pure: the upload middleware has already checked the files.
 */
export function readStep1(
  body: unknown,
  step: { today: string; enrolmentIds: string[]; childFirstNames: string },
  uploads: { received: number; problem?: UploadProblem },
) {
  const step1 = parseStep1(body, step.today, step.enrolmentIds, step.childFirstNames);
  const piece = parseDocumentFields(body, step.today);
  const values = { ...piece.values, ...step1.values };
  const asked = ((body ?? {}) as Record<string, unknown>).brouillon;
  const replacesDraft = typeof asked === 'string' && UUID.test(asked) ? asked.toLowerCase() : '';
  const errors: FieldError[] = step1.ok ? [] : [...step1.errors];
  // The piece's fields describe uploaded files: without any, they are not checked.
  if (!piece.ok && uploads.received > 0) errors.push(...piece.errors);
  let status = 400;
  if (uploads.problem) {
    errors.push({ field: 'fichiers', message: uploads.problem.message });
    status = uploads.problem.status;
  } else if (uploads.received === 0 && step1.lists.stockage.length === 0) {
    errors.push({
      field: 'fichiers',
      message: "Joignez un justificatif d'absence : ajoutez un fichier ou choisissez un document de votre espace de stockage",
    });
  }
  const again = { values, lists: step1.lists, dateErrorFields: piece.ok ? [] : piece.dateErrorFields, draftId: replacesDraft };
  if (!step1.ok || errors.length > 0) return { ok: false as const, errors, status, again };
  return { ok: true as const, fields: step1.data, piece: piece.ok ? piece.data : null, again };
}
