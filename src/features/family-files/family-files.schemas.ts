import { z } from 'zod';
import { parseDateInput } from '../../lib/calendar/index.js';
import { parseForm, type FieldError, type FormResult } from '../../lib/forms.js';
import { checkFrenchPostalCode } from '../../lib/postal-codes.js';
import { CONTROL, line, name, optionalEmail, phone, required } from '../../lib/zod-fields.js';
import type { AdultFields, AuthorisedPerson, ChildFields, FamilyFields } from '../../repositories/family-files.repository.js';

/**
 * The back-office forms of a family file. Field name = input id = zod key, in the form's
 * order. The file number's rule (REFERENCE) is exported for the import, which checks each
 * row of a file with it and with the rules of lib/zod-fields.
 */

// In a multi-line field, line breaks and tabs are fine; the other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;
/** The town's own file number: letters, digits and a few separators, as exported by its software. */
export const REFERENCE = /^[\p{L}\p{N}][\p{L}\p{N} ._/-]*$/u;

/** `plural`: "Les allergies doivent …" rather than "doit". */
function multiline(subject: string, max: number, plural = false) {
  return z
    .string()
    .trim()
    .max(max, `${subject} ${plural ? 'doivent' : 'doit'} comporter ${max} caractères au maximum`)
    .refine((v) => !CONTROL_MULTILINE.test(v), `${subject} contient un caractère qui n'est pas accepté : retirez-le`)
    .transform((v) => v.replace(/\r\n?/g, '\n'));
}

const PHONE_MESSAGE = 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 00 00 ou +44 20 7946 0958';

/** Every listed field present as a string (absent ones empty), nothing else. */
function pick(body: unknown, fields: readonly string[]): Record<string, string> {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const field of fields) {
    const v = source[field];
    const first = Array.isArray(v) ? v[0] : v;
    values[field] = typeof first === 'string' ? first : '';
  }
  return values;
}

function withErrors<T>(
  result: FormResult<T>,
  extra: FieldError[],
  fields: readonly string[],
  values: Record<string, string>,
): FormResult<T> {
  const errors = result.ok ? [] : [...result.errors];
  const seen = new Set(errors.map((e) => e.field));
  for (const e of extra) if (!seen.has(e.field)) errors.push(e);
  if (result.ok && errors.length === 0) return result;
  errors.sort((a, b) => fields.indexOf(a.field) - fields.indexOf(b.field));
  return { ok: false, errors, values };
}

// ---------------------------------------------------------------- family file

export const FAMILY_FIELDS = ['nom', 'reference', 'adresse', 'codePostal', 'ville'] as const;

const familySchema = z.object({
  nom: required('Saisissez le nom de la famille', name('Le nom de la famille', 100)),
  reference: line('La référence', 50).refine(
    (v) => v === '' || REFERENCE.test(v),
    'La référence ne doit contenir que des lettres, des chiffres, des espaces, des points, des tirets et des barres obliques',
  ),
  adresse: line("L'adresse", 200),
  codePostal: line('Le code postal', 10).refine(
    (v) => v === '' || checkFrenchPostalCode(v).ok,
    'Saisissez un code postal français valide de 5 chiffres, par exemple 40220',
  ),
  ville: line('La ville', 100),
});

export function parseFamilyForm(body: unknown): FormResult<FamilyFields> {
  const values = pick(body, FAMILY_FIELDS);
  const result = parseForm(familySchema, values);
  if (!result.ok) return result;
  const d = result.data;
  const postal = d.codePostal ? checkFrenchPostalCode(d.codePostal) : undefined;
  return {
    ok: true,
    data: {
      name: d.nom,
      externalRef: d.reference || null,
      addressLine: d.adresse,
      postalCode: postal?.ok ? postal.value : '',
      city: d.ville,
    },
  };
}

export function familyValues(f: FamilyFields): Record<string, string> {
  return { nom: f.name, reference: f.externalRef ?? '', adresse: f.addressLine, codePostal: f.postalCode, ville: f.city };
}

// ---------------------------------------------------------------- adult

export const ADULT_FIELDS = ['civilite', 'nom', 'prenoms', 'courriel', 'telephone'] as const;

const adultSchema = z.object({
  civilite: z.enum(['M', 'Mme'], { error: 'Sélectionnez la civilité' }),
  nom: required('Saisissez le nom', name('Le nom', 100)),
  prenoms: required('Saisissez le prénom ou les prénoms', name('Le prénom', 150)),
  courriel: optionalEmail(),
  telephone: phone(PHONE_MESSAGE),
});

export function parseAdultForm(body: unknown): FormResult<AdultFields> {
  const values = pick(body, ADULT_FIELDS);
  const result = parseForm(adultSchema, values);
  if (!result.ok) return result;
  const d = result.data;
  return { ok: true, data: { civility: d.civilite, lastName: d.nom, firstNames: d.prenoms, email: d.courriel, phone: d.telephone } };
}

export function adultValues(a: AdultFields): Record<string, string> {
  return { civilite: a.civility, nom: a.lastName, prenoms: a.firstNames, courriel: a.email, telephone: a.phone };
}

