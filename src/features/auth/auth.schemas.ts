import { z } from 'zod';
import { parseForm, type FormResult } from '../../lib/forms.js';
import { challengeFields } from './sign-in-form.js';

const text = (max: number) => z.string().trim().max(max, `Ce champ doit contenir ${max} caractères au maximum`);

export const signInSchema = z.object({
  identifiant: text(254).min(1, 'Saisissez votre identifiant'),
  motDePasse: z.string().max(1024, 'Le mot de passe est trop long').min(1, 'Saisissez votre mot de passe'),
  ...challengeFields,
});

export const identifierSchema = z.object({
  identifiant: text(254).min(1, "Saisissez votre nom d'utilisateur ou votre courriel"),
});

export const resetSchema = z.object({
  jeton: z.string().max(100),
  motDePasse: z.string(),
  confirmationMotDePasse: z.string(),
});

const newPasswordSchema = z.object({
  motDePasse: z.string(),
  confirmationMotDePasse: z.string(),
});

/** A new password and its confirmation (forced change, an admin's reset): never typed back into the page. */
export function parseNewPassword(body: unknown): FormResult<{ password: string; passwordConfirmation: string }> {
  const form = parseForm(newPasswordSchema, body, { secret: ['motDePasse', 'confirmationMotDePasse'] });
  if (!form.ok) return form;
  return { ok: true, data: { password: form.data.motDePasse, passwordConfirmation: form.data.confirmationMotDePasse } };
}

export const credentialsSchema = z.object({
  nomUtilisateur: text(50),
  motDePasseActuel: z.string().max(1024),
  motDePasse: z.string().max(1024),
  confirmationMotDePasse: z.string().max(1024),
});

export const cguSchema = z.object({
  version: z.coerce.number().int().positive(),
});

export const returnToSchema = z.object({
  retour: z.string().max(500).optional(),
});
