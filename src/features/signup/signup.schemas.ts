import { z } from 'zod';
import { hasAnswer } from '../../lib/captcha.js';
import { parseDateInput, type DatePart } from '../../lib/calendar/index.js';
import { parseForm, type FieldError, type FormResult } from '../../lib/forms.js';
import { passwordProblem } from '../../lib/passwords.js';
import { checkFrenchPostalCode, isFrance } from '../../lib/postal-codes.js';
import { line, name, normaliseEmail, phone, required } from '../../lib/zod-fields.js';
import type { PasswordPolicy } from '../../repositories/towns.repository.js';
import type { SignupStep } from '../../routes.js';
import { usernameProblem, type RegistrationInput } from '../parent-accounts/parent-accounts.service.js';

/**
 * One form per step. Field name = input id = zod key, in the form's order (the error
 * summary follows it). A step's result carries the values to keep in the draft (typed
 * values, normalised) and its share of the account to create.
 */
export interface StepData {
  display: Record<string, string>;
  input: Partial<RegistrationInput>;
}

/** Every field of the step present as a string (absent ones empty), nothing else. */
export function pickFields(body: Record<string, string>, fields: readonly string[], defaults: Record<string, string> = {}) {
  const values: Record<string, string> = {};
  for (const field of fields) values[field] = body[field] ?? defaults[field] ?? '';
  return values;
}

/**
 * parseForm, plus the checks that read several fields (a date in three boxes, the
 * preferred means, the password against the username), with the errors in form order.
 */
function parseStep<T>(
  schema: z.ZodType<T>,
  values: Record<string, string>,
  fields: readonly string[],
  crossChecks: (values: Record<string, string>, fieldErrors: Set<string>) => FieldError[],
  secret: string[] = [],
): FormResult<T> {
  const result = parseForm(schema, values, { secret });
  const errors = result.ok ? [] : [...result.errors];
  const withError = new Set(errors.map((e) => e.field));
  for (const e of crossChecks(values, withError)) {
    if (!withError.has(e.field)) errors.push(e);
  }
  if (result.ok && errors.length === 0) return result;
  errors.sort((a, b) => fields.indexOf(a.field) - fields.indexOf(b.field));
  const kept = { ...values };
  for (const key of secret) delete kept[key];
  return { ok: false, errors, values: kept };
}

// ---------------------------------------------------------------- IDENTITÉ

export const IDENTITE_FIELDS = [
  'civilite',
  'nomUsuel',
  'nomNaissance',
  'prenoms',
  'dateNaissanceJour',
  'dateNaissanceMois',
  'dateNaissanceAnnee',
  'paysNaissance',
  'departementNaissance',
  'communeNaissance',
] as const;

export const DATE_FIELDS: Record<DatePart, string> = { day: 'dateNaissanceJour', month: 'dateNaissanceMois', year: 'dateNaissanceAnnee' };

const identiteSchema = z.object({
  civilite: z.enum(['M', 'Mme'], { error: 'Sélectionnez votre civilité' }),
  nomUsuel: required('Saisissez votre nom usuel', name('Le nom usuel', 100)),
  nomNaissance: name('Le nom de naissance', 100),
  prenoms: required('Saisissez votre prénom ou vos prénoms', name('Le prénom', 150)),
  dateNaissanceJour: z.string().trim(),
  dateNaissanceMois: z.string().trim(),
  dateNaissanceAnnee: z.string().trim(),
  paysNaissance: line('Le pays de naissance', 100),
  departementNaissance: line('Le département de naissance', 100),
  communeNaissance: line('La commune de naissance', 100),
});

export const EARLIEST_BIRTH_DATE = '1900-01-01';

function birthDate(values: Record<string, string>, today: string) {
  return parseDateInput(
    { day: values.dateNaissanceJour ?? '', month: values.dateNaissanceMois ?? '', year: values.dateNaissanceAnnee ?? '' },
    { label: 'La date de naissance', before: today, earliest: EARLIEST_BIRTH_DATE },
  );
}

/** The date boxes to mark in error (all three when the date as a whole is wrong). */
export function dateErrorParts(values: Record<string, string>, today: string): string[] {
  const result = birthDate(values, today);
  return result.kind === 'invalid' ? result.parts.map((p) => DATE_FIELDS[p]) : [];
}

