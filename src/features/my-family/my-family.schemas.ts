import { z } from 'zod';
import { parseDateInput } from '../../lib/calendar/index.js';
import { formValues, parseForm, type FieldError, type FormResult } from '../../lib/forms.js';
import { normalisePhone } from '../../lib/phones.js';
import { line, name, optionalEmail, phone, required } from '../../lib/zod-fields.js';
import type { AuthorisedPerson, ChildFileFields } from '../../repositories/family-members.repository.js';
import {
  CHILD_DATE_FIELDS,
  CHILD_IDENTITY_FIELDS,
  DIET_FIELDS,
  dietValues,
  parseDiet,
  personFields,
  personValues,
} from '../family-files/family-files.schemas.js';
import type { AddMemberPayload } from '../requests/request-types.js';
import { MESSAGE_MAX } from '../requests/requests.schemas.js';

/**
 * The family's forms: a child's Dossier administratif, and "Ajouter un membre" (a child
 * or an adult). Field name = input id = zod key, in the form's order.
 */

// A text area keeps its lines (one-line fields: lib/zod-fields).
// eslint-disable-next-line no-control-regex
const CONTROL_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function text(subject: string, max: number) {
  return z
    .string()
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .max(max, `${subject} doit comporter ${max} caractères au maximum`)
        .refine((v) => !CONTROL_TEXT.test(v), `${subject} contient un caractère qui n'est pas accepté : retirez-le`),
    );
}

function yesNo(message: string) {
  return z.enum(['oui', 'non'], { error: message }).transform((v) => v === 'oui');
}

/** The family's words to the services, with the request (optional). */
const optionalMessage = text('Le message', MESSAGE_MAX);

/** Every field of the form present as a string (absent ones empty), so zod's messages are ours. */
function withDefaults(body: unknown, fields: readonly string[]): Record<string, string> {
  const values = formValues(body);
  for (const f of fields) values[f] ??= '';
  return values;
}

/** Sorts errors in the order of the form's fields. */
function inOrder(errors: FieldError[], fields: readonly string[]): FieldError[] {
  return [...errors].sort((a, b) => fields.indexOf(a.field) - fields.indexOf(b.field));
}

// ---------------------------------------------------------------- the child's Dossier administratif

export const MAX_PERSONS = 10;

/** Rows for the persons allowed to collect the child: up to the last one filled, and two empty ones. */
export function personRows(values: Record<string, string>) {
  const used = Array.from({ length: MAX_PERSONS }, (_, i) => i + 1).filter((i) => {
    const f = personFields(i);
    return values[f.nom] || values[f.lien] || values[f.telephone];
  });
  const rows = Math.min(MAX_PERSONS, (used.at(-1) ?? 0) + 2);
  return Array.from({ length: rows }, (_, i) => ({ n: i + 1, ...personFields(i + 1) }));
}

export const CHILD_FILE_FIELDS = [
  'ecole',
  'classe',
  'sante',
  'allergies',
  'medecin',
  'telephoneMedecin',
  'droitImage',
  'partSeul',
  ...DIET_FIELDS,
  ...Array.from({ length: MAX_PERSONS }, (_, i) => Object.values(personFields(i + 1))).flat(),
  'message',
] as const;

const childFileSchema = z.object({
  ecole: line("Le nom de l'école", 150),
  classe: line('La classe', 50),
  sante: text('Les informations de santé', 2000),
  allergies: text('Les allergies', 1000),
  medecin: line('Le nom du médecin', 150),
  telephoneMedecin: phone('Saisissez un numéro de téléphone valide pour le médecin, par exemple 05 59 64 00 00'),
  droitImage: yesNo("Indiquez si l'enfant peut être photographié ou filmé"),
  partSeul: yesNo("Indiquez si l'enfant peut partir seul"),
  message: optionalMessage,
});

export interface ChildFileForm {
  fields: ChildFileFields;
  message: string;
}

/** The dossier as posted; persons allowed to collect the child are rows 1 to 10, empty rows skipped. */
export function parseChildFile(body: unknown): FormResult<ChildFileForm> {
  const values = withDefaults(body, CHILD_FILE_FIELDS);
  const result = parseForm(childFileSchema, values);
  const errors: FieldError[] = result.ok ? [] : [...result.errors];
  const diet = parseDiet(values);
  if (!diet.ok) errors.push(...diet.errors);
  const persons: AuthorisedPerson[] = [];
  const personName = line('Le nom de la personne', 150);
  const relation = line("Le lien avec l'enfant", 80);
  for (let i = 1; i <= MAX_PERSONS; i++) {
    const f = personFields(i);
    const typed = { nom: values[f.nom] ?? '', lien: values[f.lien] ?? '', telephone: values[f.telephone] ?? '' };
    if (!typed.nom.trim() && !typed.lien.trim() && !typed.telephone.trim()) continue;
    const n = personName.safeParse(typed.nom);
    const l = relation.safeParse(typed.lien);
    const p = normalisePhone(typed.telephone);
    if (!n.success) errors.push({ field: f.nom, message: n.error.issues[0]!.message });
    else if (!n.data) errors.push({ field: f.nom, message: `Saisissez le nom de la personne ${i}, ou videz sa ligne` });
    if (!l.success) errors.push({ field: f.lien, message: l.error.issues[0]!.message });
    if (!p.ok)
      errors.push({
        field: f.telephone,
        message: `Saisissez un numéro de téléphone valide pour la personne ${i}, par exemple 06 12 34 56 78`,
      });
    if (n.success && n.data && l.success && p.ok) persons.push({ fullName: n.data, relationship: l.data, phone: p.value });
  }
  if (!result.ok || !diet.ok || errors.length > 0) return { ok: false, errors: inOrder(errors, CHILD_FILE_FIELDS), values };
  const d = result.data;
  return {
    ok: true,
    data: {
      fields: {
        school: d.ecole,
        className: d.classe,
        healthNotes: d.sante,
        allergies: d.allergies,
        doctorName: d.medecin,
        doctorPhone: d.telephoneMedecin,
        photoConsent: d.droitImage,
        mayLeaveAlone: d.partSeul,
        ...diet.data,
        authorisedPersons: persons,
      },
      message: d.message,
    },
  };
}

