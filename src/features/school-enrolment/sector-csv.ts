import { parseCsv } from '../imports/csv.js';
import { streetKey } from './street.js';

/**
 * The street-to-school sector table as a CSV file (docs/secteurs-scolaires.md): a header line
 * naming the columns, then one street (or part of one) per line. Pure: every line's problems
 * are reported, in French, with its line number in the file; nothing is kept if any line is
 * wrong (the import is all or nothing).
 */

export const SECTOR_COLUMNS = ['voie', 'numero_debut', 'numero_fin', 'code_postal', 'ecole'] as const;
type Column = (typeof SECTOR_COLUMNS)[number];

/** More lines than any town has streets: a file past this is a mistake (a whole country's). */
export const MAX_SECTOR_LINES = 20_000;

export interface SectorRow {
  streetLabel: string;
  streetKey: string;
  numberFrom: number | null;
  numberTo: number | null;
  postalCode: string;
  schoolId: string;
}

export type SectorFile = { ok: true; rows: SectorRow[] } | { ok: false; errors: string[] };

/** A header cell as people type it: "Numéro début", "numero_debut", "CODE POSTAL". */
function headerName(cell: string): string {
  return cell
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** School names compared as the agents see them: case and accents aside. */
export function schoolNameKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase().replace(/\s+/g, ' ');
}

function houseNumber(cell: string): number | null | undefined {
  const v = cell.trim();
  if (!v) return null;
  return /^\d{1,5}$/.test(v) && Number(v) >= 1 ? Number(v) : undefined;
}

export function readSectorFile(text: string, schools: readonly { id: string; name: string }[]): SectorFile {
  const { records, unterminatedQuoteAt } = parseCsv(text);
  const header = records[0];
  if (!header) return { ok: false, errors: ['Le fichier est vide.'] };
  const names = header.cells.map(headerName);
  const at = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const c of SECTOR_COLUMNS) {
    const i = names.indexOf(c);
    if (i < 0) missing.push(c);
    else at[c] = i;
  }
  if (missing.length > 0) {
    return {
      ok: false,
      errors: [`Ligne 1 : la ligne d'en-tête doit nommer les colonnes ${SECTOR_COLUMNS.join(';')} ; il manque : ${missing.join(', ')}.`],
    };
  }
  const body = records.slice(1).filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (body.length === 0) return { ok: false, errors: ['Le fichier ne contient aucune ligne après l’en-tête.'] };
  if (body.length > MAX_SECTOR_LINES) {
    return { ok: false, errors: [`Le fichier contient ${body.length} lignes : ${MAX_SECTOR_LINES} au plus.`] };
  }
  const bySchool = new Map(schools.map((s) => [schoolNameKey(s.name), s.id]));
  const errors: string[] = [];
  const rows: SectorRow[] = [];
  for (const r of body) {
    const cell = (c: Column) => (r.cells[at[c]] ?? '').trim();
    const problems: string[] = [];
    const label = cell('voie');
    const key = streetKey(label);
    if (!label) problems.push('la voie est vide');
    else if (label.length > 200) problems.push('la voie dépasse 200 caractères');
    else if (!key) problems.push(`la voie « ${label} » ne contient aucun nom`);
    const from = houseNumber(cell('numero_debut'));
    const to = houseNumber(cell('numero_fin'));
    if (from === undefined) problems.push(`le numéro de début « ${cell('numero_debut')} » n'est pas un nombre entre 1 et 99999`);
    if (to === undefined) problems.push(`le numéro de fin « ${cell('numero_fin')} » n'est pas un nombre entre 1 et 99999`);
    if (typeof from === 'number' && typeof to === 'number' && from > to)
      problems.push(`le numéro de début (${from}) dépasse le numéro de fin (${to})`);
    const postalCode = cell('code_postal');
    if (!/^\d{5}$/.test(postalCode)) problems.push(`le code postal « ${postalCode} » doit compter 5 chiffres`);
    const school = cell('ecole');
    const schoolId = bySchool.get(schoolNameKey(school));
    if (!school) problems.push("l'école est vide");
    else if (!schoolId) problems.push(`l'école « ${school} » n'existe pas : créez-la d'abord ou corrigez son nom`);
    if (problems.length > 0) {
      errors.push(`Ligne ${r.line} : ${problems.join(' ; ')}.`);
      continue;
    }
    rows.push({ streetLabel: label, streetKey: key, numberFrom: from ?? null, numberTo: to ?? null, postalCode, schoolId: schoolId! });
  }
  if (unterminatedQuoteAt !== undefined) errors.push(`Ligne ${unterminatedQuoteAt} : un guillemet ouvert n'est jamais fermé.`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}

/** The uploaded bytes as text: a spreadsheet's own format, a PDF or text not in UTF-8 is refused with what to do. */
export function decodeSectorFile(buffer: Buffer): { ok: true; text: string } | { ok: false; message: string } {
  if (buffer.length === 0) return { ok: false, message: 'Le fichier est vide' };
  if (buffer[0] === 0x50 && buffer[1] === 0x4b) {
    return {
      ok: false,
      message:
        'Ce fichier est un classeur (Excel .xlsx ou LibreOffice .ods), pas un fichier CSV : enregistrez-le au format « CSV UTF-8 » avec le point-virgule comme séparateur',
    };
  }
  if (buffer.includes(0)) return { ok: false, message: "Ce fichier n'est pas un fichier texte : choisissez un fichier CSV" };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buffer) };
  } catch {
    return { ok: false, message: "Le fichier n'est pas encodé en UTF-8 : dans votre tableur, enregistrez-le au format « CSV UTF-8 »" };
  }
}
