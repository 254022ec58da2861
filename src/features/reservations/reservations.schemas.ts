import { z } from 'zod';
import { daysBetween, frenchDateOutOfRange, outOfRangeMessage, parseDay, parseFrenchDate } from '../../lib/calendar/index.js';
import { HttpError } from '../../lib/errors.js';
import { fieldErrors, formValues, type FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';

/** A repeated form field (checkboxes) as an array of strings, whatever the body parser made of it. */
export function asArray(value: unknown, max = 400): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (list.length > max) throw new BadGridError();
  return list.filter((v): v is string => typeof v === 'string');
}

/** A tampered grid (not something a browser sends): the generic 400 page. */
export class BadGridError extends HttpError {
  constructor() {
    super(400, 'malformed reservation form');
  }
}

/** A real day in the portal's range ('YYYY-MM-DD'), as grids and paths send it. */
export function isRealDay(value: string): boolean {
  return parseDay(value) !== undefined;
}

const dayField = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Saisissez ${what}`)
    .max(20, `Saisissez ${what} au format JJ/MM/AAAA`)
    .transform((v, ctx) => {
      const iso = parseFrenchDate(v);
      if (!iso) {
        const message = frenchDateOutOfRange(v)
          ? outOfRangeMessage(what)
          : `Saisissez ${what} au format JJ/MM/AAAA, par exemple 07/12/2026`;
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return iso;
    });

export const periodicitySchema = z
  .object({
    jours: z.array(z.string().regex(/^[1-7]$/, 'Choisissez des jours de la semaine')).min(1, 'Choisissez au moins un jour de la semaine'),
    du: dayField('la date de début'),
    au: dayField('la date de fin'),
    action: z.enum(['reserver', 'annuler'], { message: 'Choisissez de réserver ou d’annuler ces jours' }),
    freres: z.array(z.string().regex(UUID, 'Choisissez parmi les frères et sœurs proposés')).max(20),
  })
  .superRefine((v, ctx) => {
    if (v.au < v.du)
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin doit être la même que la date de début ou après' });
    else if (daysBetween(v.du, v.au) > 366) {
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'La période ne peut pas dépasser un an' });
    }
  });

export type Periodicity = z.infer<typeof periodicitySchema>;

export type PeriodicityResult =
  | { ok: true; data: Periodicity }
  | { ok: false; errors: FieldError[]; values: Record<string, string>; lists: { jours: string[]; freres: string[] } };

/** The periodicity form: scalar fields plus two lists of checkboxes. */
export function parsePeriodicity(body: unknown): PeriodicityResult {
  const b = (body ?? {}) as Record<string, unknown>;
  const values = formValues(b);
  const lists = { jours: asArray(b.jours, 7), freres: asArray(b.freres, 20) };
  const result = periodicitySchema.safeParse({ du: values.du ?? '', au: values.au ?? '', action: values.action ?? '', ...lists });
  if (result.success) return { ok: true, data: result.data };
  const order = ['jours', 'du', 'au', 'action', 'freres'];
  const errors = fieldErrors(result.error.issues);
  errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  return { ok: false, errors, values, lists };
}

export const GRID_ACTIONS = ['enregistrer', 'tout-cocher', 'tout-decocher', 'recapitulatif'] as const;

/** The grid's post: the days shown (changeable), those ticked, the button, the siblings. */
export function parseGrid(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  const shown = asArray(b.affiches, 62);
  const ticked = asArray(b.jours, 62);
  const freres = asArray(b.freres, 20);
  if (![...shown, ...ticked].every(isRealDay) || !freres.every((f) => UUID.test(f))) throw new BadGridError();
  const values = formValues(b);
  const action = (GRID_ACTIONS as readonly string[]).includes(values.action ?? '')
    ? (values.action as (typeof GRID_ACTIONS)[number])
    : undefined;
  const go = values.aller && /^(mois:\d{4}-\d{2}|semaine:\d{4}-\d{2}-\d{2})$/.test(values.aller) ? values.aller : undefined;
  if (!action && !go) throw new BadGridError();
  return { shown, ticked: new Set(ticked), freres, action: action ?? 'enregistrer', go };
}

export const validateSchema = z.object({
  cle: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

export const decisionSchema = z.object({
  decision: z.enum(['confirmer', 'refuser'], { message: 'Choisissez de confirmer ou de refuser' }),
  motif: z.string().trim().max(500, 'Le motif doit contenir 500 caractères au maximum').optional().default(''),
});

// ------------------------------------------------------------------ agents: activities

const optionalCount = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(6, message)
    .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) <= max), message);
const HOUR = /^([01]\d|2[0-3]):[0-5]\d$/;
/** "2,5" or "2.5" → 2.5. */
export function hoursValue(v: string): number {
  return Number(v.trim().replace(',', '.'));
}
const optionalHour = z
  .string()
  .trim()
  .max(5, "Saisissez l'heure limite au format HH:MM, par exemple 12:00")
  .refine((v) => v === '' || HOUR.test(v), "Saisissez l'heure limite au format HH:MM, par exemple 12:00");

export const activityFormSchema = z
  .object({
    nom: z.string().trim().min(1, "Saisissez le nom de l'activité").max(120, 'Le nom doit contenir 120 caractères au maximum'),
    site: z.string().trim().max(120, 'Le lieu doit contenir 120 caractères au maximum'),
    unite: z
      .string()
      .trim()
      .min(1, 'Saisissez ce qui est réservé, par exemple Repas')
      .max(40, 'Ce champ doit contenir 40 caractères au maximum'),
    du: dayField('la date de début'),
    au: dayField('la date de fin'),
    jours: z.array(z.string().regex(/^[1-7]$/, 'Choisissez des jours de la semaine')).min(1, "Choisissez les jours où l'activité a lieu"),
    periode: z.enum(['school_weeks', 'school_holidays', 'all'], { message: 'Choisissez quand a lieu l’activité' }),
    capacite: optionalCount(10_000, 'La capacité doit être un nombre entier entre 1 et 10 000, ou vide pour ne pas limiter'),
    regle: z.enum(['commune', 'jours', 'bondoufle'], { message: 'Choisissez la règle de réservation' }),
    delai: optionalCount(365, 'Le délai doit être un nombre de jours entre 0 et 365'),
    calendrier: z.enum(['calendar', 'business']).optional(),
    heure: optionalHour,
    delaiMercredi: optionalCount(365, 'Le délai des mercredis doit être un nombre de jours entre 0 et 365'),
    semainesVacances: optionalCount(52, 'Le délai des vacances doit être un nombre de semaines entre 0 et 52'),
    annulation: z.enum(['identique', 'jours'], { message: "Choisissez la règle d'annulation" }),
    delaiAnnulation: optionalCount(365, "Le délai d'annulation doit être un nombre de jours entre 0 et 365"),
    confirmation: z.enum(['immediate', 'agent'], { message: 'Choisissez comment les réservations sont confirmées' }),
    // The CAF's return (docs/statistiques-et-caf.md): a checkbox, then how attendance is counted.
    caf: z.enum(['oui', '']),
    cafUnite: z.enum(['heures', 'actes'], { message: 'Choisissez heures ou actes' }),
    cafHeures: z
      .string()
      .trim()
      .max(5, 'Les heures par jour doivent être un nombre entre 0,25 et 24, par exemple 2,5')
      .refine((v) => v === '' || (/^\d{1,2}([.,]\d{1,2})?$/.test(v) && hoursValue(v) > 0 && hoursValue(v) <= 24), {
        message: 'Les heures par jour doivent être un nombre entre 0,25 et 24, par exemple 2,5',
      }),
  })
  .superRefine((v, ctx) => {
    if (v.au < v.du)
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin doit être la même que la date de début ou après' });
  });

/**
 * Fields required by the choice of another: checked on the raw values, so they are reported
 * together with every other error (zod skips refinements once a field has failed).
 */
function conditionalErrors(v: Record<string, string>): FieldError[] {
  const errors: FieldError[] = [];
  const blank = (k: string) => (v[k] ?? '').trim() === '';
  if (v.capacite?.trim() === '0') {
    errors.push({ field: 'capacite', message: 'La capacité doit être un nombre entier entre 1 et 10 000, ou vide pour ne pas limiter' });
  }
  if (v.regle === 'jours' && blank('delai')) errors.push({ field: 'delai', message: 'Saisissez le délai en jours' });
  if (v.regle === 'jours' && blank('calendrier'))
    errors.push({ field: 'calendrier', message: 'Choisissez jours calendaires ou jours ouvrés' });
  if (v.regle === 'bondoufle' && blank('delaiMercredi'))
    errors.push({ field: 'delaiMercredi', message: 'Saisissez le délai des mercredis en jours' });
  if (v.regle === 'bondoufle' && blank('semainesVacances'))
    errors.push({ field: 'semainesVacances', message: 'Saisissez le délai des vacances en semaines' });
  if (v.annulation === 'jours' && blank('delaiAnnulation'))
    errors.push({ field: 'delaiAnnulation', message: "Saisissez le délai d'annulation en jours" });
  if (v.caf === 'oui' && (v.cafUnite ?? 'heures') === 'heures' && blank('cafHeures'))
    errors.push({ field: 'cafHeures', message: 'Saisissez le nombre d’heures comptées par jour de présence pour la CAF' });
  return errors;
}

export type ActivityForm = z.infer<typeof activityFormSchema>;

const ACTIVITY_FIELDS = [
  'nom',
  'site',
  'unite',
  'du',
  'au',
  'jours',
  'periode',
  'capacite',
  'regle',
  'delai',
  'calendrier',
  'heure',
  'delaiMercredi',
  'semainesVacances',
  'annulation',
  'delaiAnnulation',
  'confirmation',
  'caf',
  'cafUnite',
  'cafHeures',
];

export function parseActivityForm(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  const values = formValues(b);
  const jours = asArray(b.jours, 7);
  const result = activityFormSchema.safeParse({
    nom: '',
    unite: '',
    du: '',
    au: '',
    ...values,
    jours,
    site: values.site ?? '',
    capacite: values.capacite ?? '',
    delai: values.delai ?? '',
    heure: values.heure ?? '',
    delaiMercredi: values.delaiMercredi ?? '',
    semainesVacances: values.semainesVacances ?? '',
    delaiAnnulation: values.delaiAnnulation ?? '',
    caf: values.caf ?? '',
    cafUnite: values.cafUnite ?? 'heures',
    cafHeures: values.cafHeures ?? '',
  });
  const extra = conditionalErrors(values);
  if (result.success && extra.length === 0) return { ok: true as const, data: result.data };
  const errors = fieldErrors(result.success ? [] : result.error.issues, extra);
  errors.sort((a, c) => ACTIVITY_FIELDS.indexOf(a.field) - ACTIVITY_FIELDS.indexOf(c.field));
  return { ok: false as const, errors, values, jours };
}

export const enrolmentFormSchema = z
  .object({
    enfant: z.string().regex(UUID, "Choisissez l'enfant à inscrire"),
    du: dayField('la date de début'),
    au: dayField('la date de fin'),
  })
  .superRefine((v, ctx) => {
    if (v.au < v.du)
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin doit être la même que la date de début ou après' });
  });
