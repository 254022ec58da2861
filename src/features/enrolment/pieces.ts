import { dayLabel } from '../../lib/calendar/index.js';
import { count } from '../../lib/french.js';
import type { RequiredPiece } from '../../repositories/enrolment.repository.js';
import { kindLabel } from '../documents/documents.schemas.js';

// The agents' settings list the kinds a piece may be of, through here: the back-office imports
// nothing of the documents feature (documents.structure.test.ts).
export { DOCUMENT_KINDS } from '../documents/documents.schemas.js';

/**
 * Whether a document of the parent's storage can stand for a piece an activity requires:
 * of the right kind, not past its "date limite de validité", and — when the activity says
 * so — issued recently enough (a medical certificate of less than a year). Pure; `today` is
 * the day in Paris from the injected clock.
 */

export interface StoredPiece {
  kind: string;
  issuedOn: string | null;
  validUntil: string | null;
}

export type PieceCheck = { ok: true } | { ok: false; reason: string };

const long = (day: string) => dayLabel(day, { weekday: false, year: true });

/** Whole months from `from` to `to` (both 'YYYY-MM-DD'), a month counted once its day is reached. */
export function monthsBetween(from: string, to: string): number {
  const months = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + (Number(to.slice(5, 7)) - Number(from.slice(5, 7)));
  return to.slice(8, 10) < from.slice(8, 10) ? months - 1 : months;
}

/** "Certificat médical de moins de 12 mois", "Justificatif de domicile". */
export function pieceWords(piece: RequiredPiece): string {
  return piece.maxAgeMonths === null
    ? kindLabel(piece.kind)
    : `${kindLabel(piece.kind)} de moins de ${count(piece.maxAgeMonths, 'mois', 'mois')}`;
}

export function checkStoredPiece(doc: StoredPiece, piece: RequiredPiece, today: string): PieceCheck {
  if (doc.kind !== piece.kind) return { ok: false, reason: `ce document n'est pas un ${kindLabel(piece.kind).toLowerCase()}` };
  if (doc.validUntil !== null && doc.validUntil < today) return { ok: false, reason: `il est expiré depuis le ${long(doc.validUntil)}` };
  if (piece.maxAgeMonths !== null) {
    if (doc.issuedOn === null) return { ok: false, reason: "sa date de délivrance n'est pas renseignée dans votre espace de stockage" };
    if (monthsBetween(doc.issuedOn, today) >= piece.maxAgeMonths)
      return {
        ok: false,
        reason: `il a été délivré le ${long(doc.issuedOn)}, il y a plus de ${count(piece.maxAgeMonths, 'mois', 'mois')}`,
      };
  }
  return { ok: true };
}
