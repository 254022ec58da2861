import { formatDate, formatTime, parisInstant, parseFrenchDate } from '../../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../../lib/forms.js';
import { CONTROL, CONTROL_OR_BIDI } from '../../../lib/zod-fields.js';
import { SCHOOL_LEVELS, type EnrolmentSettings, type SchoolLevel } from '../../../repositories/enrolment.repository.js';
import { DOCUMENT_KINDS } from '../../enrolment/pieces.js';

/**
 * The agents' "Inscription en ligne" form of an activity: what the public offer says of it,
 * who may enrol, the pieces and questions, the enrolment period and fair allocation. Read by
 * hand (several fields depend on each other), every error together, in the form's order.
 */

/** The kinds an activity may require (an absence's justificatif makes no sense here). */
export const PIECE_KINDS = DOCUMENT_KINDS.filter((k) => k.value !== 'justificatif_absence');

export const FIELDS = [
  'service',
  'description',
  'ageMin',
  'ageMax',
  'niveaux',
  ...PIECE_KINDS.map((k) => `mois-${k.value}`),
  'ouverture',
  'ouvertureHeure',
  'cloture',
  'clotureHeure',
  'fenetre',
];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The ticked values, each once: a forged form repeating a piece would ask the parents for it twice. */
function list(raw: unknown, max: number): string[] {
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return [...new Set(all.filter((v): v is string => typeof v === 'string'))].slice(0, max);
}

export type SettingsForm =
  | { ok: true; data: EnrolmentSettings }
  | { ok: false; errors: FieldError[]; values: Record<string, string>; niveaux: string[]; pieces: string[] };

