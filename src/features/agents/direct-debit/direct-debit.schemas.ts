import { z } from 'zod';
import { line, required } from '../../../lib/zod-fields.js';
import { dayField } from '../billing-setup/billing-setup.schemas.js';
import { checkBic, checkCreditorId, checkIban, isRejectCode, type RejectCode } from '../../direct-debit/sepa-rules.js';

/**
 * The agents' forms of direct debit: the town's SEPA settings (admins), preparing a
 * collection, recording a reject. Field name = input id = zod key.
 */

function checked<T>(check: (v: string) => ({ ok: true } & T) | { ok: false; message: string }, max: number, tooLong: string) {
  return z
    .string()
    .max(max, tooLong)
    .optional()
    .transform((v, ctx) => {
      const r = check(v ?? '');
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      }
      return r;
    });
}

export const sepaSettingsSchema = z
  .object({
    active: z.enum(['oui', 'non'], { error: 'Choisissez si la commune propose le prélèvement automatique' }),
    ics: checked(checkCreditorId, 40, 'L’ICS compte 35 caractères au maximum'),
    creancier: required('Saisissez le nom du créancier, tel que les familles le verront sur leur relevé', line('Le nom du créancier', 70)),
    iban: checked(
      (v) => (v.trim() === '' ? { ok: false, message: 'Saisissez l’IBAN du compte de la commune' } : checkIban(v)),
      60,
      'L’IBAN compte 34 caractères au maximum',
    ),
    bic: checked(
      (v) => (v.trim() === '' ? { ok: false, message: 'Saisissez le BIC de la banque de la commune' } : checkBic(v)),
      20,
      'Le BIC compte 8 ou 11 caractères',
    ),
    preavis: z
      .string({ error: 'Saisissez le nombre de jours de préavis' })
      .trim()
      .min(1, 'Saisissez le nombre de jours de préavis')
      .refine((v) => /^[0-9]{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= 60, 'Le préavis va de 1 à 60 jours, par exemple 14')
      .transform(Number),
  })
  .transform((v) => ({
    enabled: v.active === 'oui',
    creditorId: v.ics.ics,
    creditorName: v.creancier,
    creditorIban: v.iban.iban,
    creditorBic: v.bic.bic,
    prenotificationDays: v.preavis,
  }));

export const batchSchema = z.object({
  dateCollecte: dayField('la date de prélèvement', '15/01/2027'),
});

export const rejectSchema = z.object({
  motif: z
    .string({ error: 'Choisissez le motif du rejet indiqué par la banque' })
    .refine((v): v is RejectCode => isRejectCode(v), 'Choisissez le motif du rejet indiqué par la banque')
    .transform((v) => v as RejectCode),
});
