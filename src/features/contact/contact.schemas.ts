import { z } from 'zod';
import type { AddressFields, PhoneFields } from '../../repositories/accounts.repository.js';
import type { Account } from '../../repositories/accounts.repository.js';
import type { FieldError } from '../../lib/forms.js';
import { ADRESSE_FIELDS, parseAdresse, parseContact } from '../signup/signup.schemas.js';

/**
 * The forms of Coordonnées. The address and the phones follow the sign-up wizard's rules
 * (the same fields, the same messages); the new email needs the current password.
 */

export const emailSchema = z.object({
  nouveauCourriel: z
    .string()
    .trim()
    .min(1, 'Saisissez votre nouvelle adresse de courriel')
    .max(254, "L'adresse de courriel doit comporter 254 caractères au maximum")
    .regex(z.regexes.email, 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr'),
  // Taken as typed: spaces count.
  motDePasse: z.string().min(1, 'Saisissez votre mot de passe actuel').max(256, 'Le mot de passe est trop long'),
});

export const confirmSchema = z.object({ jeton: z.string().min(1).max(100) });

type Read<T> = { ok: true; data: T } | { ok: false; values: Record<string, string>; errors: FieldError[] };

const pick = (body: unknown, field: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[field];
  return typeof v === 'string' ? v : '';
};

/** The account's address as the form's fields. */
export function addressValues(a: Account): Record<string, string> {
  return {
    numero: a.addressNumber,
    nomVoie: a.addressStreet,
    batiment: a.addressBuilding,
    appartement: a.addressApartment,
    complement: a.addressComplement,
    codePostal: a.postalCode,
    ville: a.city,
    pays: a.country,
  };
}

export function phoneValues(a: Account): Record<string, string> {
  return { telephone: a.phone, mobile: a.mobile, fax: a.fax, moyenContactPrefere: a.preferredContact };
}

export function readAddress(body: unknown): Read<AddressFields> {
  const form = parseAdresse(Object.fromEntries(ADRESSE_FIELDS.map((f) => [f, pick(body, f)])));
  if (!form.ok) return { ok: false, values: form.values, errors: form.errors };
  const i = form.data.input;
  return {
    ok: true,
    data: {
      addressNumber: i.addressNumber ?? '',
      addressStreet: i.addressStreet ?? '',
      addressBuilding: i.addressBuilding ?? '',
      addressApartment: i.addressApartment ?? '',
      addressComplement: i.addressComplement ?? '',
      postalCode: i.postalCode ?? '',
      city: i.city ?? '',
      country: i.country ?? '',
    },
  };
}

/** The wizard's rules for the numbers and the preferred means, with the account's email (not on this form). */
export function readPhones(body: unknown, email: string): Read<PhoneFields> {
  const form = parseContact({
    telephone: pick(body, 'telephone'),
    mobile: pick(body, 'mobile'),
    fax: pick(body, 'fax'),
    moyenContactPrefere: pick(body, 'moyenContactPrefere'),
    courriel: email,
  });
  if (!form.ok) {
    const { courriel: _c, ...values } = form.values;
    return { ok: false, values, errors: form.errors.filter((e) => e.field !== 'courriel') };
  }
  const i = form.data.input;
  return {
    ok: true,
    data: { phone: i.phone ?? '', mobile: i.mobile ?? '', fax: i.fax ?? '', preferredContact: i.preferredContact ?? 'courriel' },
  };
}