/** `today`: 'YYYY-MM-DD' in Europe/Paris — a date of birth must be before it. */
export function parseIdentite(body: Record<string, string>, today: string): FormResult<StepData> {
  const values = pickFields(body, IDENTITE_FIELDS);
  const result = parseStep(identiteSchema, values, IDENTITE_FIELDS, (v) => {
    const date = birthDate(v, today);
    return date.kind === 'invalid' ? [{ field: DATE_FIELDS[date.parts[0]!], message: date.message }] : [];
  });
  if (!result.ok) return result;
  const d = result.data;
  const date = birthDate(values, today);
  const iso = date.kind === 'valid' ? date.iso : null;
  const [year, month, day] = iso ? iso.split('-') : ['', '', ''];
  return {
    ok: true,
    data: {
      display: {
        ...d,
        // Shown back as numbers, whatever was typed ("mars" → 3).
        dateNaissanceJour: day ? String(Number(day)) : '',
        dateNaissanceMois: month ? String(Number(month)) : '',
        dateNaissanceAnnee: year ?? '',
      },
      input: {
        civility: d.civilite,
        lastName: d.nomUsuel,
        birthName: d.nomNaissance,
        firstNames: d.prenoms,
        birthDate: iso,
        birthCountry: d.paysNaissance,
        birthDepartment: d.departementNaissance,
        birthCommune: d.communeNaissance,
      },
    },
  };
}

// ---------------------------------------------------------------- ADRESSE

export const ADRESSE_FIELDS = ['numero', 'nomVoie', 'batiment', 'appartement', 'complement', 'codePostal', 'ville', 'pays'] as const;
export const ADRESSE_DEFAULTS = { pays: 'France' };

const adresseSchema = z.object({
  numero: line('Le numéro', 20),
  nomVoie: line('Le nom de la voie', 150),
  batiment: line('Le bâtiment', 100),
  appartement: line("L'appartement", 50),
  complement: line('Le complément', 150),
  codePostal: line('Le code postal', 20),
  ville: line('La ville', 100),
  pays: line('Le pays', 100),
});

export function parseAdresse(body: Record<string, string>): FormResult<StepData> {
  const values = pickFields(body, ADRESSE_FIELDS);
  const result = parseStep(adresseSchema, values, ADRESSE_FIELDS, (v, withError) => {
    const code = (v.codePostal ?? '').trim();
    if (code === '' || withError.has('codePostal') || !isFrance(v.pays ?? '')) return [];
    const check = checkFrenchPostalCode(code);
    if (check.ok) return [];
    return [
      {
        field: 'codePostal',
        message:
          check.reason === 'format'
            ? 'Le code postal doit comporter 5 chiffres, par exemple 40220'
            : "Le code postal doit commencer par le numéro d'un département français, par exemple 40220",
      },
    ];
  });
  if (!result.ok) return result;
  const d = result.data;
  const france = isFrance(d.pays);
  const postalCode = france && d.codePostal ? checkFrenchPostalCode(d.codePostal) : undefined;
  const display = { ...d, pays: france ? 'France' : d.pays, codePostal: postalCode?.ok ? postalCode.value : d.codePostal };
  return {
    ok: true,
    data: {
      display,
      input: {
        addressNumber: display.numero,
        addressStreet: display.nomVoie,
        addressBuilding: display.batiment,
        addressApartment: display.appartement,
        addressComplement: display.complement,
        postalCode: display.codePostal,
        city: display.ville,
        country: display.pays,
      },
    },
  };
}

// ---------------------------------------------------------------- MOYENS DE CONTACT

export const CONTACT_FIELDS = ['telephone', 'mobile', 'fax', 'courriel', 'moyenContactPrefere'] as const;
export const CONTACT_DEFAULTS = { moyenContactPrefere: 'courriel' };
export const CONTACT_MEANS = [
  { value: 'courriel', label: 'Courriel' },
  { value: 'telephone', label: 'Téléphone' },
  { value: 'mobile', label: 'Mobile' },
  { value: 'fax', label: 'Fax' },
] as const;

const EMAIL_MESSAGE = 'Saisissez une adresse de courriel valide, par exemple nom@exemple.fr';

