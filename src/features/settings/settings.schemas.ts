import { z } from 'zod';
import { contrastWithWhite, darkenForWhiteText, formatRatio, MIN_CONTRAST_WITH_WHITE, normaliseHexColour } from '../../lib/contrast.js';
import { normalisePhone } from '../../lib/phones.js';
import { daysBetween, parseFrenchDate } from '../../lib/calendar/index.js';

/**
 * One schema per settings form. Field name = input id = zod key. Every field defaults to
 * '' when missing (prefault runs the checks on it), so a tampered post gets the same
 * French messages as an empty field, never zod's English ones.
 */

export const text = (max: number, tooLong: string) => z.string().trim().max(max, tooLong).prefault('');
export const required = (max: number, missing: string, tooLong: string) => z.string().trim().min(1, missing).max(max, tooLong).prefault('');

/** Windows line ends from the textarea become \n, so the stored text compares and splits the same everywhere. */
export const paragraphs = (max: number, missing: string, tooLong: string) =>
  z
    .string()
    .prefault('')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1, missing).max(max, tooLong));

// ------------------------------------------------------------------ the town

export const COLOUR_FORMAT_MESSAGE =
  'Saisissez la couleur au format #rrggbb : un dièse suivi de 6 chiffres hexadécimaux, par exemple #1f4e79';

export function lowContrastMessage(colour: string): string {
  return (
    `La couleur ${colour} est trop claire : le texte blanc de l’en-tête et des boutons n’y serait pas lisible ` +
    `(contraste de ${formatRatio(contrastWithWhite(colour))} avec le blanc, il faut au moins 4,5:1). Choisissez une couleur plus foncée, par exemple ${darkenForWhiteText(colour)}`
  );
}

export const townFormSchema = z.object({
  nom: required(120, 'Saisissez le nom de la commune', 'Le nom doit contenir 120 caractères au maximum'),
  couleur: z
    .string()
    .prefault('')
    .transform((v, ctx) => {
      if (v.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'Saisissez la couleur de la commune, par exemple #1f4e79' });
        return z.NEVER;
      }
      const colour = normaliseHexColour(v);
      if (!colour) {
        ctx.addIssue({ code: 'custom', message: COLOUR_FORMAT_MESSAGE });
        return z.NEVER;
      }
      if (contrastWithWhite(colour) < MIN_CONTRAST_WITH_WHITE) {
        ctx.addIssue({ code: 'custom', message: lowContrastMessage(colour) });
        return z.NEVER;
      }
      return colour;
    }),
  accueil: z
    .string()
    .prefault('')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(2000, 'Le texte d’accueil doit contenir 2 000 caractères au maximum')),
});
export type TownForm = z.infer<typeof townFormSchema>;

// ------------------------------------------------------------------ services

const EMAIL_MESSAGE = 'Saisissez une adresse de courriel valide, par exemple enfance@mairie.fr';

export const serviceFormSchema = z.object({
  nom: required(120, 'Saisissez le nom du service', 'Le nom doit contenir 120 caractères au maximum'),
  adresse: text(200, 'L’adresse doit contenir 200 caractères au maximum'),
  telephone: z
    .string()
    .prefault('')
    .transform((v, ctx) => {
      const phone = normalisePhone(v);
      if (!phone.ok) {
        ctx.addIssue({ code: 'custom', message: 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 34 46' });
        return z.NEVER;
      }
      return phone.value;
    }),
  courriel: text(254, 'L’adresse de courriel doit contenir 254 caractères au maximum').refine(
    (v) => v === '' || z.regexes.email.test(v),
    EMAIL_MESSAGE,
  ),
});
export type ServiceForm = z.infer<typeof serviceFormSchema>;

export const moveSchema = z.object({ sens: z.enum(['haut', 'bas']) });

// ------------------------------------------------------------------ passwords and activation

export const POLICY_MIN_LENGTH = 8;
export const POLICY_MAX_LENGTH = 64;
export const ACTIVATION_DELAY_MAX_HOURS = 720;

const integerBetween = (min: number, max: number, message: string) =>
  z
    .string()
    .trim()
    .prefault('')
    .refine((v) => /^\d{1,4}$/.test(v) && Number(v) >= min && Number(v) <= max, message)
    .transform(Number);

const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'oui');

export const accountsFormSchema = z.object({
  longueurMin: integerBetween(
    POLICY_MIN_LENGTH,
    POLICY_MAX_LENGTH,
    `La longueur minimale doit être un nombre entier entre ${POLICY_MIN_LENGTH} et ${POLICY_MAX_LENGTH}`,
  ),
  majuscule: checkbox,
  minuscule: checkbox,
  chiffre: checkbox,
  delaiActivation: integerBetween(
    1,
    ACTIVATION_DELAY_MAX_HOURS,
    `Le délai d’activation doit être un nombre entier d’heures ouvrées entre 1 et ${ACTIVATION_DELAY_MAX_HOURS}`,
  ),
});
export type AccountsForm = z.infer<typeof accountsFormSchema>;

// ------------------------------------------------------------------ calendar

/** A period longer than this is a typing error (an extra year), and would slow every business-hours count. */
const MAX_PERIOD_DAYS = 366;

const dayField = (what: string) =>
  z
    .string()
    .trim()
    .prefault('')
    .transform((v, ctx) => {
      if (v === '') {
        ctx.addIssue({ code: 'custom', message: `Saisissez ${what}` });
        return z.NEVER;
      }
      const iso = v.length <= 20 ? parseFrenchDate(v) : undefined;
      if (!iso || iso < '2000-01-01' || iso > '2099-12-31') {
        ctx.addIssue({ code: 'custom', message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple 21/12/2026` });
        return z.NEVER;
      }
      return iso;
    });

export const closureFormSchema = z
  .object({
    type: z.enum(['closure', 'school_holiday'], { error: 'Choisissez le type de période : fermeture des services ou vacances scolaires' }),
    libelle: required(
      120,
      'Saisissez le libellé de la période, par exemple Vacances de Noël',
      'Le libellé doit contenir 120 caractères au maximum',
    ),
    du: dayField('le premier jour'),
    au: dayField('le dernier jour'),
  })
  .superRefine((v, ctx) => {
    if (v.au < v.du) {
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'Le dernier jour doit être le même que le premier jour ou après' });
    } else if (daysBetween(v.du, v.au) >= MAX_PERIOD_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'Une période ne peut pas dépasser un an : saisissez-la en plusieurs fois' });
    }
  });
export type ClosureForm = z.infer<typeof closureFormSchema>;

// ------------------------------------------------------------------ legal texts

export const TEXT_MAX_LENGTH = 50_000;

export const textFormSchema = z.object({
  texte: paragraphs(TEXT_MAX_LENGTH, 'Saisissez le texte', 'Le texte doit contenir 50 000 caractères au maximum'),
});
