import { z } from 'zod';
import { normalisePhone } from '../../lib/phones.js';
import { checkFrenchPostalCode } from '../../lib/postal-codes.js';
import { CONTROL, NAME, normaliseEmail } from '../../lib/zod-fields.js';
import { REFERENCE } from '../family-files/family-files.schemas.js';
import { parseCsv, type CsvRecord } from './csv.js';
import { clip } from '../../lib/forms.js';

/**
 * The file of known families (docs/import-familles.md): one row per family, its two adults
 * and its children as repeated columns. This module reads the header, then each row into
 * what the import creates, or the reasons (in French) it is refused.
 */

export const MAX_ADULTS = 2;
export const MAX_CHILDREN = 6;
/** More rows than this is a file to split: the progress page and the checks stay quick. */
export const MAX_ROWS = 20_000;

const FAMILY_COLUMNS = ['reference_famille', 'nom_famille', 'adresse', 'code_postal', 'ville'] as const;
const ADULT_FIELDS = ['civilite', 'nom', 'prenom', 'courriel', 'telephone'] as const;
const CHILD_FIELDS = ['prenom', 'nom', 'date_naissance', 'ecole', 'classe'] as const;
export const REQUIRED_COLUMNS = ['reference_famille', 'nom_famille'] as const;

/** Spellings people give the same column (spreadsheet headers are typed by hand). */
const ALIASES: Record<string, string> = {
  reference: 'reference_famille',
  ref_famille: 'reference_famille',
  numero_famille: 'reference_famille',
  nom_de_famille: 'nom_famille',
  famille: 'nom_famille',
  cp: 'code_postal',
  commune: 'ville',
};
const FIELD_ALIASES: Record<string, string> = {
  prenoms: 'prenom',
  email: 'courriel',
  mail: 'courriel',
  e_mail: 'courriel',
  tel: 'telephone',
  date_de_naissance: 'date_naissance',
  naissance: 'date_naissance',
};

export function knownColumns(): string[] {
  const columns: string[] = [...FAMILY_COLUMNS];
  for (let a = 1; a <= MAX_ADULTS; a++) for (const f of ADULT_FIELDS) columns.push(`adulte${a}_${f}`);
  for (let c = 1; c <= MAX_CHILDREN; c++) for (const f of CHILD_FIELDS) columns.push(`enfant${c}_${f}`);
  return columns;
}
const KNOWN = new Set(knownColumns());

/** "Adulte 1 – Courriel", "Date de naissance" … → adulte1_courriel, date_naissance. */
export function normaliseHeader(raw: string): string {
  const base = raw
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    // "adulte_1_nom" and "enfant_2_prenom" are the same columns as without the underscore.
    .replace(/^(adulte|enfant)_(\d+)/, '$1$2');
  if (ALIASES[base]) return ALIASES[base];
  const m = /^(adulte\d+|enfant\d+)_(.+)$/.exec(base);
  if (m && FIELD_ALIASES[m[2]!]) return `${m[1]}_${FIELD_ALIASES[m[2]!]}`;
  return base;
}

export interface Header {
  /** Column index → canonical name (undefined for an empty column we ignore). */
  columns: (string | undefined)[];
}

export type HeaderResult = { ok: true; header: Header } | { ok: false; message: string };

