import { z } from 'zod';
import { formatDate, parseFrenchDate } from '../../lib/calendar/index.js';
import { fieldErrors, formValues, type FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';
import { CONTROL_OR_BIDI, line } from '../../lib/zod-fields.js';

/**
 * The forms town admins build (NOUVELLE DÉMARCHE, issue 17): what a field is, the admin's
 * builder checks, and the zod schema of a submission built from a version's fields. Pure:
 * no database, no HTTP.
 */

export const FIELD_KINDS = ['text', 'long_text', 'date', 'choice', 'yes_no', 'number', 'file'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const KIND_LABELS: Record<FieldKind, string> = {
  text: 'Texte court',
  long_text: 'Texte long',
  date: 'Date',
  choice: 'Choix dans une liste',
  yes_no: 'Oui / non',
  number: 'Nombre',
  file: 'Pièce jointe',
};

export const MAX_FIELDS = 20;
export const MAX_OPTIONS = 30;
export const TEXT_MAX = 200;
export const LONG_TEXT_MAX = 5000;

export interface FormField {
  /** 'c1', 'c2'…: the input's name and id on the parent's form, never reused within a form. */
  id: string;
  kind: FieldKind;
  label: string;
  help: string;
  required: boolean;
  /** A choice's options; empty for the other kinds. */
  options: string[];
}

export function isFieldKind(v: unknown): v is FieldKind {
  return typeof v === 'string' && (FIELD_KINDS as readonly string[]).includes(v);
}

/** Fields read back from the database defensively: anything malformed is dropped. */
export function fieldsOf(value: unknown): FormField[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null)
    .filter((f) => typeof f.id === 'string' && isFieldKind(f.kind) && typeof f.label === 'string')
    .map((f) => ({
      id: f.id as string,
      kind: f.kind as FieldKind,
      label: f.label as string,
      help: typeof f.help === 'string' ? f.help : '',
      required: f.required === true,
      options: Array.isArray(f.options) ? f.options.filter((o): o is string => typeof o === 'string') : [],
    }));
}

// ---------------------------------------------------------------- the admin's builder

/** The form's title, intro and receiving service. */
export const formMetaSchema = z.object({
  titre: z
    .string({ error: 'Saisissez le titre du formulaire' })
    .trim()
    .min(1, 'Saisissez le titre du formulaire')
    .pipe(line('Le titre', 150)),
  intro: z
    .string()
    .default('')
    .transform((v) => v.replace(/\r\n/g, '\n').trim())
    .pipe(z.string().max(2000, "L'introduction doit comporter 2000 caractères au maximum")),
  service: z
    .string({ error: 'Choisissez le service qui reçoit les demandes' })
    .trim()
    .min(1, 'Choisissez le service qui reçoit les demandes'),
});
export type FormMeta = z.infer<typeof formMetaSchema>;

/** One field as the admin types it: the options one per line. */
export const fieldFormSchema = z
  .object({
    libelle: z
      .string({ error: 'Saisissez le libellé du champ' })
      .trim()
      .min(1, 'Saisissez le libellé du champ')
      .pipe(line('Le libellé', 200)),
    type: z.string({ error: 'Choisissez le type de champ' }).refine(isFieldKind, 'Choisissez le type de champ'),
    aide: line("Le texte d'aide", 300).default(''),
    obligatoire: z.string().optional(),
    options: z.string().default(''),
  })
  .transform((v, ctx) => {
    const options = [
      ...new Set(
        v.options
          .split(/\r?\n/)
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    ];
    if (v.type === 'choice') {
      if (options.length < 2)
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'Saisissez au moins deux options, une par ligne' });
      else if (options.length > MAX_OPTIONS)
        ctx.addIssue({ code: 'custom', path: ['options'], message: `Saisissez ${MAX_OPTIONS} options au maximum` });
      else if (options.some((o) => o.length > 100 || CONTROL_OR_BIDI.test(o)))
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'Chaque option doit tenir en une ligne de 100 caractères au maximum' });
    }
    return {
      kind: v.type as FieldKind,
      label: v.libelle,
      help: v.aide,
      required: v.obligatoire === 'oui',
      options: v.type === 'choice' ? options : [],
    };
  });
export type FieldInput = Omit<FormField, 'id'>;