/** The form's values from the child's file (what the page shows before any change). */
export function childFileValues(f: ChildFileFields): Record<string, string> {
  return {
    ecole: f.school,
    classe: f.className,
    sante: f.healthNotes,
    allergies: f.allergies,
    medecin: f.doctorName,
    telephoneMedecin: f.doctorPhone,
    droitImage: f.photoConsent ? 'oui' : 'non',
    partSeul: f.mayLeaveAlone ? 'oui' : 'non',
    ...dietValues(f),
    ...personValues(f.authorisedPersons),
  };
}

// ---------------------------------------------------------------- Ajouter un membre

export const CHILD_MEMBER_FIELDS = [...CHILD_IDENTITY_FIELDS, 'message'] as const;
export const ADULT_MEMBER_FIELDS = ['civilite', 'prenoms', 'nom', 'courriel', 'telephone', 'message'] as const;

const childMemberSchema = z.object({
  prenoms: required("Saisissez le prénom de l'enfant", name('Le prénom', 150)),
  nom: required("Saisissez le nom de l'enfant", name('Le nom', 100)),
  dateNaissanceJour: z.string().trim(),
  dateNaissanceMois: z.string().trim(),
  dateNaissanceAnnee: z.string().trim(),
  ecole: line("Le nom de l'école", 150),
  classe: line('La classe', 50),
  message: optionalMessage,
});

const adultMemberSchema = z.object({
  civilite: z.enum(['M', 'Mme'], { error: 'Sélectionnez la civilité' }),
  prenoms: required("Saisissez le prénom de l'adulte", name('Le prénom', 150)),
  nom: required("Saisissez le nom de l'adulte", name('Le nom', 100)),
  courriel: optionalEmail(),
  telephone: phone('Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78'),
  message: optionalMessage,
});

/** A child or an adult to add: what the agent will accept into the file, and the parent's note for them. */
function memberRequest(payload: AddMemberPayload, message: string): FormResult<{ payload: AddMemberPayload; message: string }> {
  return { ok: true, data: { payload, message } };
}

/** `today`: 'YYYY-MM-DD' in Europe/Paris. */
export function parseChildMember(
  body: unknown,
  today: string,
): FormResult<{ payload: AddMemberPayload; message: string }> & { dateErrorFields?: string[] } {
  const values = withDefaults(body, CHILD_MEMBER_FIELDS);
  const result = parseForm(childMemberSchema, values);
  const errors: FieldError[] = result.ok ? [] : [...result.errors];
  const date = parseDateInput(
    { day: values.dateNaissanceJour ?? '', month: values.dateNaissanceMois ?? '', year: values.dateNaissanceAnnee ?? '' },
    { label: 'La date de naissance', before: today, earliest: `${Number(today.slice(0, 4)) - 25}-01-01` },
  );
  let dateErrorFields: string[] = [];
  if (date.kind === 'empty') {
    errors.push({ field: CHILD_DATE_FIELDS.day, message: "Saisissez la date de naissance de l'enfant" });
    dateErrorFields = Object.values(CHILD_DATE_FIELDS);
  } else if (date.kind === 'invalid') {
    errors.push({ field: CHILD_DATE_FIELDS[date.parts[0]!], message: date.message });
    dateErrorFields = date.parts.map((p) => CHILD_DATE_FIELDS[p]);
  }
  if (!result.ok || errors.length > 0 || date.kind !== 'valid') {
    return { ok: false, errors: inOrder(errors, CHILD_MEMBER_FIELDS), values, dateErrorFields };
  }
  const d = result.data;
  return memberRequest(
    { kind: 'child', firstNames: d.prenoms, lastName: d.nom, birthDate: date.iso, school: d.ecole, className: d.classe },
    d.message,
  );
}

export function parseAdultMember(body: unknown): FormResult<{ payload: AddMemberPayload; message: string }> {
  const result = parseForm(adultMemberSchema, withDefaults(body, ADULT_MEMBER_FIELDS));
  if (!result.ok) return { ok: false, errors: inOrder(result.errors, ADULT_MEMBER_FIELDS), values: result.values };
  const d = result.data;
  return memberRequest(
    { kind: 'adult', civility: d.civilite, firstNames: d.prenoms, lastName: d.nom, email: d.courriel, phone: d.telephone },
    d.message,
  );
}
