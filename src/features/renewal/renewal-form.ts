import { formValues, type FieldError } from '../../lib/forms.js';
import type { UploadProblem } from '../../middleware/upload.js';
import type { ListedDocument } from '../documents/documents.service.js';
import { kindLabel } from './pieces.js';

/**
 * The parent's renewal of one child (one multipart form, the steps as its sections): the
 * confirmation that the Dossier administratif is up to date, each required piece — a stored
 * document of that kind, checked valid, or "the file I join" — and the activities of the
 * year. Pure: every error at once, with what was chosen to show again.
 */

/** The select's value for "I join the file below" rather than a stored document. */
export const UPLOAD_CHOICE = 'fichier';

export interface RenewalChoice {
  /** Per required kind: the stored document chosen, or null for an uploaded file. */
  pieces: { kind: string; documentId: string | null }[];
  activityIds: string[];
}

export type RenewalForm =
  | { ok: true; data: RenewalChoice }
  | { ok: false; status: number; errors: FieldError[]; values: Record<string, string>; activities: string[] };

export const pieceField = (kind: string) => `piece-${kind}`;

export function readRenewal(
  body: unknown,
  o: {
    childName: string;
    requiredKinds: readonly string[];
    activityIds: readonly string[];
    /** The parent's own stored documents, their validity computed for today. */
    documents: readonly Pick<ListedDocument, 'id' | 'kind' | 'validity'>[];
    uploads: { received: number; problem?: UploadProblem };
  },
): RenewalForm {
  const all = formValues(body);
  const raw = (body ?? {}) as Record<string, unknown>;
  const ticked = (Array.isArray(raw.activites) ? raw.activites : raw.activites === undefined ? [] : [raw.activites]).filter(
    (v): v is string => typeof v === 'string',
  );
  const values: Record<string, string> = { confirme: all.confirme ?? '' };
  for (const kind of o.requiredKinds) values[pieceField(kind)] = all[pieceField(kind)] ?? '';
  const errors: FieldError[] = [];

  if (values.confirme !== 'oui') {
    errors.push({
      field: 'confirme',
      message: `Confirmez que le dossier administratif de ${o.childName} est à jour, après l’avoir vérifié ou mis à jour`,
    });
  }

  const read = readPieces(
    values,
    o.requiredKinds.map((kind) => ({ field: pieceField(kind), label: kindLabel(kind), kinds: [kind] })),
    o.documents,
    o.uploads,
  );
  errors.push(...read.errors);
  const status = read.status;
  const pieces = read.chosen.map((c) => ({ kind: o.requiredKinds.find((k) => pieceField(k) === c.field)!, documentId: c.documentId }));

  if (ticked.some((id) => !o.activityIds.includes(id))) {
    errors.push({ field: 'activites', message: 'Choisissez les activités dans la liste' });
  }

  if (errors.length > 0) return { ok: false, status, errors, values, activities: ticked };
  return { ok: true, data: { pieces, activityIds: [...new Set(ticked)] } };
}

export interface PieceAsked {
  /** The select's name and id. */
  field: string;
  /** "Justificatif de domicile" */
  label: string;
  /** The stored documents' kinds that may stand for it. */
  kinds: readonly string[];
}

/**
 * The pieces a request asks for, each a select: a stored document of a fitting kind, checked
 * as the parent's own and not expired (the reason said), or "I join the file" — which then
 * needs at least one uploaded file. Shared by the renewal and the school pre-enrolment.
 */
export function readPieces(
  values: Record<string, string>,
  asked: readonly PieceAsked[],
  documents: readonly Pick<ListedDocument, 'id' | 'kind' | 'validity'>[],
  uploads: { received: number; problem?: UploadProblem },
): { errors: FieldError[]; status: number; chosen: { field: string; label: string; documentId: string | null }[] } {
  const errors: FieldError[] = [];
  const chosen: { field: string; label: string; documentId: string | null }[] = [];
  const toUpload: string[] = [];
  for (const piece of asked) {
    const value = values[piece.field] ?? '';
    if (!value) {
      errors.push({
        field: piece.field,
        message: `Choisissez votre ${piece.label.toLowerCase()} dans votre espace de stockage, ou joignez le fichier`,
      });
    } else if (value === UPLOAD_CHOICE) {
      toUpload.push(piece.label);
      chosen.push({ field: piece.field, label: piece.label, documentId: null });
    } else {
      const doc = documents.find((d) => d.id === value.toLowerCase() && piece.kinds.includes(d.kind));
      if (!doc)
        errors.push({ field: piece.field, message: "Ce document n'est plus dans votre espace de stockage : choisissez parmi la liste" });
      else if (doc.validity.kind === 'expired') {
        errors.push({ field: piece.field, message: `${doc.validity.label} : choisissez un document valide ou joignez le fichier` });
      } else chosen.push({ field: piece.field, label: piece.label, documentId: doc.id });
    }
  }
  let status = 400;
  if (uploads.problem) {
    errors.push({ field: 'fichiers', message: uploads.problem.message });
    status = uploads.problem.status;
  } else if (toUpload.length > 0 && uploads.received === 0) {
    errors.push({ field: 'fichiers', message: `Joignez le fichier de : ${toUpload.join(', ').toLowerCase()}` });
  }
  return { errors, status, chosen };
}
