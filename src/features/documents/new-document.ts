import type { FieldError } from '../../lib/forms.js';
import type { UploadProblem } from '../../middleware/upload.js';
import { parseDocumentFields } from './documents.schemas.js';

/**
 * "Ajouter un document": the piece's fields and its files read together, every error at
 * once; a refused file gives its own status (413 for too large). Pure: the upload
 * middleware has already checked the files.
 */
export function readNewDocument(body: unknown, today: string, uploads: { files: unknown[]; problem?: UploadProblem }) {
  const fields = parseDocumentFields(body, today);
  const errors: FieldError[] = fields.ok ? [] : [...fields.errors];
  let status = 400;
  if (uploads.problem) {
    errors.push({ field: 'fichiers', message: uploads.problem.message });
    status = uploads.problem.status;
  } else if (uploads.files.length === 0) {
    errors.push({ field: 'fichiers', message: 'Joignez au moins un fichier' });
  }
  if (!fields.ok || errors.length > 0) {
    return { ok: false as const, status, errors, values: fields.values, dateErrorFields: fields.ok ? [] : fields.dateErrorFields };
  }
  return { ok: true as const, data: fields.data, values: fields.values };
}
