import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../lib/audit.js';
import { DAY_RANGE_TEXT, frenchDateOutOfRange, looksLikeFrenchDate, parseFrenchDate } from '../../lib/calendar/index.js';
import { UUID } from '../../lib/ids.js';
import { CONTROL, line, required } from '../../lib/zod-fields.js';
import { challengeFields } from '../auth/sign-in-form.js';

/**
 * The back-office forms of issue 4 (accounts to activate, the team, the audit log's
 * filters). Field name = input id = zod key, in the form's order. A field missing from
 * the body gets the same French message as an empty one.
 */

// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const LINK_FAMILY_MESSAGE = 'Choisissez le dossier famille auquel rattacher le compte';

/** "Activer" with an existing family file: the file chosen among the search results. */
export const linkFamilySchema = z.object({
  dossier: z.string({ error: LINK_FAMILY_MESSAGE }).regex(UUID, LINK_FAMILY_MESSAGE),
});

export const REFUSAL_MAX = 1000;

export const refuseSchema = z.object({
  motif: z
    .string({ error: 'Saisissez le motif du refus' })
    .trim()
    .min(1, 'Saisissez le motif du refus')
    .max(REFUSAL_MAX, `Le motif doit comporter ${REFUSAL_MAX.toLocaleString('fr-FR')} caractères au maximum`)
    .refine((v) => !CONTROL_EXCEPT_NEWLINES.test(v), "Le motif contient un caractère qui n'est pas accepté : retirez-le"),
});

/** A search box: trimmed, bounded, one line. Anything else is treated as no search. */
export function searchText(value: unknown, max = 100): string {
  if (typeof value !== 'string') return '';
  const v = value.trim().slice(0, max);
  return CONTROL.test(v) ? '' : v;
}

/** `?page=` as a page number from 1, anything else is page 1. */
export function pageNumber(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : 1;
  return n >= 1 ? n : 1;
}

// ---------------------------------------------------------------- signing in

/** The back-office's sign-in, with the security check it may ask for after failed attempts. */
export const agentSignInSchema = z.object({
  identifiant: z.string().trim().min(1, "Saisissez votre nom d'utilisateur").max(100, "Le nom d'utilisateur est trop long"),
  motDePasse: z.string().min(1, 'Saisissez votre mot de passe').max(1024, 'Le mot de passe est trop long'),
  ...challengeFields,
});

// ---------------------------------------------------------------- the team

export const newAgentSchema = z.object({
  nom: required("Saisissez le nom de l'agent", line("Le nom de l'agent", 100)),
  nomUtilisateur: required("Saisissez un nom d'utilisateur", line("Le nom d'utilisateur", 100)),
  courriel: z
    .string()
    .trim()
    .max(254, "L'adresse de courriel doit comporter 254 caractères au maximum")
    .refine(
      (v) => v === '' || /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/.test(v),
      'Saisissez une adresse de courriel valide, comme nom@exemple.fr',
    )
    .optional()
    .default(''),
  role: z.enum(['agent', 'admin'], { error: 'Choisissez le rôle de l’agent' }),
  motDePasse: z
    .string({ error: 'Saisissez un mot de passe' })
    .min(1, 'Saisissez un mot de passe')
    .max(1024, 'Le mot de passe est trop long'),
  confirmation: z
    .string({ error: 'Confirmez le mot de passe' })
    .min(1, 'Confirmez le mot de passe')
    .max(1024, 'Le mot de passe est trop long'),
});

// ---------------------------------------------------------------- audit log filters

const dateFilter = (subject: string) =>
  z
    .string()
    .trim()
    .max(20, `${subject} doit être une date réelle, comme 21/11/2026`)
    .refine((v) => v === '' || looksLikeFrenchDate(v), `${subject} doit être une date réelle, comme 21/11/2026`)
    .refine((v) => !frenchDateOutOfRange(v), `${subject} doit être ${DAY_RANGE_TEXT}`)
    .refine((v) => v === '' || parseFrenchDate(v) !== undefined, `${subject} doit être une date réelle, comme 21/11/2026`)
    .optional()
    .default('');

export const journalFilterSchema = z
  .object({
    action: z
      .string()
      .refine((v) => v === '' || Object.hasOwn(AUDIT_ACTIONS, v), 'Choisissez une action de la liste')
      .optional()
      .default(''),
    agent: z
      .string()
      .refine((v) => v === '' || UUID.test(v), 'Choisissez un agent de la liste')
      .optional()
      .default(''),
    du: dateFilter('La date de début'),
    au: dateFilter('La date de fin'),
  })
  .superRefine((f, ctx) => {
    const from = f.du ? parseFrenchDate(f.du) : undefined;
    const to = f.au ? parseFrenchDate(f.au) : undefined;
    if (from && to && to < from)
      ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin doit être la même que la date de début ou après' });
  });
export type JournalFilter = z.infer<typeof journalFilterSchema>;
