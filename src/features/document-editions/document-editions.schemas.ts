import { z } from 'zod';
import { DAY_RANGE_TEXT, frenchDateOutOfRange, looksLikeFrenchDate, parseFrenchDate } from '../../lib/calendar/index.js';

/** The years offered for the attestation fiscale: the last six finished years (a tax return may be corrected for three). */
export function attestationYears(today: string): number[] {
  const current = Number(today.slice(0, 4));
  return Array.from({ length: 6 }, (_, i) => current - 1 - i);
}

export function taxAttestationSchema(today: string) {
  const years = attestationYears(today).map(String);
  return z.object({
    annee: z
      .string({ error: 'Choisissez une année' })
      .refine((v) => years.includes(v), 'Choisissez une année passée dans la liste')
      .transform(Number),
  });
}

const day = (subject: string) =>
  z
    .string({ error: `Indiquez ${subject.toLowerCase()}` })
    .trim()
    .min(1, `Indiquez ${subject.toLowerCase()}`)
    .max(20, `${subject} doit être une date réelle, comme 21/11/2026`)
    .refine((v) => looksLikeFrenchDate(v), `${subject} doit être une date réelle, comme 21/11/2026`)
    .refine((v) => !frenchDateOutOfRange(v), `${subject} doit être ${DAY_RANGE_TEXT}`)
    .refine((v) => parseFrenchDate(v) !== undefined, `${subject} doit être une date réelle, comme 21/11/2026`);

/** The attestation of payment's period: two days typed in one box each, the end not after today. */
export function paymentAttestationSchema(today: string) {
  return z
    .object({ du: day('La date de début'), au: day('La date de fin') })
    .superRefine((f, ctx) => {
      const from = parseFrenchDate(f.du);
      const to = parseFrenchDate(f.au);
      if (!from || !to) return;
      if (to < from)
        ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin doit être la même que la date de début ou après' });
      else if (to > today) ctx.addIssue({ code: 'custom', path: ['au'], message: 'La date de fin ne peut pas être après aujourd’hui' });
    })
    .transform((f) => ({ from: parseFrenchDate(f.du)!, to: parseFrenchDate(f.au)! }));
}
