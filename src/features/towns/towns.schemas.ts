import { z } from 'zod';
import { line, optionalEmail, required } from '../../lib/zod-fields.js';

/**
 * A new town, as the command line and the operators' page "Ajouter une commune" both take it
 * (one schema, two front ends). Field name = input id = zod key.
 */

/**
 * The first path segments the app itself answers outside any town: a town with one of these
 * slugs could never be reached (or would shadow the operators' pages).
 */
export const RESERVED_SLUGS = new Set(['exploitation', 'public', 'healthz', 'readyz', 'fournisseur-identite-de-test', 'favicon.ico']);

export const SLUG_RULE = 'De 2 à 41 caractères : lettres minuscules sans accent, chiffres et tirets, en commençant par une lettre';

export const slugField = required(
  "Saisissez l'identifiant de la commune dans les adresses",
  z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,40}$/, `L'identifiant ne convient pas. ${SLUG_RULE}, par exemple saint-lo`)
    .refine((v) => !v.endsWith('-') && !v.includes('--'), "L'identifiant ne doit ni finir par un tiret ni en contenir deux de suite")
    .refine((v) => !RESERVED_SLUGS.has(v), 'Cet identifiant est réservé par le portail : choisissez-en un autre'),
);

export const newTownSchema = z.object({
  slug: slugField,
  nom: required('Saisissez le nom de la commune', line('Le nom de la commune', 120)),
  nomUtilisateur: z.string({ error: "Saisissez un nom d'utilisateur" }).trim(),
  motDePasse: z.string({ error: 'Saisissez un mot de passe' }),
  courriel: optionalEmail().optional().default(''),
});

export type NewTownInput = z.infer<typeof newTownSchema>;

/** Removal: the slug typed again, as the confirmation. */
export const removeTownSchema = z.object({
  confirmation: z.string({ error: "Saisissez l'identifiant de la commune pour confirmer" }).trim(),
});
