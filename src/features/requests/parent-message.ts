import { parseForm, type FieldError } from '../../lib/forms.js';
import type { UploadProblem } from '../../middleware/upload.js';
import { parentMessageSchema } from './requests.schemas.js';

/**
 * A parent's message on a request: the text and the files together, every error at once.
 * A file too large is a 413, anything else wrong a 400. Pure: the upload middleware has
 * already checked the files.
 */
export function readParentMessage(body: unknown, uploads: { problem?: UploadProblem }) {
  const form = parseForm(parentMessageSchema, body);
  if (form.ok && !uploads.problem) return { ok: true as const, message: form.data.message };
  const errors: FieldError[] = form.ok ? [] : [...form.errors];
  if (uploads.problem) errors.push({ field: 'fichiers', message: uploads.problem.message });
  return {
    ok: false as const,
    status: uploads.problem?.status === 413 ? 413 : 400,
    errors,
    values: form.ok ? { message: form.data.message } : form.values,
  };
}

/** How many pages a list of `total` rows makes (one at least, to say it is empty). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
