import { formatDate, parseFrenchDate } from '../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';
import { CONTROL } from '../../lib/zod-fields.js';
import type { UploadProblem } from '../../middleware/upload.js';
import type { OfferActivity } from '../../repositories/enrolment.repository.js';
import type { Application } from './enrolment.service.js';

/**
 * The "Inscrire mon enfant" form (multipart: the child, the period and days, the answers,
 * a choice per required piece — a stored document or the uploaded files — and the files).
 * Pure: every error together, with what to show again.
 */

/** The service's application, but the files: the upload middleware hands those over. */
export type ApplicationForm = Omit<Application, 'uploads'>;

export type ReadApplication =
  | { ok: true; data: ApplicationForm; values: Record<string, string>; jours: string[] }
  | { ok: false; errors: FieldError[]; status: number; values: Record<string, string>; jours: string[] };

export function readApplication(
  body: unknown,
  activity: OfferActivity,
  uploads: { received: number; problem?: UploadProblem },
): ReadApplication {
  const raw = (body ?? {}) as Record<string, unknown>;
  const values = formValues(body);
  const list = Array.isArray(raw.jours) ? raw.jours : raw.jours === undefined ? [] : [raw.jours];
  const jours = list.filter((v): v is string => typeof v === 'string').slice(0, 7);
  const errors: FieldError[] = [];
  let status = 400;

  const childId = (values.enfant ?? '').toLowerCase();
  if (!UUID.test(childId)) errors.push({ field: 'enfant', message: "Choisissez l'enfant à inscrire" });

  const day = (field: 'du' | 'au', what: string) => {
    const typed = (values[field] ?? '').trim();
    const parsed = typed ? parseFrenchDate(typed) : undefined;
    if (!typed) errors.push({ field, message: `Saisissez ${what}` });
    else if (!parsed)
      errors.push({ field, message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple ${formatDate(activity.startDate)}` });
    return parsed;
  };
  const startDate = day('du', 'le premier jour');
  const endDate = day('au', 'le dernier jour');
  if (startDate && endDate && endDate < startDate)
    errors.push({ field: 'au', message: 'Le dernier jour doit être le même que le premier jour ou après' });

  const weekdays = [...new Set(jours.map(Number))].filter((n) => activity.weekdays.includes(n)).sort();
  if (weekdays.length !== new Set(jours).size) errors.push({ field: 'jours', message: "Choisissez les jours parmi ceux de l'activité" });

  let pai: 'oui' | 'non' | null = null;
  if (activity.asksPai) {
    if (values.pai === 'oui' || values.pai === 'non') pai = values.pai;
    else errors.push({ field: 'pai', message: "Indiquez si l'enfant a un projet d'accueil individualisé (PAI)" });
  }
  let diet: string | null = null;
  if (activity.asksDiet) {
    diet = (values.regime ?? '').trim();
    if (diet.length > 500) errors.push({ field: 'regime', message: 'Le régime alimentaire doit comporter 500 caractères au maximum' });
    else if (CONTROL.test(diet))
      errors.push({ field: 'regime', message: "Le régime alimentaire contient un caractère qui n'est pas accepté : retirez-le" });
  }

  const pieces: Record<string, string> = {};
  for (const piece of activity.requiredPieces) {
    const v = (values[`piece-${piece.kind}`] ?? '').toLowerCase();
    if (v !== '' && v !== 'fichier' && !UUID.test(v))
      errors.push({
        field: `piece-${piece.kind}`,
        message: "Le document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste",
      });
    else pieces[piece.kind] = v;
  }
  if (uploads.problem) {
    errors.push({ field: 'fichiers', message: uploads.problem.message });
    status = uploads.problem.status;
  }

  if (errors.length > 0 || !startDate || !endDate) return { ok: false, errors, status, values, jours };
  return { ok: true, data: { childId, startDate, endDate, weekdays, pai, diet, pieces }, values, jours };
}
