import { addDays, daysBetween, frenchDateOutOfRange, outOfRangeMessage, parseFrenchDate, type DayRange } from '../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../lib/forms.js';
import { DOCUMENT_FIELDS } from '../documents/documents.schemas.js';
import { asArray } from '../reservations/reservations.schemas.js';
import { isPeriodChoice, presetRange, type PeriodChoice } from './absence-dates.js';
import { de } from '../../lib/french.js';

/**
 * Step 1 of "Signaler une absence", apart from the piece's fields (documents.schemas.ts
 * `parseDocumentFields`) and the files (the upload middleware). Field names are the ids of
 * the inputs, and FIELD_ORDER is the form's order, which the error summary follows.
 */
export const FIELD_ORDER = [
  'inscriptions',
  'periode',
  'le',
  'du',
  'au',
  'commentaire',
  'stockage',
  'dupliquer',
  ...DOCUMENT_FIELDS,
  'fichiers',
] as const;

/** An absence covers at most about two months: a longer one is a matter for the services. */
export const MAX_RANGE_DAYS = 62;
/** How far from today an absence may be reported, either way. */
export const MAX_DISTANCE_DAYS = 365;
export const COMMENT_MAX = 2000;

export interface Step1Fields {
  enrolmentIds: string[];
  choice: PeriodChoice;
  range: DayRange;
  comment: string;
  duplicate: boolean;
  storedDocumentIds: string[];
}

export type Step1Result =
  | { ok: true; data: Step1Fields; values: Record<string, string>; lists: Step1Lists }
  | { ok: false; errors: FieldError[]; values: Record<string, string>; lists: Step1Lists };

export interface Step1Lists {
  inscriptions: string[];
  stockage: string[];
}

// Same rule as the piece's one-line fields, but a comment may have line breaks.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function dayOf(typed: string, what: string, errors: FieldError[], field: string): string | undefined {
  if (!typed.trim()) {
    errors.push({ field, message: `Saisissez ${what}` });
    return undefined;
  }
  const iso = typed.length <= 20 ? parseFrenchDate(typed) : undefined;
  if (!iso) {
    const message = frenchDateOutOfRange(typed)
      ? outOfRangeMessage(what)
      : `Saisissez ${what} au format JJ/MM/AAAA, par exemple 16/12/2026`;
    errors.push({ field, message });
  }
  return iso;
}

/**
 * Reads the child's enrolments chosen (`known`: the ids the form offered), the dates, the
 * comment and the storage choices. `today` is the day in Europe/Paris.
 */
export function parseStep1(body: unknown, today: string, known: readonly string[], childFirstNames: string): Step1Result {
  const raw = (body ?? {}) as Record<string, unknown>;
  const all = formValues(body);
  const lists: Step1Lists = { inscriptions: asArray(raw.inscriptions, 50), stockage: asArray(raw.stockage, 50) };
  const values: Record<string, string> = {
    periode: all.periode ?? '',
    le: all.le ?? '',
    du: all.du ?? '',
    au: all.au ?? '',
    commentaire: all.commentaire ?? '',
    dupliquer: all.dupliquer === 'oui' ? 'oui' : '',
  };
  const errors: FieldError[] = [];

  const enrolmentIds = [...new Set(lists.inscriptions)];
  if (enrolmentIds.length === 0) {
    errors.push({ field: 'inscriptions', message: `Choisissez au moins une inscription ${de(childFirstNames)}` });
  } else if (enrolmentIds.some((id) => !known.includes(id))) {
    errors.push({ field: 'inscriptions', message: 'Une inscription choisie n’existe plus : choisissez parmi celles de la liste' });
  }

  let range: DayRange | undefined;
  const choice = values.periode;
  if (!isPeriodChoice(choice)) {
    errors.push({ field: 'periode', message: "Choisissez les dates d'absence" });
  } else if (choice === 'le') {
    const day = dayOf(values.le!, "la date d'absence", errors, 'le');
    if (day) range = { from: day, to: day };
  } else if (choice === 'du-au') {
    const from = dayOf(values.du!, "le premier jour d'absence", errors, 'du');
    const to = dayOf(values.au!, "le dernier jour d'absence", errors, 'au');
    if (from && to) {
      if (to < from) errors.push({ field: 'au', message: "Le dernier jour d'absence doit être le premier jour ou après" });
      else if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) {
        errors.push({
          field: 'au',
          message: `Signalez une absence de ${MAX_RANGE_DAYS} jours au plus : pour une absence plus longue, faites plusieurs signalements ou écrivez aux services`,
        });
      } else range = { from, to };
    }
  } else {
    range = presetRange(choice, today);
  }
  if (range && (range.from < addDays(today, -MAX_DISTANCE_DAYS) || range.to > addDays(today, MAX_DISTANCE_DAYS))) {
    errors.push({
      field: choice === 'du-au' ? 'du' : choice === 'le' ? 'le' : 'periode',
      message: "Les dates d'absence doivent être dans l'année écoulée ou l'année à venir",
    });
    range = undefined;
  }

  const comment = values.commentaire!.trim();
  if (comment.length > COMMENT_MAX) {
    errors.push({ field: 'commentaire', message: `Le commentaire doit comporter ${COMMENT_MAX} caractères au maximum` });
  } else if (CONTROL.test(comment)) {
    errors.push({ field: 'commentaire', message: "Le commentaire contient un caractère qui n'est pas accepté : retirez-le" });
  }

  if (errors.length > 0 || !range || !isPeriodChoice(choice)) return { ok: false, errors, values, lists };
  return {
    ok: true,
    values,
    lists,
    data: {
      enrolmentIds,
      choice,
      range,
      comment,
      duplicate: values.dupliquer === 'oui',
      storedDocumentIds: [...new Set(lists.stockage)],
    },
  };
}

/** The summary lists the errors in the form's order. */
export function sortErrors(errors: FieldError[]): FieldError[] {
  const rank = (f: string) => {
    const i = (FIELD_ORDER as readonly string[]).indexOf(f);
    return i === -1 ? FIELD_ORDER.length : i;
  };
  return [...errors].sort((a, b) => rank(a.field) - rank(b.field));
}
