import { addDays, formatDate, parseFrenchDate } from '../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';
import type { UploadProblem } from '../../middleware/upload.js';
import { parseQf } from '../tariff-simulation/simulation.js';

/**
 * The parent's QF declaration form (multipart: the value, its date of effect, the documents
 * chosen from the storage, the uploaded files). Pure: reads everything at once, every error
 * together, with what to show again.
 */

/** How far from today a date of effect may be: a year either side (a letter of last year, next year's campaign). */
export const EFFECT_WINDOW_DAYS = 366;

export interface Declaration {
  qf: number;
  effectiveFrom: string;
  storedDocumentIds: string[];
}

export type DeclarationForm =
  | { ok: true; data: Declaration; values: Record<string, string>; stockage: string[] }
  | { ok: false; errors: FieldError[]; status: number; values: Record<string, string>; stockage: string[] };

export const MISSING_PIECE =
  'Joignez votre attestation de quotient familial : ajoutez un fichier ou choisissez un document de votre espace de stockage';

export function readDeclaration(body: unknown, today: string, uploads: { received: number; problem?: UploadProblem }): DeclarationForm {
  const raw = (body ?? {}) as Record<string, unknown>;
  const all = formValues(body);
  const values = { qf: all.qf ?? '', dateEffet: all.dateEffet ?? '' };
  const list = Array.isArray(raw.stockage) ? raw.stockage : raw.stockage === undefined ? [] : [raw.stockage];
  const stockage = list.filter((v): v is string => typeof v === 'string').slice(0, 20);
  const errors: FieldError[] = [];

  const qf = values.qf.trim() === '' ? null : parseQf(values.qf);
  if (qf === null) errors.push({ field: 'qf', message: 'Saisissez votre quotient familial, en euros, tel qu’il figure sur l’attestation' });
  else if (!qf.ok) errors.push({ field: 'qf', message: qf.message });

  let effectiveFrom: string | undefined;
  if (!values.dateEffet.trim()) errors.push({ field: 'dateEffet', message: 'Saisissez la date d’effet du quotient familial' });
  else {
    effectiveFrom = parseFrenchDate(values.dateEffet);
    const from = addDays(today, -EFFECT_WINDOW_DAYS);
    const to = addDays(today, EFFECT_WINDOW_DAYS);
    if (!effectiveFrom) {
      errors.push({ field: 'dateEffet', message: 'Saisissez la date d’effet au format JJ/MM/AAAA, par exemple 01/01/2027' });
    } else if (effectiveFrom < from || effectiveFrom > to) {
      errors.push({
        field: 'dateEffet',
        message: `La date d’effet doit être comprise entre le ${formatDate(from)} et le ${formatDate(to)}`,
      });
      effectiveFrom = undefined;
    }
  }

  // Only ids this form could have offered; anything else is "not in your storage", like a document deleted since.
  const stored = [...new Set(stockage.map((id) => id.toLowerCase()))];
  const badId = stored.some((id) => !UUID.test(id));
  let status = 400;
  if (uploads.problem) {
    errors.push({ field: 'fichiers', message: uploads.problem.message });
    status = uploads.problem.status;
  } else if (uploads.received === 0 && stored.length === 0) {
    errors.push({ field: 'fichiers', message: MISSING_PIECE });
  } else if (badId) {
    errors.push({ field: 'stockage', message: "Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste" });
  }
  if (errors.length > 0 || !qf?.ok || qf.qf === null || !effectiveFrom) return { ok: false, errors, status, values, stockage };
  return {
    ok: true,
    data: { qf: qf.qf, effectiveFrom, storedDocumentIds: stored },
    values,
    stockage,
  };
}
