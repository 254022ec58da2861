import { z } from 'zod';
import { frenchDateOutOfRange, parseFrenchDate } from '../../../lib/calendar/index.js';
import { parseScaled } from '../../../lib/french-numbers.js';
import { UUID } from '../../../lib/ids.js';
import { line, required } from '../../../lib/zod-fields.js';

/**
 * The forms of the régie's setup (issue 14): a régie, the town's billing settings, a
 * family's QF and its payer. Field name = input id = zod key. Numbers are typed the French
 * way ("12,50", "30 %") and read exactly into integers (cents, basis points).
 */

/** A French decimal with at most `decimals` digits after the comma, scaled to an integer, within [0, max]. */
export function scaledField(o: { empty?: string; invalid: string; decimals: number; unit?: '€' | '%'; max: number }) {
  // A missing field reads as an empty one: refused when `empty` says it is required, 0 otherwise.
  return z
    .string({ error: o.invalid })
    .optional()
    .transform((typed, ctx) => {
      const v = (typed ?? '').trim();
      if (v.length > 30) {
        ctx.addIssue({ code: 'custom', message: o.invalid });
        return z.NEVER;
      }
      if (v === '' && o.empty) {
        ctx.addIssue({ code: 'custom', message: o.empty });
        return z.NEVER;
      }
      const n = v === '' ? 0 : parseScaled(v, o.decimals, o.unit);
      if (n === undefined || n > o.max) {
        ctx.addIssue({ code: 'custom', message: o.invalid });
        return z.NEVER;
      }
      return n;
    });
}

/** A date typed as JJ/MM/AAAA (or AAAA-MM-JJ), as 'YYYY-MM-DD'; `example` is the date the messages show. */
export function dayField(what: string, example = '01/09/2026') {
  return z
    .string({ error: `Saisissez ${what}` })
    .trim()
    .min(1, `Saisissez ${what}`)
    .max(20, `Saisissez ${what} au format JJ/MM/AAAA, par exemple ${example}`)
    .transform((v, ctx) => {
      const day = parseFrenchDate(v);
      if (!day) {
        ctx.addIssue({
          code: 'custom',
          message: frenchDateOutOfRange(v)
            ? `Saisissez ${what} entre 1900 et 2200`
            : `Saisissez ${what} au format JJ/MM/AAAA, par exemple ${example}`,
        });
        return z.NEVER;
      }
      return day;
    });
}

export const REGIE_CODE_MESSAGE = 'Le code compte de 2 à 10 lettres majuscules ou chiffres, sans espace ni accent, par exemple ENF';

export const regieSchema = z.object({
  nom: required('Saisissez le nom de la régie', line('Le nom de la régie', 120)),
  code: required(
    'Saisissez le code de la régie',
    z
      .string()
      .transform((v) => v.toUpperCase())
      .refine((v) => /^[A-Z0-9]{2,10}$/.test(v), REGIE_CODE_MESSAGE),
  ),
});

/** The activities ticked on the régie's form (checkboxes: one value or several); anything but an id is a forged form. */
export function tickedActivities(body: unknown): string[] | undefined {
  const raw = (body as Record<string, unknown> | undefined)?.activites;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > 500 || list.some((v) => typeof v !== 'string' || !UUID.test(v))) return undefined;
  return list as string[];
}

const POSTAL_CODES_MESSAGE = 'Saisissez des codes postaux de cinq chiffres, séparés par des virgules, par exemple 14400, 14401';

export const billingSettingsSchema = z.object({
  majoration: scaledField({
    empty: 'Saisissez la majoration des repas pris sans réservation, par exemple 30',
    invalid: 'La majoration est un pourcentage de 0 à 1 000, par exemple 30 ou 12,5',
    decimals: 2,
    unit: '%',
    max: 100_000,
  }),
  jourEcheance: z
    .string({ error: 'Saisissez le jour d’échéance, de 1 à 28' })
    .trim()
    .min(1, 'Saisissez le jour d’échéance, de 1 à 28')
    .refine((v) => /^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= 28, 'Le jour d’échéance est un nombre de 1 à 28')
    .transform(Number),
  codesPostaux: z
    .string()
    .max(2000, POSTAL_CODES_MESSAGE)
    .optional()
    .default('')
    .transform((v, ctx) => {
      const codes = v.split(/[\s,;]+/).filter((c) => c !== '');
      if (codes.some((c) => !/^\d{5}$/.test(c))) {
        ctx.addIssue({ code: 'custom', message: POSTAL_CODES_MESSAGE });
        return z.NEVER;
      }
      return [...new Set(codes)];
    }),
});

export const QF_SOURCES = [
  { value: 'agent', label: 'Calculé ou saisi par les services' },
  { value: 'caf', label: 'Attestation de la CAF (ou de la MSA)' },
] as const;

export const quotientSchema = z.object({
  qf: scaledField({
    empty: 'Saisissez le quotient familial, en euros, par exemple 850',
    invalid: 'Le quotient familial est un nombre entier d’euros, de 0 à 100 000, par exemple 850',
    decimals: 0,
    unit: '€',
    max: 100_000,
  }),
  dateEffet: dayField('la date d’effet'),
  source: z.enum(['agent', 'caf'], { error: 'Choisissez d’où vient ce quotient familial' }),
});

export const payerSchema = z.object({
  payeur: z
    .string({ error: 'Choisissez qui paie les factures' })
    .refine((v) => v === '' || UUID.test(v), 'Choisissez qui paie les factures dans la liste'),
  separee: z.literal('oui', { error: 'Cochez la case ou laissez-la vide' }).optional(),
});
