import { z } from 'zod';
import { normalisePhone } from './phones.js';

/**
 * The zod builders every form shares, so a name, a phone number or a one-line field is
 * checked, and refused in the same French words, on the parents' forms, the agents' and
 * the import alike.
 */

// Line breaks and other invisible control characters have no place in a one-line field.
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** CONTROL plus the bidirectional overrides, for fields shown to agents as they were typed. */
// eslint-disable-next-line no-control-regex
export const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Letters (any script, accents), spaces between words, and - ' ’ . , inside them. */
export const NAME = /^[\p{L}\p{M}'’.,-]+(?: +[\p{L}\p{M}'’.,-]+)*$/u;

/** One line of text, trimmed, at most `max` characters, no control character (`control`). */
export function line(subject: string, max: number, control: RegExp = CONTROL) {
  return z
    .string()
    .trim()
    .max(max, `${subject} doit comporter ${max} caractères au maximum`)
    .refine((v) => !control.test(v), `${subject} contient un caractère qui n'est pas accepté : retirez-le`);
}

/** `field`, refused with `empty` when it is missing or blank (a missing field says the same). */
export function required<T extends z.ZodType<unknown, string>>(empty: string, field: T) {
  return z.string({ error: empty }).trim().min(1, empty).pipe(field);
}

/** A person's name (empty allowed: wrap it in `required` for a mandatory one). */
export function name(subject: string, max: number) {
  return line(subject, max).refine(
    (v) => v === '' || NAME.test(v),
    `${subject} ne doit contenir que des lettres, des espaces, des tirets et des apostrophes`,
  );
}

/** Email addresses are compared and stored in one form: NFC, trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** An email address the form may leave empty, normalised. */
export function optionalEmail() {
  return z
    .string()
    .trim()
    .max(254, "L'adresse de courriel doit comporter 254 caractères au maximum")
    .refine((v) => v === '' || z.regexes.email.test(v), 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr')
    .transform((v) => (v ? normaliseEmail(v) : ''));
}

/** A phone number, French or international, normalised (empty allowed); `message` when it is none. */
export function phone(message: string) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      const result = normalisePhone(v);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return result.value;
    });
}
