import { z } from 'zod';

export const closeAccountSchema = z.object({
  motDePasse: z.string().max(1024).min(1, 'Saisissez votre mot de passe'),
  confirmation: z.literal('oui', { error: 'Cochez la case pour confirmer la clôture de votre compte' }),
});
