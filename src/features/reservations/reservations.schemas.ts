import { z } from 'zod';
import { HttpError } from '../../lib/errors.js';
import type { FieldError } from '../../lib/forms.js';
import { formValues } from '../../lib/forms.js';

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

export const ISO_DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isRealDay(value: string): boolean {
  if (!ISO_DAY.test(value)) return false;
  const d = new Date(`${value}T12:00:00Z`);
  return d.toISOString().slice(0, 10) === value;
}

/** "13/12/2026", "13/12/26" is refused; "2026-12-13" (a date input) is accepted. */
export function parseFrenchDay(typed: string): string | undefined {
  const value = typed.trim();
  if (isRealDay(value)) return value;
  const m = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isRealDay(iso) ? iso : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const dayField = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Saisissez ${what}`)
    .max(20, `Saisissez ${what} au format JJ/MM/AAAA`)
    .transform((v, ctx) => {
      const iso = parseFrenchDay(v);
      if (!iso) {
        ctx.addIssue({ code: 'custom', message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple 07/12/2026` });
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
    else if (new Date(`${v.au}T12:00:00Z`).getTime() - new Date(`${v.du}T12:00:00Z`).getTime() > 366 * 86_400_000) {
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
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ field, message: issue.message });
  }
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