// ---------------------------------------------------------------- child

/** The fields of the n-th person allowed to collect the child: the agents' and the parents' forms name them alike. */
export function personFields(n: number) {
  return { nom: `personne${n}Nom`, lien: `personne${n}Lien`, telephone: `personne${n}Telephone` };
}

/** The persons allowed to collect the child, as the form's values (first person in `personne1…`). */
export function personValues(persons: readonly AuthorisedPerson[]): Record<string, string> {
  const values: Record<string, string> = {};
  persons.forEach((p, i) => {
    const k = personFields(i + 1);
    values[k.nom] = p.fullName;
    values[k.lien] = p.relationship;
    values[k.telephone] = p.phone;
  });
  return values;
}

/** Diets and PAI: the agents' and the parents' forms name them alike (checkboxes post 'oui'). */
export const DIET_FIELDS = ['regimeSansPorc', 'regimeVegetarien', 'regimeSansGluten', 'pai', 'paiAllergenes'] as const;
/** The column's check (migration 0033). */
export const PAI_ALLERGENS_MAX = 500;

export type DietFields = Pick<ChildFields, 'dietNoPork' | 'dietVegetarian' | 'dietGlutenFree' | 'pai' | 'paiAllergens'>;

const paiAllergens = multiline('Les allergènes du PAI', PAI_ALLERGENS_MAX, true);

/**
 * The diets as typed. Allergens are what the kitchen reads for a child with a PAI: required
 * then, and not kept without one (the kitchen would list them for nobody).
 */
export function parseDiet(values: Record<string, string>): { ok: true; data: DietFields } | { ok: false; errors: FieldError[] } {
  const pai = values.pai === 'oui';
  const allergens = paiAllergens.safeParse(values.paiAllergenes ?? '');
  if (!allergens.success) return { ok: false, errors: [{ field: 'paiAllergenes', message: allergens.error.issues[0]!.message }] };
  if (pai && !allergens.data) {
    return { ok: false, errors: [{ field: 'paiAllergenes', message: 'Saisissez les allergènes du PAI, ou décochez la case du PAI' }] };
  }
  return {
    ok: true,
    data: {
      dietNoPork: values.regimeSansPorc === 'oui',
      dietVegetarian: values.regimeVegetarien === 'oui',
      dietGlutenFree: values.regimeSansGluten === 'oui',
      pai,
      paiAllergens: pai ? allergens.data : '',
    },
  };
}

/** The diets as the form's values. */
export function dietValues(d: DietFields): Record<string, string> {
  const box = (v: boolean) => (v ? 'oui' : '');
  return {
    regimeSansPorc: box(d.dietNoPork),
    regimeVegetarien: box(d.dietVegetarian),
    regimeSansGluten: box(d.dietGlutenFree),
    pai: box(d.pai),
    paiAllergenes: d.paiAllergens,
  };
}

/** How many persons allowed to collect the child the form offers. */
export const AUTHORISED_SLOTS = 4;
const PERSON_FIELDS = Array.from({ length: AUTHORISED_SLOTS }, (_, i) => Object.values(personFields(i + 1))).flat();

/** Who the child is: the agents' file and the parents' "Ajouter un membre" ask it with the same fields. */
export const CHILD_IDENTITY_FIELDS = [
  'prenoms',
  'nom',
  'dateNaissanceJour',
  'dateNaissanceMois',
  'dateNaissanceAnnee',
  'ecole',
  'classe',
] as const;

export const CHILD_FIELDS = [
  ...CHILD_IDENTITY_FIELDS,
  'sante',
  'allergies',
  'medecinNom',
  'medecinTelephone',
  'autorisationPhoto',
  'sortieSeul',
  ...DIET_FIELDS,
  ...PERSON_FIELDS,
] as const;

const yesNo = (message: string) => z.enum(['oui', 'non'], { error: message });

const childShape: Record<string, z.ZodType> = {
  prenoms: required("Saisissez le prénom ou les prénoms de l'enfant", name('Le prénom', 150)),
  nom: required("Saisissez le nom de l'enfant", name('Le nom', 100)),
  dateNaissanceJour: z.string(),
  dateNaissanceMois: z.string(),
  dateNaissanceAnnee: z.string(),
  ecole: line("Le nom de l'école", 150),
  classe: line('La classe', 50),
  sante: multiline('Les informations de santé', 2000, true),
  allergies: multiline('Les allergies', 1000, true),
  medecinNom: line('Le nom du médecin', 150),
  medecinTelephone: phone('Saisissez un numéro de téléphone valide pour le médecin, par exemple 05 59 64 00 00'),
  autorisationPhoto: yesNo("Indiquez si l'enfant peut être photographié"),
  sortieSeul: yesNo("Indiquez si l'enfant peut partir seul"),
};
for (let i = 1; i <= AUTHORISED_SLOTS; i++) {
  childShape[`personne${i}Nom`] = name(`Le nom de la personne ${i}`, 150);
  childShape[`personne${i}Lien`] = line(`Le lien de la personne ${i} avec l'enfant`, 50);
  childShape[`personne${i}Telephone`] = phone(`Saisissez un numéro de téléphone valide pour la personne ${i}, par exemple 06 12 34 56 78`);
}
const childSchema = z.object(childShape);