export function readHeader(record: CsvRecord | undefined): HeaderResult {
  if (!record || record.cells.every((c) => c.trim() === '')) {
    return { ok: false, message: 'Le fichier est vide : la première ligne doit donner le nom des colonnes.' };
  }
  const cells = record.cells;
  if (cells.length === 1 && /[,\t]/.test(cells[0]!)) {
    return {
      ok: false,
      message:
        'Les colonnes du fichier ne sont pas séparées par des points-virgules. Dans votre tableur, enregistrez le fichier au format « CSV UTF-8 » avec le point-virgule comme séparateur.',
    };
  }
  const columns: (string | undefined)[] = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of cells.entries()) {
    if (raw.trim() === '') {
      columns.push(undefined);
      continue;
    }
    const name = normaliseHeader(raw);
    if (!KNOWN.has(name)) {
      return {
        ok: false,
        message: `La colonne ${index + 1}, « ${clip(raw.trim(), 60)} », n'est pas une colonne connue. Vérifiez son nom : les colonnes acceptées sont listées sur cette page.`,
      };
    }
    if (seen.has(name)) {
      return { ok: false, message: `La colonne « ${name} » apparaît deux fois (colonnes ${seen.get(name)! + 1} et ${index + 1}).` };
    }
    seen.set(name, index);
    columns.push(name);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    return {
      ok: false,
      message: `Il manque ${missing.length > 1 ? 'les colonnes' : 'la colonne'} ${missing.map((c) => `« ${c} »`).join(' et ')} : la première ligne du fichier doit donner le nom des colonnes.`,
    };
  }
  return { ok: true, header: { columns } };
}

// ---------------------------------------------------------------- rows

export interface ImportAdult {
  /** 1 or 2, as in the file. */
  index: number;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
  phone: string;
}

export interface ImportChild {
  index: number;
  firstNames: string;
  lastName: string;
  birthDate: string | null;
  school: string;
  className: string;
}

export interface ImportFamily {
  line: number;
  reference: string;
  name: string;
  addressLine: string;
  postalCode: string;
  city: string;
  adults: ImportAdult[];
  children: ImportChild[];
}

export type RowResult =
  { kind: 'family'; family: ImportFamily } | { kind: 'empty' } | { kind: 'rejected'; line: number; reasons: string[] };

const CIVILITIES: Record<string, 'M' | 'Mme'> = {
  m: 'M',
  'm.': 'M',
  mr: 'M',
  'mr.': 'M',
  monsieur: 'M',
  mme: 'Mme',
  'mme.': 'Mme',
  madame: 'Mme',
};

const quote = (v: string) => `« ${v.length > 60 ? `${clip(v, 60)}…` : v} »`;

function checkText(value: string, subject: string, max: number, reasons: string[]): string {
  if (CONTROL.test(value)) reasons.push(`${subject} contient un caractère qui n'est pas accepté (retour à la ligne, tabulation…)`);
  else if (value.length > max) reasons.push(`${subject} dépasse ${max} caractères`);
  return value;
}

function checkName(value: string, subject: string, max: number, reasons: string[]): string {
  checkText(value, subject, max, reasons);
  if (value && !CONTROL.test(value) && value.length <= max && !NAME.test(value)) {
    reasons.push(`${subject} ${quote(value)} ne doit contenir que des lettres, des espaces, des tirets et des apostrophes`);
  }
  return value;
}

/** A name the row must give (the adult's name, the first names): said empty, or checked. */
function requiredName(value: string, subject: string, max: number, reasons: string[]): string {
  if (!value) reasons.push(`${subject} est vide`);
  else checkName(value, subject, max, reasons);
  return value;
}

/** JJ/MM/AAAA (what a French spreadsheet writes) or AAAA-MM-JJ. */
export function parseImportDate(value: string, today: string): { ok: true; iso: string } | { ok: false; reason: string } {
  let y: number, m: number, d: number;
  const fr = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (fr) [d, m, y] = [Number(fr[1]), Number(fr[2]), Number(fr[3])];
  else if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else return { ok: false, reason: `la date de naissance ${quote(value)} doit être au format JJ/MM/AAAA` };
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, reason: `la date de naissance ${quote(value)} n'existe pas` };
  }
  const result = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (result >= today) return { ok: false, reason: `la date de naissance ${quote(value)} n'est pas passée` };
  if (result < '1990-01-01') return { ok: false, reason: `la date de naissance ${quote(value)} est antérieure à 1990` };
  return { ok: true, iso: result };
}

/**
 * One row of the file: a family to import, an empty row (ignored), or the reasons it is
 * refused. `today` ('YYYY-MM-DD', Europe/Paris) bounds the dates of birth.
 */