export function readSettingsForm(body: unknown): SettingsForm {
  const raw = (body ?? {}) as Record<string, unknown>;
  const values = formValues(body);
  const v = (k: string) => (values[k] ?? '').trim();
  const niveaux = list(raw.niveaux, 8);
  const pieces = list(raw.pieces, PIECE_KINDS.length);
  const errors: FieldError[] = [];

  const service = v('service');
  if (service.length > 80) errors.push({ field: 'service', message: 'Le service doit comporter 80 caractères au maximum' });
  else if (CONTROL_OR_BIDI.test(service))
    errors.push({ field: 'service', message: "Le service contient un caractère qui n'est pas accepté : retirez-le" });
  const description = (values.description ?? '').trim().replace(/\r\n/g, '\n');
  if (description.length > 2000)
    errors.push({ field: 'description', message: 'La description doit comporter 2 000 caractères au maximum' });
  else if (CONTROL.test(description.replace(/\n/g, '')))
    errors.push({ field: 'description', message: "La description contient un caractère qui n'est pas accepté : retirez-le" });

  const age = (field: string, what: string): number | null => {
    const s = v(field);
    if (s === '') return null;
    if (!/^\d{1,2}$/.test(s) || Number(s) > 25) {
      errors.push({ field, message: `${what} est un nombre d'années entre 0 et 25, par exemple 6` });
      return null;
    }
    return Number(s);
  };
  const minAge = age('ageMin', "L'âge minimum");
  const maxAge = age('ageMax', "L'âge maximum");
  if (minAge !== null && maxAge !== null && minAge > maxAge)
    errors.push({ field: 'ageMax', message: "L'âge maximum doit être le même que l'âge minimum ou plus" });

  const levels = niveaux.filter((n): n is SchoolLevel => (SCHOOL_LEVELS as readonly string[]).includes(n));
  if (levels.length !== niveaux.length) errors.push({ field: 'niveaux', message: 'Choisissez les classes dans la liste' });

  const kinds = PIECE_KINDS.map((k) => k.value as string);
  const requiredPieces = pieces
    .filter((p) => kinds.includes(p))
    .map((kind) => {
      const field = `mois-${kind}`;
      const s = v(field);
      if (s === '') return { kind, maxAgeMonths: null };
      if (!/^\d{1,3}$/.test(s) || Number(s) < 1 || Number(s) > 120) {
        errors.push({ field, message: 'Saisissez une ancienneté en mois entre 1 et 120, par exemple 12, ou laissez vide' });
        return { kind, maxAgeMonths: null };
      }
      return { kind, maxAgeMonths: Number(s) };
    });
  if (requiredPieces.length !== pieces.length)
    errors.push({ field: `mois-${PIECE_KINDS[0]!.value}`, message: 'Choisissez les pièces dans la liste' });

  const instant = (dayField: string, timeField: string, what: string): Date | null => {
    const d = v(dayField);
    const t = v(timeField);
    if (d === '' && t === '') return null;
    const day = parseFrenchDate(d);
    if (!day) {
      errors.push({ field: dayField, message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple 10/01/2027` });
      return null;
    }
    if (t !== '' && !TIME.test(t)) {
      errors.push({ field: timeField, message: `Saisissez l'heure au format HH:MM, par exemple 09:00` });
      return null;
    }
    return parisInstant(day, t === '' ? '00:00' : t);
  };
  const opensAt = instant('ouverture', 'ouvertureHeure', "la date d'ouverture");
  const closesAt = instant('cloture', 'clotureHeure', 'la date de clôture');
  if (closesAt && !opensAt && !errors.some((e) => e.field.startsWith('ouverture')))
    errors.push({ field: 'ouverture', message: "Saisissez la date d'ouverture des inscriptions, avant leur clôture" });
  if (opensAt && closesAt && closesAt <= opensAt)
    errors.push({ field: 'cloture', message: "La clôture doit être après l'ouverture des inscriptions" });

  let fairWindowMinutes: number | null = null;
  if (values.attribution === 'oui') {
    const s = v('fenetre');
    if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 10080)
      errors.push({ field: 'fenetre', message: 'Saisissez la durée de la première fenêtre en minutes, entre 1 et 10 080, par exemple 60' });
    else fairWindowMinutes = Number(s);
    if (!opensAt && !errors.some((e) => e.field.startsWith('ouverture')))
      errors.push({ field: 'ouverture', message: "L'attribution équitable compte depuis l'ouverture : saisissez sa date et son heure" });
  }

  if (errors.length > 0) {
    errors.sort((a, b) => FIELDS.indexOf(a.field) - FIELDS.indexOf(b.field));
    return { ok: false, errors, values, niveaux, pieces };
  }
  return {
    ok: true,
    data: {
      service,
      description,
      minAge,
      maxAge,
      schoolLevels: levels,
      requiredPieces,
      asksPai: values.pai === 'oui',
      asksDiet: values.regime === 'oui',
      enrolmentOpensAt: opensAt,
      enrolmentClosesAt: closesAt,
      fairWindowMinutes,
    },
  };
}

/** Saved settings as the form shows them. */
export function settingsValues(s: EnrolmentSettings): { values: Record<string, string>; niveaux: string[]; pieces: string[] } {
  const values: Record<string, string> = {
    service: s.service,
    description: s.description,
    ageMin: s.minAge === null ? '' : String(s.minAge),
    ageMax: s.maxAge === null ? '' : String(s.maxAge),
    pai: s.asksPai ? 'oui' : '',
    regime: s.asksDiet ? 'oui' : '',
    attribution: s.fairWindowMinutes === null ? '' : 'oui',
    fenetre: s.fairWindowMinutes === null ? '60' : String(s.fairWindowMinutes),
  };
  for (const p of s.requiredPieces) values[`mois-${p.kind}`] = p.maxAgeMonths === null ? '' : String(p.maxAgeMonths);
  for (const [day, time, at] of [
    ['ouverture', 'ouvertureHeure', s.enrolmentOpensAt],
    ['cloture', 'clotureHeure', s.enrolmentClosesAt],
  ] as const) {
    if (at) {
      values[day] = formatDate(at);
      values[time] = formatTime(at);
    }
  }
  return { values, niveaux: [...s.schoolLevels], pieces: s.requiredPieces.map((p) => p.kind) };
}