export const CHILD_DATE_FIELDS = { day: 'dateNaissanceJour', month: 'dateNaissanceMois', year: 'dateNaissanceAnnee' } as const;
/** Children of the files are born this century or the end of the last one. */
export const EARLIEST_CHILD_BIRTH = '1990-01-01';

function childBirthDate(values: Record<string, string>, today: string) {
  return parseDateInput(
    { day: values.dateNaissanceJour ?? '', month: values.dateNaissanceMois ?? '', year: values.dateNaissanceAnnee ?? '' },
    { label: 'La date de naissance', before: today, earliest: EARLIEST_CHILD_BIRTH },
  );
}

export interface ChildFormResult {
  form: FormResult<ChildFields>;
  /** The date boxes to mark in error. */
  dateErrorFields: string[];
}

/** `today`: 'YYYY-MM-DD' in Europe/Paris — a birth date must be before it. */
export function parseChildForm(body: unknown, today: string): ChildFormResult {
  const values = pick(body, CHILD_FIELDS);
  const result = parseForm(childSchema, values);
  const extra: FieldError[] = [];
  const date = childBirthDate(values, today);
  const dateErrorFields = date.kind === 'invalid' ? date.parts.map((p) => CHILD_DATE_FIELDS[p]) : [];
  if (date.kind === 'invalid') extra.push({ field: CHILD_DATE_FIELDS[date.parts[0]!], message: date.message });
  const diet = parseDiet(values);
  if (!diet.ok) extra.push(...diet.errors);
  // A person allowed to collect the child needs a name; a phone or a relationship alone says nobody.
  for (let i = 1; i <= AUTHORISED_SLOTS; i++) {
    const hasName = (values[`personne${i}Nom`] ?? '').trim() !== '';
    const hasOther = (values[`personne${i}Lien`] ?? '').trim() !== '' || (values[`personne${i}Telephone`] ?? '').trim() !== '';
    if (!hasName && hasOther) extra.push({ field: `personne${i}Nom`, message: `Saisissez le nom de la personne ${i}` });
  }
  const checked = withErrors(result, extra, CHILD_FIELDS, values);
  // The diet's errors are among `extra`, so `checked` already failed when the diet did.
  if (!checked.ok || !diet.ok) return { form: checked.ok ? { ok: false, errors: [], values } : checked, dateErrorFields };
  const data = checked.data as Record<string, string>;
  const persons: AuthorisedPerson[] = [];
  for (let i = 1; i <= AUTHORISED_SLOTS; i++) {
    const fullName = data[`personne${i}Nom`] ?? '';
    if (fullName) persons.push({ fullName, relationship: data[`personne${i}Lien`] ?? '', phone: data[`personne${i}Telephone`] ?? '' });
  }
  return {
    form: {
      ok: true,
      data: {
        firstNames: data.prenoms!,
        lastName: data.nom!,
        birthDate: date.kind === 'valid' ? date.iso : null,
        school: data.ecole!,
        className: data.classe!,
        healthNotes: data.sante!,
        allergies: data.allergies!,
        doctorName: data.medecinNom!,
        doctorPhone: data.medecinTelephone!,
        photoConsent: data.autorisationPhoto === 'oui',
        mayLeaveAlone: data.sortieSeul === 'oui',
        ...diet.data,
        authorisedPersons: persons,
      },
    },
    dateErrorFields,
  };
}

export function childValues(c: ChildFields): Record<string, string> {
  const [year, month, day] = c.birthDate ? c.birthDate.split('-') : ['', '', ''];
  return {
    prenoms: c.firstNames,
    nom: c.lastName,
    dateNaissanceJour: day ? String(Number(day)) : '',
    dateNaissanceMois: month ? String(Number(month)) : '',
    dateNaissanceAnnee: year ?? '',
    ecole: c.school,
    classe: c.className,
    sante: c.healthNotes,
    allergies: c.allergies,
    medecinNom: c.doctorName,
    medecinTelephone: c.doctorPhone,
    autorisationPhoto: c.photoConsent ? 'oui' : 'non',
    sortieSeul: c.mayLeaveAlone ? 'oui' : 'non',
    ...dietValues(c),
    ...personValues(c.authorisedPersons),
  };
}

// ---------------------------------------------------------------- search

export const searchSchema = z.object({
  q: z.string().trim().max(100).catch(''),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** The query string of the list, cleaned: nothing a user types there can fail the page. */
export function parseSearch(query: unknown): { q: string; page: number } {
  const source = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  const q = first(source.q);
  const page = first(source.page);
  return searchSchema.parse({
    q: typeof q === 'string' ? q.replace(new RegExp(CONTROL.source, 'gu'), ' ') : '',
    page: typeof page === 'string' ? page : '1',
  });
}