export function readRow(header: Header, record: CsvRecord, today: string): RowResult {
  const cells = record.cells;
  if (cells.every((c) => c.trim() === '')) return { kind: 'empty' };
  const reasons: string[] = [];
  const extra = cells.slice(header.columns.length).filter((c) => c.trim() !== '');
  if (extra.length > 0) {
    reasons.push(
      `La ligne a ${cells.length} colonnes, plus que les ${header.columns.length} de la première ligne (un point-virgule de trop ?)`,
    );
    return { kind: 'rejected', line: record.line, reasons };
  }
  const value = (name: string) => {
    const index = header.columns.indexOf(name);
    return index < 0 ? '' : (cells[index] ?? '').trim();
  };
  for (const [index, name] of header.columns.entries()) {
    if (name === undefined && (cells[index] ?? '').trim() !== '') {
      reasons.push(`la colonne ${index + 1} n'a pas de nom dans la première ligne mais contient une valeur`);
    }
  }

  const reference = value('reference_famille');
  if (!reference) reasons.push('la référence de la famille (reference_famille) est vide');
  else if (reference.length > 50) reasons.push('la référence de la famille dépasse 50 caractères');
  else if (!REFERENCE.test(reference)) {
    reasons.push(
      `la référence ${quote(reference)} ne doit contenir que des lettres, des chiffres, des espaces, des points, des tirets et des barres obliques`,
    );
  }
  const name = value('nom_famille');
  if (!name) reasons.push('le nom de la famille (nom_famille) est vide');
  else checkName(name, 'Le nom de la famille', 100, reasons);
  // An address on two lines in the spreadsheet (Alt+Entrée) is one line here.
  const addressLine = checkText(value('adresse').replace(/\s*\n\s*/g, ', '), "L'adresse", 200, reasons);
  let postalCode = value('code_postal');
  if (postalCode) {
    const checked = checkFrenchPostalCode(postalCode);
    if (checked.ok) postalCode = checked.value;
    else reasons.push(`le code postal ${quote(postalCode)} n'est pas un code postal français valide`);
  }
  const city = checkText(value('ville'), 'La ville', 100, reasons);

  const adults: ImportAdult[] = [];
  for (let a = 1; a <= MAX_ADULTS; a++) {
    const get = (f: string) => value(`adulte${a}_${f}`);
    if (ADULT_FIELDS.every((f) => get(f) === '')) continue;
    const local: string[] = [];
    const civilityRaw = get('civilite');
    const civility = CIVILITIES[civilityRaw.toLowerCase()];
    if (!civilityRaw) local.push('la civilité est vide (M ou Mme)');
    else if (!civility) local.push(`la civilité ${quote(civilityRaw)} n'est pas reconnue (M ou Mme)`);
    const lastName = requiredName(get('nom'), 'le nom', 100, local);
    const firstNames = requiredName(get('prenom'), 'le prénom', 150, local);
    let email = get('courriel');
    if (email) {
      if (email.length > 254 || !z.regexes.email.test(email)) local.push(`l'adresse de courriel ${quote(email)} n'est pas valide`);
      else email = normaliseEmail(email);
    }
    let phone = get('telephone');
    if (phone) {
      const checked = normalisePhone(phone);
      if (checked.ok) phone = checked.value;
      else local.push(`le numéro de téléphone ${quote(phone)} n'est pas valide`);
    }
    reasons.push(...local.map((r) => `adulte ${a} : ${r}`));
    if (local.length === 0) adults.push({ index: a, civility: civility!, lastName, firstNames, email, phone });
  }

  const children: ImportChild[] = [];
  for (let c = 1; c <= MAX_CHILDREN; c++) {
    const get = (f: string) => value(`enfant${c}_${f}`);
    if (CHILD_FIELDS.every((f) => get(f) === '')) continue;
    const local: string[] = [];
    const firstNames = requiredName(get('prenom'), 'le prénom', 150, local);
    // Children usually carry the family's name: an empty column means that one.
    const lastName = get('nom') || name;
    if (get('nom')) checkName(lastName, 'le nom', 100, local);
    let birthDate: string | null = null;
    const rawDate = get('date_naissance');
    if (rawDate) {
      const parsed = parseImportDate(rawDate, today);
      if (parsed.ok) birthDate = parsed.iso;
      else local.push(parsed.reason);
    }
    const school = checkText(get('ecole'), "l'école", 150, local);
    const className = checkText(get('classe'), 'la classe', 50, local);
    reasons.push(...local.map((r) => `enfant ${c} : ${r}`));
    if (local.length === 0) children.push({ index: c, firstNames, lastName, birthDate, school, className });
  }

  if (reasons.length > 0) return { kind: 'rejected', line: record.line, reasons: reasons.map(capitalise) };
  return { kind: 'family', family: { line: record.line, reference, name, addressLine, postalCode, city, adults, children } };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------- whole file

export type FileCheck = { ok: true; text: string; header: Header; dataRows: number } | { ok: false; message: string };

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const CFB = [0xd0, 0xcf, 0x11, 0xe0];
const PDF = [0x25, 0x50, 0x44, 0x46];
const startsWith = (buffer: Buffer, bytes: number[]) => bytes.every((b, i) => buffer[i] === b);

/**
 * What can be said of an uploaded file without reading its rows: it is text in UTF-8, its
 * first line names known columns, and it holds a sensible number of rows. The rows
 * themselves are read by the import worker.
 */
export function checkFile(buffer: Buffer): FileCheck {
  const decoded = decodeCsvFile(buffer);
  if (!decoded.ok) return decoded;
  const text = decoded.text;
  const parsed = parseCsv(text);
  const header = readHeader(parsed.records[0]);
  if (!header.ok) return header;
  const dataRows = parsed.records.slice(1).filter((r) => r.cells.some((c) => c.trim() !== '')).length;
  if (parsed.unterminatedQuoteAt !== undefined && dataRows === 0) {
    return {
      ok: false,
      message: `Un guillemet ouvert ligne ${parsed.unterminatedQuoteAt} n'est jamais fermé : le fichier ne peut pas être lu.`,
    };
  }
  if (dataRows === 0)
    return { ok: false, message: 'Le fichier ne contient aucune famille : seule la ligne des noms de colonnes est présente.' };
  if (dataRows > MAX_ROWS) {
    return {
      ok: false,
      message: `Le fichier contient ${dataRows.toLocaleString('fr-FR')} lignes ; un import en accepte ${MAX_ROWS.toLocaleString('fr-FR')} au plus. Découpez-le en plusieurs fichiers.`,
    };
  }
  return { ok: true, text, header: header.header, dataRows };
}

/** The checks every CSV upload goes through, whatever its columns: a text file, in UTF-8. */
export function decodeCsvFile(buffer: Buffer): { ok: true; text: string } | { ok: false; message: string } {
  if (buffer.length === 0) return { ok: false, message: 'Le fichier est vide.' };
  if (startsWith(buffer, ZIP)) {
    return {
      ok: false,
      message:
        'Ce fichier est un classeur (par exemple Excel .xlsx ou LibreOffice .ods), pas un fichier CSV. Dans votre tableur, utilisez « Enregistrer sous » et choisissez le format « CSV UTF-8 » avec le point-virgule comme séparateur.',
    };
  }
  if (startsWith(buffer, CFB)) {
    return {
      ok: false,
      message:
        'Ce fichier est un classeur Excel (.xls), pas un fichier CSV. Dans votre tableur, utilisez « Enregistrer sous » et choisissez le format « CSV UTF-8 » avec le point-virgule comme séparateur.',
    };
  }
  if (startsWith(buffer, PDF)) return { ok: false, message: 'Ce fichier est un document PDF, pas un fichier CSV.' };
  if (buffer.includes(0)) return { ok: false, message: "Ce fichier n'est pas un fichier texte : choisissez un fichier CSV." };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return {
      ok: false,
      message:
        "Le fichier n'est pas encodé en UTF-8 (les lettres accentuées ne pourraient pas être lues). Dans votre tableur, enregistrez-le au format « CSV UTF-8 ».",
    };
  }
  return { ok: true, text };
}
