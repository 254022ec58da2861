import { z } from 'zod';
import { line, name, required } from '../../lib/zod-fields.js';
import { checkBic, checkIban } from './sepa-rules.js';

/**
 * The parent's forms of "Prélèvement automatique": signing a SEPA mandate, revoking it.
 * Field name = input id = zod key.
 */

function ibanField() {
  return z
    .string({ error: 'Saisissez l’IBAN du compte à débiter' })
    .max(60, 'L’IBAN compte 34 caractères au maximum')
    .transform((v, ctx) => {
      const r = checkIban(v);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      }
      return r.iban;
    });
}

function bicField() {
  return z
    .string()
    .max(20, 'Le BIC compte 8 ou 11 lettres et chiffres, par exemple AGRIFRPP ou AGRIFRPPXXX')
    .optional()
    .transform((v, ctx) => {
      const r = checkBic(v ?? '');
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      }
      return r.bic;
    });
}

export const mandateSchema = z
  .object({
    titulaire: required('Saisissez le nom du titulaire du compte', name('Le nom du titulaire du compte', 70)),
    iban: ibanField(),
    bic: bicField(),
    adresse: required('Saisissez l’adresse du titulaire du compte', line('L’adresse', 200)),
    lieu: required('Saisissez le lieu de signature, par exemple votre commune', line('Le lieu de signature', 70)),
    consentement: z.literal('oui', {
      error: 'Cochez la case pour autoriser le prélèvement : sans votre accord, le mandat n’est pas signé',
    }),
  })
  .superRefine((v, ctx) => {
    // The bank of an IBAN is in the IBAN's country: a BIC of another country is a typing mistake (and banks refuse it).
    if (v.bic && v.bic.slice(4, 6) !== v.iban.slice(0, 2)) {
      ctx.addIssue({
        code: 'custom',
        path: ['bic'],
        message: 'Ce BIC n’est pas celui d’une banque du pays de l’IBAN : vérifiez-le, ou laissez-le vide',
      });
    }
  });

export type MandateForm = z.infer<typeof mandateSchema>;

export const revokeSchema = z.object({
  confirmation: z.literal('oui', { error: 'Cochez la case pour confirmer la révocation du mandat' }),
});
