import { z } from 'zod';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT, formatBytes } from '../../lib/file-checks.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import type { CheckedFile } from '../../lib/file-checks.js';
import type { FilesUploadResult } from '../../middleware/upload.js';

// Line breaks are welcome in a message; other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const MESSAGE_MAX = 5000;

export function messageText(empty: string) {
  return z
    .string()
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, empty)
        .max(MESSAGE_MAX, `Le message doit comporter ${MESSAGE_MAX} caractères au maximum`)
        .refine((v) => !CONTROL.test(v), "Le message contient un caractère qui n'est pas accepté : retirez-le"),
    );
}

/** The parent's message on a request (the answer, while a complement is asked). */
export const parentMessageSchema = z.object({ message: messageText('Saisissez votre message') });

/** An agent's message to the family. */
export const agentMessageSchema = z.object({ message: messageText('Saisissez votre message à la famille') });

/**
 * An agent's action on a request: what it becomes. A refusal carries its reason (`motif`),
 * a request for a complement its question (`complement`) — two fields, so each form's
 * error links to its own box.
 */
export const AGENT_ACTIONS = {
  prendre: 'in_progress',
  accepter: 'accepted',
  refuser: 'refused',
  complement: 'complement_requested',
} as const;
export type AgentAction = keyof typeof AGENT_ACTIONS;

function optionalText() {
  return z
    .string()
    .optional()
    .default('')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .max(MESSAGE_MAX, `Le texte doit comporter ${MESSAGE_MAX} caractères au maximum`)
        .refine((v) => !CONTROL.test(v), "Le texte contient un caractère qui n'est pas accepté : retirez-le"),
    );
}

export const agentActionSchema = z.object({
  action: z.enum(['prendre', 'accepter', 'refuser', 'complement'], { error: 'Choisissez une action' }),
  motif: optionalText(),
  complement: optionalText(),
});

export type MessageWithFiles =
  | { ok: true; message: string; files: CheckedFile[] }
  | { ok: false; status: 400 | 413; errors: FieldError[]; values: Record<string, string> };

/**
 * A message on a request and the files attached to it (`fichiers`), read together: the
 * form's errors and the files' problem are shown at once, with 413 when a file was too
 * large, and the message typed is kept (the files must be chosen again).
 */
export function parseMessageWithFiles(
  schema: typeof parentMessageSchema | typeof agentMessageSchema,
  body: unknown,
  uploads: FilesUploadResult = { files: [], received: 0 },
): MessageWithFiles {
  const form = parseForm(schema, body);
  const errors: FieldError[] = form.ok ? [] : [...form.errors];
  if (uploads.problem) errors.push({ field: 'fichiers', message: uploads.problem.message });
  if (!form.ok || uploads.problem) {
    const values = form.ok ? { message: form.data.message } : form.values;
    return { ok: false, status: uploads.problem?.status === 413 ? 413 : 400, errors, values };
  }
  return { ok: true, message: form.data.message, files: uploads.files };
}

/** What the message form (views/requests/partials/message-form.ejs) shows: the errors by field, what was typed, the files accepted. */
export function messageFormLocals(form: { errors?: FieldError[]; values?: Record<string, string> }) {
  const errors = form.errors ?? [];
  return {
    errors,
    fieldErrors: errorMap(errors),
    values: form.values ?? {},
    accept: DOCUMENT_ACCEPT,
    formatsText: DOCUMENT_FORMATS_TEXT,
    formatBytes,
    messageMax: MESSAGE_MAX,
  };
}
