import { z } from 'zod';
import { addDays, parseDateInput, type DatePart } from '../../lib/calendar/index.js';
import { fieldErrors, formValues, type FieldError } from '../../lib/forms.js';
import { CONTROL_OR_BIDI, line, required } from '../../lib/zod-fields.js';
import type { NewDocument } from '../../repositories/documents.repository.js';

/**
 * The fields of a justificatif (seed 004, AJOUT D'UNE PIECE JOINTE): Qualification,
 * Intitulé du document, Numéro, Autorité de délivrance, Date de délivrance, Date limite de
 * validité, then the files. The absences' attachments (issue 6) use the same fields: the
 * partial views/documents/partials/document-fields.ejs and `parseDocumentFields` below.
 */
export const DOCUMENT_KINDS = [
  { value: 'justificatif_domicile', label: 'Justificatif de domicile' },
  { value: 'certificat_medical', label: 'Certificat médical' },
  { value: 'avis_imposition', label: "Avis d'imposition" },
  { value: 'livret_famille', label: 'Livret de famille' },
  { value: 'attestation_caf', label: 'Attestation CAF (quotient familial)' },
  { value: 'piece_identite', label: "Pièce d'identité" },
  { value: 'attestation_assurance', label: "Attestation d'assurance" },
  { value: 'justificatif_absence', label: "Justificatif d'absence" },
  { value: 'autre', label: 'Autre' },
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number]['value'];

export function kindLabel(kind: string): string {
  return DOCUMENT_KINDS.find((k) => k.value === kind)?.label ?? 'Autre';
}

/** The date fields: three boxes each (GOV.UK date input). */
export const DATE_INPUTS = {
  dateDelivrance: { label: 'La date de délivrance', legend: 'Date de délivrance' },
  dateLimiteValidite: { label: 'La date limite de validité', legend: 'Date limite de validité' },
} as const;
type DateInputName = keyof typeof DATE_INPUTS;
const BOXES: Record<DatePart, string> = { day: 'Jour', month: 'Mois', year: 'Annee' };
const boxId = (name: DateInputName, part: DatePart) => `${name}${BOXES[part]}`;

/** In the form's order: the error summary follows it. */
export const DOCUMENT_FIELDS = [
  'qualification',
  'intitule',
  'numero',
  'autoriteDelivrance',
  'dateDelivranceJour',
  'dateDelivranceMois',
  'dateDelivranceAnnee',
  'dateLimiteValiditeJour',
  'dateLimiteValiditeMois',
  'dateLimiteValiditeAnnee',
] as const;

const schema = z.object({
  qualification: z.enum(DOCUMENT_KINDS.map((k) => k.value) as [DocumentKind, ...DocumentKind[]], {
    error: 'Sélectionnez la qualification du document',
  }),
  intitule: required("Saisissez l'intitulé du document", line("L'intitulé du document", 200, CONTROL_OR_BIDI)),
  numero: line('Le numéro', 100, CONTROL_OR_BIDI),
  autoriteDelivrance: line("L'autorité de délivrance", 200, CONTROL_OR_BIDI),
});

const EARLIEST = '1900-01-01';
const LATEST = '2199-12-31';

export type DocumentFieldsResult =
  | { ok: true; data: NewDocument; values: Record<string, string> }
  | { ok: false; errors: FieldError[]; values: Record<string, string>; dateErrorFields: string[] };

/**
 * Reads the document's fields. `today` ('YYYY-MM-DD', Europe/Paris): a document cannot
 * have been issued in the future; its validity may have ended already (the list then
 * says it has expired), but not before it was issued.
 */
export function parseDocumentFields(body: unknown, today: string): DocumentFieldsResult {
  const all = formValues(body);
  const values: Record<string, string> = {};
  for (const f of DOCUMENT_FIELDS) values[f] = all[f] ?? '';

  const dateErrorFields: string[] = [];
  const parsed = schema.safeParse(values);
  const errors: FieldError[] = parsed.success ? [] : fieldErrors(parsed.error.issues);

  const dates: Partial<Record<DateInputName, string | null>> = {};
  for (const name of Object.keys(DATE_INPUTS) as DateInputName[]) {
    const result = parseDateInput(
      { day: values[boxId(name, 'day')]!, month: values[boxId(name, 'month')]!, year: values[boxId(name, 'year')]! },
      { label: DATE_INPUTS[name].label, before: addDays(LATEST, 1), earliest: EARLIEST },
    );
    if (result.kind === 'invalid') {
      errors.push({ field: boxId(name, result.parts[0]!), message: result.message });
      dateErrorFields.push(...result.parts.map((p) => boxId(name, p)));
      continue;
    }
    dates[name] = result.kind === 'valid' ? result.iso : null;
  }
  const issued = dates.dateDelivrance;
  const until = dates.dateLimiteValidite;
  if (issued && issued > today) {
    errors.push({ field: boxId('dateDelivrance', 'day'), message: "La date de délivrance doit être aujourd'hui ou dans le passé" });
    dateErrorFields.push(...(['day', 'month', 'year'] as const).map((p) => boxId('dateDelivrance', p)));
  } else if (issued && until && until < issued) {
    errors.push({
      field: boxId('dateLimiteValidite', 'day'),
      message: 'La date limite de validité doit être le jour de la délivrance ou après',
    });
    dateErrorFields.push(...(['day', 'month', 'year'] as const).map((p) => boxId('dateLimiteValidite', p)));
  }

  if (!parsed.success || errors.length > 0) {
    errors.sort((a, b) => DOCUMENT_FIELDS.indexOf(a.field as never) - DOCUMENT_FIELDS.indexOf(b.field as never));
    return { ok: false, errors, values, dateErrorFields };
  }
  const d = parsed.data;
  return {
    ok: true,
    values,
    data: {
      kind: d.qualification,
      title: d.intitule,
      number: d.numero,
      issuingAuthority: d.autoriteDelivrance,
      issuedOn: issued ?? null,
      validUntil: until ?? null,
    },
  };
}