/** Why this field cannot be added to `fields` (20 at most, one file field: the upload route takes one file input). */
export function cannotAdd(fields: readonly FormField[], input: FieldInput, replacing?: string): FieldError | undefined {
  const others = fields.filter((f) => f.id !== replacing);
  if (!replacing && others.length >= MAX_FIELDS) {
    return { field: 'libelle', message: `Un formulaire comporte ${MAX_FIELDS} champs au maximum : retirez-en un avant d'en ajouter` };
  }
  if (input.kind === 'file' && others.some((f) => f.kind === 'file')) {
    return { field: 'type', message: 'Un formulaire comporte une seule pièce jointe (4 fichiers au maximum)' };
  }
  return undefined;
}

/** The next field id: one more than the largest used, so a removed field's answers are never confused with a new one. */
export function nextFieldId(fields: readonly FormField[]): string {
  const max = fields.reduce((m, f) => Math.max(m, Number(/^c(\d+)$/.exec(f.id)?.[1] ?? 0)), 0);
  return `c${max + 1}`;
}

/** What keeps a draft from being published, in words; empty when it may be. */
export function publishProblems(fields: readonly FormField[]): string[] {
  const problems: string[] = [];
  if (fields.length === 0) problems.push('Ajoutez au moins un champ avant de publier le formulaire');
  if (fields.length > MAX_FIELDS) problems.push(`Un formulaire comporte ${MAX_FIELDS} champs au maximum`);
  for (const f of fields) {
    if (!f.label.trim()) problems.push('Chaque champ doit avoir un libellé');
    if (f.kind === 'choice' && f.options.length < 2) problems.push(`Le champ « ${f.label} » doit proposer au moins deux options`);
  }
  return problems;
}

// ---------------------------------------------------------------- a submission

/** One answer, typed, with its words for the agent and the parent. */
export type Answer =
  | { fieldId: string; kind: 'text' | 'long_text' | 'choice'; value: string }
  | { fieldId: string; kind: 'date'; value: string }
  | { fieldId: string; kind: 'yes_no'; value: boolean }
  | { fieldId: string; kind: 'number'; value: number }
  | { fieldId: string; kind: 'file'; value: null };

// A long answer may hold line breaks and tabs, not other control or bidirectional characters.
// eslint-disable-next-line no-control-regex
const MULTILINE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const NUMBER = /^-?\d{1,12}(?:[.,]\d{1,4})?$/;

/** The zod schema of one field's value, with the French messages naming the field. */
function valueSchema(f: FormField) {
  const subject = `« ${f.label} »`;
  const empty =
    f.kind === 'choice' || f.kind === 'yes_no' ? `Choisissez une réponse pour ${subject}` : `Saisissez une réponse pour ${subject}`;
  const base = z
    .string()
    .default('')
    .transform((v) => v.replace(/\r\n/g, '\n').trim());
  const requiredOr = <T>(schema: z.ZodType<T, string>) =>
    base
      .pipe(
        z.string().superRefine((v, ctx) => {
          if (!v && f.required) ctx.addIssue({ code: 'custom', message: empty });
        }),
      )
      // Left blank (and allowed to be): null, not the value's own error.
      .transform((v) => (v === '' ? null : v))
      .pipe(schema.nullable());
  switch (f.kind) {
    case 'text':
      return requiredOr(line(`La réponse à ${subject}`, TEXT_MAX, CONTROL_OR_BIDI));
    case 'long_text':
      return requiredOr(
        z
          .string()
          .max(LONG_TEXT_MAX, `La réponse à ${subject} doit comporter ${LONG_TEXT_MAX} caractères au maximum`)
          .refine((v) => !MULTILINE_CONTROL.test(v), `La réponse à ${subject} contient un caractère qui n'est pas accepté : retirez-le`),
      );
    case 'date':
      return requiredOr(
        z.string().transform((v, ctx) => {
          const day = v.length <= 20 ? parseFrenchDate(v) : undefined;
          if (!day) {
            // 31/02/2026 has the right shape: say the date does not exist, not that the format is wrong.
            const shaped = /^\s*\d{1,2}\/\d{1,2}\/\d{4}\s*$/.test(v);
            const message = shaped
              ? `La date saisie pour ${subject} n'existe pas : vérifiez le jour et le mois`
              : `Saisissez ${subject} au format JJ/MM/AAAA, par exemple 16/12/2026`;
            ctx.addIssue({ code: 'custom', message });
            return z.NEVER;
          }
          return day;
        }),
      );
    case 'number':
      return requiredOr(
        z.string().transform((v, ctx) => {
          if (!NUMBER.test(v.replace(/\s/g, ''))) {
            ctx.addIssue({ code: 'custom', message: `Saisissez ${subject} en chiffres, par exemple 12` });
            return z.NEVER;
          }
          return Number(v.replace(/\s/g, '').replace(',', '.'));
        }),
      );
    case 'choice':
      return requiredOr(z.string().refine((v) => f.options.includes(v), `Choisissez une réponse de la liste pour ${subject}`));
    case 'yes_no':
      return requiredOr(
        z
          .string()
          .refine((v) => v === 'oui' || v === 'non', `Choisissez « Oui » ou « Non » pour ${subject}`)
          .transform((v) => v === 'oui'),
      );
    case 'file':
      return z.null();
  }
}

