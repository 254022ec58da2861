import { z } from 'zod';

/** The operators' sign-in (ADR 0024). Field name = input id = zod key. */
export const operatorSignInSchema = z.object({
  identifiant: z
    .string({ error: "Saisissez votre nom d'utilisateur" })
    .trim()
    .min(1, "Saisissez votre nom d'utilisateur")
    .max(100, "Le nom d'utilisateur est trop long"),
  motDePasse: z
    .string({ error: 'Saisissez votre mot de passe' })
    .min(1, 'Saisissez votre mot de passe')
    .max(1024, 'Le mot de passe est trop long'),
});
