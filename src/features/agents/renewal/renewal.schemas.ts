import { daysBetween, parseFrenchDate } from '../../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../../lib/forms.js';
import type { CampaignInput } from '../../../repositories/renewal.repository.js';
import { DOCUMENT_KINDS } from '../../renewal/pieces.js';

/**
 * The campaign's form (admins): its title, the next school year, the opening and closing
 * days, the reminders, the activities concerned and the pieces required. Pure: every error
 * at once, with what was typed and ticked to show again.
 */

export type CampaignForm =
  | { ok: true; data: CampaignInput }
  | { ok: false; errors: FieldError[]; values: Record<string, string>; activities: string[]; pieces: string[] };

const FIELDS = ['titre', 'rentree', 'finAnnee', 'ouverture', 'cloture', 'relances'] as const;

function list(value: unknown): string[] {
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((v): v is string => typeof v === 'string').slice(0, 500);
}

function day(values: Record<string, string>, field: string, what: string, errors: FieldError[]): string | undefined {
  const typed = (values[field] ?? '').trim();
  if (!typed) {
    errors.push({ field, message: `Saisissez ${what}` });
    return undefined;
  }
  const iso = parseFrenchDate(typed);
  if (!iso) errors.push({ field, message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple 01/09/2027` });
  return iso;
}

/** `allowedActivities`: the town's activities; any other id is a forged form. */
export function readCampaign(body: unknown, allowedActivities: readonly string[]): CampaignForm {
  const all = formValues(body);
  const values = Object.fromEntries(FIELDS.map((f) => [f, all[f] ?? '']));
  const raw = (body ?? {}) as Record<string, unknown>;
  const activities = list(raw.activites);
  const pieces = list(raw.pieces);
  const errors: FieldError[] = [];

  const title = values.titre!.trim();
  if (!title) errors.push({ field: 'titre', message: 'Saisissez le titre de la campagne' });
  else if (title.length > 120) errors.push({ field: 'titre', message: 'Le titre doit faire 120 caractères au plus' });

  const yearStart = day(values, 'rentree', 'la date de la rentrée', errors);
  const yearEnd = day(values, 'finAnnee', "la date de fin de l'année scolaire", errors);
  if (yearStart && yearEnd && daysBetween(yearStart, yearEnd) <= 0) {
    errors.push({ field: 'finAnnee', message: "La fin de l'année scolaire doit être après la rentrée" });
  }
  const opensOn = day(values, 'ouverture', "la date d'ouverture", errors);
  const closesOn = day(values, 'cloture', 'la date de clôture', errors);
  if (opensOn && closesOn && closesOn < opensOn) {
    errors.push({ field: 'cloture', message: "La clôture doit être le jour de l'ouverture ou après" });
  } else if (closesOn && yearStart && closesOn >= yearStart) {
    errors.push({ field: 'cloture', message: 'La clôture doit être avant la rentrée' });
  }

  const reminderDays: number[] = [];
  const typedReminders = values.relances!.trim();
  if (typedReminders) {
    for (const part of typedReminders.split(/[\s,;]+/).filter(Boolean)) {
      const n = /^\d{1,2}$/.test(part) ? Number(part) : NaN;
      if (!(n >= 1 && n <= 30)) {
        errors.push({
          field: 'relances',
          message: 'Saisissez des nombres de jours entre 1 et 30, séparés par des virgules, par exemple 7, 2',
        });
        break;
      }
      if (!reminderDays.includes(n)) reminderDays.push(n);
    }
  }

  const kinds = DOCUMENT_KINDS.map((k) => k.value as string);
  if (pieces.some((p) => !kinds.includes(p))) errors.push({ field: 'pieces', message: 'Choisissez les pièces dans la liste' });
  if (activities.some((a) => !allowedActivities.includes(a)))
    errors.push({ field: 'activites', message: 'Choisissez les activités dans la liste' });

  if (errors.length > 0 || !yearStart || !yearEnd || !opensOn || !closesOn) return { ok: false, errors, values, activities, pieces };
  return {
    ok: true,
    data: {
      title,
      yearStart,
      yearEnd,
      opensOn,
      closesOn,
      requiredKinds: [...new Set(pieces)],
      reminderDays: reminderDays.sort((a, b) => b - a),
      activityIds: [...new Set(activities)],
    },
  };
}

/** The agent's "incomplet" form: what is missing, said to the family. */
export function readMissing(
  body: unknown,
): { ok: true; message: string } | { ok: false; errors: FieldError[]; values: Record<string, string> } {
  const values = { manque: formValues(body).manque ?? '' };
  const message = values.manque.trim();
  if (!message) return { ok: false, errors: [{ field: 'manque', message: 'Saisissez ce qui manque au dossier, pour la famille' }], values };
  if (message.length > 2000)
    return { ok: false, errors: [{ field: 'manque', message: 'Le message doit faire 2 000 caractères au plus' }], values };
  return { ok: true, message };
}