const contactSchema = z.object({
  telephone: phone('Saisissez un numéro de téléphone valide, par exemple 05 59 64 00 00 ou +44 20 7946 0958'),
  mobile: phone('Saisissez un numéro de mobile valide, par exemple 06 12 34 56 78'),
  fax: phone('Saisissez un numéro de fax valide, par exemple 05 59 64 00 01'),
  courriel: z
    .string()
    .trim()
    .min(1, 'Saisissez votre adresse de courriel')
    .max(254, "L'adresse de courriel doit comporter 254 caractères au maximum")
    // One plain address: no display name, no list, no line break (mail header injection).
    .regex(z.regexes.email, EMAIL_MESSAGE)
    .transform(normaliseEmail),
  moyenContactPrefere: z.enum(['courriel', 'telephone', 'mobile', 'fax'], { error: 'Choisissez un moyen de contact préféré' }),
});

const MEANS_FIELD: Record<string, { field: string; message: string }> = {
  telephone: { field: 'telephone', message: 'Saisissez votre numéro de téléphone, ou choisissez un autre moyen de contact préféré' },
  mobile: { field: 'mobile', message: 'Saisissez votre numéro de mobile, ou choisissez un autre moyen de contact préféré' },
  fax: { field: 'fax', message: 'Saisissez votre numéro de fax, ou choisissez un autre moyen de contact préféré' },
};

export function parseContact(body: Record<string, string>): FormResult<StepData> {
  const values = pickFields(body, CONTACT_FIELDS);
  const result = parseStep(contactSchema, values, CONTACT_FIELDS, (v) => {
    const means = MEANS_FIELD[v.moyenContactPrefere ?? ''];
    if (means && !(v[means.field] ?? '').trim()) return [{ field: 'moyenContactPrefere', message: means.message }];
    return [];
  });
  if (!result.ok) return result;
  const d = result.data;
  return {
    ok: true,
    data: {
      display: d,
      input: { phone: d.telephone, mobile: d.mobile, fax: d.fax, email: d.courriel, preferredContact: d.moyenContactPrefere },
    },
  };
}

// ---------------------------------------------------------------- AUTHENTIFICATION

export const AUTHENTIFICATION_FIELDS = [
  'nomUtilisateur',
  'motDePasse',
  'confirmationMotDePasse',
  'cleEnfance',
  'texteControle',
  'reponseQuestion',
  'siteInternet',
] as const;
/** What the draft keeps of this step: never the passwords, nor the answers to a security check that is used up. */
export const AUTHENTIFICATION_KEPT = ['nomUtilisateur', 'cleEnfance'] as const;
export const PASSWORD_FIELDS = ['motDePasse', 'confirmationMotDePasse'];

const authentificationSchema = z.object({
  nomUtilisateur: z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const problem = usernameProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  // Passwords are taken as typed: spaces count.
  motDePasse: z.string(),
  confirmationMotDePasse: z.string(),
  cleEnfance: line('La clé Enfance', 50),
  texteControle: z.string().trim().max(50, 'Le texte de contrôle doit comporter 50 caractères au maximum'),
  reponseQuestion: z.string().trim().max(50, 'La réponse doit comporter 50 caractères au maximum'),
  siteInternet: z.string(),
});
export type Authentification = z.infer<typeof authentificationSchema>;

export const CAPTCHA_MISSING = "Recopiez le texte de l'image ou répondez à la question";

export function parseAuthentification(body: Record<string, string>, policy: PasswordPolicy): FormResult<Authentification> {
  const values = pickFields(body, AUTHENTIFICATION_FIELDS);
  return parseStep(
    authentificationSchema,
    values,
    AUTHENTIFICATION_FIELDS,
    (v) => {
      const errors: FieldError[] = [];
      const password = v.motDePasse ?? '';
      const problem = passwordProblem(password, policy, (v.nomUtilisateur ?? '').trim());
      if (problem) errors.push({ field: 'motDePasse', message: problem });
      else if (!v.confirmationMotDePasse) errors.push({ field: 'confirmationMotDePasse', message: 'Confirmez votre mot de passe' });
      else if (v.confirmationMotDePasse !== password) {
        errors.push({ field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' });
      }
      if (!hasAnswer({ image: v.texteControle ?? '', question: v.reponseQuestion ?? '' })) {
        errors.push({ field: 'texteControle', message: CAPTCHA_MISSING });
      }
      return errors;
    },
    PASSWORD_FIELDS,
  );
}

export const STEP_FIELDS: Record<SignupStep, readonly string[]> = {
  identite: IDENTITE_FIELDS,
  adresse: ADRESSE_FIELDS,
  contact: CONTACT_FIELDS,
  authentification: AUTHENTIFICATION_KEPT,
};