export function submissionSchema(fields: readonly FormField[]) {
  // A file field's value is its uploads and stored documents, read beside the schema.
  return z.object(Object.fromEntries(fields.filter((f) => f.kind !== 'file').map((f) => [f.id, valueSchema(f)])));
}

export interface UploadsSeen {
  received: number;
  problem?: { field: string; status: number; message: string };
}

export type SubmissionResult =
  | { ok: true; answers: Answer[]; storedDocumentIds: string[]; values: Record<string, string>; stockage: string[] }
  | { ok: false; errors: FieldError[]; status: number; values: Record<string, string>; stockage: string[] };

/**
 * Reads a parent's answers against the version's fields. The file field's input is
 * 'fichiers' (uploads) and 'stockage' (the documents chosen from the private storage):
 * its errors are reported on the field's id, where the page shows them.
 */
export function readSubmission(fields: readonly FormField[], body: unknown, uploads: UploadsSeen): SubmissionResult {
  const raw = (body ?? {}) as Record<string, unknown>;
  const all = formValues(body);
  const values: Record<string, string> = Object.fromEntries(fields.filter((f) => f.kind !== 'file').map((f) => [f.id, all[f.id] ?? '']));
  const list = Array.isArray(raw.stockage) ? raw.stockage : raw.stockage === undefined ? [] : [raw.stockage];
  const stockage = list.filter((v): v is string => typeof v === 'string').slice(0, 20);
  const parsed = submissionSchema(fields).safeParse(values);
  const errors: FieldError[] = parsed.success ? [] : fieldErrors(parsed.error.issues);
  let status = 400;
  const file = fields.find((f) => f.kind === 'file');
  const stored = [...new Set(stockage.map((id) => id.toLowerCase()))];
  if (file) {
    if (uploads.problem) {
      errors.push({ field: file.id, message: uploads.problem.message });
      status = uploads.problem.status;
    } else if (stored.some((id) => !UUID.test(id))) {
      errors.push({ field: file.id, message: "Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste" });
    } else if (file.required && uploads.received === 0 && stored.length === 0) {
      errors.push({
        field: file.id,
        message: `Joignez « ${file.label} » : ajoutez un fichier ou choisissez un document de votre espace de stockage`,
      });
    }
  }
  // The page lists the errors in the form's order.
  const order = fields.map((f) => f.id);
  errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  if (errors.length > 0 || !parsed.success) return { ok: false, errors, status, values, stockage };
  const data = parsed.data as Record<string, unknown>;
  const answers: Answer[] = fields.map(
    (f) => ({ fieldId: f.id, kind: f.kind, value: f.kind === 'file' ? null : (data[f.id] ?? null) }) as Answer,
  );
  return { ok: true, answers, storedDocumentIds: file ? stored : [], values, stockage };
}

/** An answer in words, as the agent and the parent read it. */
export function answerWords(answer: Answer | { kind: string; value: unknown } | undefined): string {
  if (!answer || answer.value === null || answer.value === undefined || answer.value === '') return 'Non renseigné';
  if (answer.kind === 'yes_no') return answer.value ? 'Oui' : 'Non';
  if (answer.kind === 'date' && typeof answer.value === 'string') return formatDate(answer.value);
  if (answer.kind === 'number' && typeof answer.value === 'number') return answer.value.toLocaleString('fr-FR');
  return String(answer.value);
}
