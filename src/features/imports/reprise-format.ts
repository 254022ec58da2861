import { clip } from '../../lib/forms.js';
import { parseCsv, type CsvRecord } from './csv.js';
import { normaliseHeader } from './import-format.js';

/**
 * The old portal's other exports (docs/import-reprise.md): enrolments, reservations to come
 * and quotients familiaux. One row per thing to create; each refers to a family by the
 * reference the families file gave it (families.external_ref), a child by its first name
 * (and date of birth when two children share it), an activity by its name (and site).
 * This module reads a row into what it names, or the reasons it is refused, each naming the
 * column at fault; whether the family, child or activity exists is decided against the
 * database by reprise.service.ts.
 */

export type RepriseKind = 'inscriptions' | 'reservations' | 'quotients' | 'soldes';
export type ImportKind = 'familles' | RepriseKind;
export const IMPORT_KINDS: readonly ImportKind[] = ['familles', 'inscriptions', 'reservations', 'quotients', 'soldes'];

export const KIND_LABELS: Record<ImportKind, string> = {
  familles: 'Familles',
  inscriptions: 'Inscriptions aux activités',
  reservations: 'Réservations à venir',
  quotients: 'Quotients familiaux',
  soldes: 'Soldes restant dus',
};

/** The sample file of docs/exemples/ for each kind, named on the import page. */
export const KIND_SAMPLES: Record<ImportKind, string> = {
  familles: 'familles.csv',
  inscriptions: 'inscriptions.csv',
  reservations: 'reservations.csv',
  quotients: 'quotients.csv',
  soldes: 'soldes.csv',
};

const CHILD_COLUMNS = ['reference_famille', 'prenom_enfant', 'date_naissance_enfant'] as const;
export const COLUMNS: Record<RepriseKind, { required: readonly string[]; optional: readonly string[] }> = {
  inscriptions: {
    required: [...CHILD_COLUMNS.slice(0, 2), 'activite'],
    optional: ['date_naissance_enfant', 'site', 'date_debut', 'date_fin'],
  },
  reservations: { required: [...CHILD_COLUMNS.slice(0, 2), 'activite', 'date'], optional: ['date_naissance_enfant', 'site'] },
  quotients: { required: ['reference_famille', 'qf', 'date_debut'], optional: ['date_fin', 'source'] },
  soldes: { required: ['reference_famille', 'numero_document', 'montant', 'date_echeance'], optional: ['libelle', 'regie'] },
};

const ALIASES: Record<string, string> = {
  reference: 'reference_famille',
  ref_famille: 'reference_famille',
  numero_famille: 'reference_famille',
  prenom: 'prenom_enfant',
  enfant: 'prenom_enfant',
  date_naissance: 'date_naissance_enfant',
  activity: 'activite',
  quotient: 'qf',
  quotient_familial: 'qf',
  debut: 'date_debut',
  date_de_debut: 'date_debut',
  date_de_fin: 'date_fin',
  date_d_echeance: 'date_echeance',
  date_de_naissance: 'date_naissance_enfant',
  date_de_naissance_enfant: 'date_naissance_enfant',
  fin: 'date_fin',
  date_reservation: 'date',
  jour: 'date',
  numero_facture: 'numero_document',
  numero: 'numero_document',
  montant_du: 'montant',
  solde: 'montant',
  echeance: 'date_echeance',
};

export interface RepriseHeader {
  kind: RepriseKind;
  columns: (string | undefined)[];
}

export function readRepriseHeader(
  kind: RepriseKind,
  record: CsvRecord | undefined,
): { ok: true; header: RepriseHeader } | { ok: false; message: string } {
  if (!record || record.cells.every((c) => c.trim() === '')) {
    return { ok: false, message: 'Le fichier est vide : la première ligne doit donner le nom des colonnes.' };
  }
  if (record.cells.length === 1 && /[,\t]/.test(record.cells[0]!)) {
    return {
      ok: false,
      message:
        'Les colonnes du fichier ne sont pas séparées par des points-virgules. Dans votre tableur, enregistrez le fichier au format « CSV UTF-8 » avec le point-virgule comme séparateur.',
    };
  }
  const spec = COLUMNS[kind];
  const known = new Set([...spec.required, ...spec.optional]);
  const columns: (string | undefined)[] = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of record.cells.entries()) {
    if (raw.trim() === '') {
      columns.push(undefined);
      continue;
    }
    const base = normaliseHeader(raw);
    const name = ALIASES[base] ?? base;
    if (!known.has(name)) {
      return {
        ok: false,
        message: `La colonne ${index + 1}, « ${clip(raw.trim(), 60)} », n'est pas une colonne d'un fichier « ${KIND_LABELS[kind]} ». Les colonnes acceptées sont : ${[...spec.required, ...spec.optional].join(', ')}.`,
      };
    }
    if (seen.has(name)) {
      return { ok: false, message: `La colonne « ${name} » apparaît deux fois (colonnes ${seen.get(name)! + 1} et ${index + 1}).` };
    }
    seen.set(name, index);
    columns.push(name);
  }
  const missing = spec.required.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    return {
      ok: false,
      message: `Il manque ${missing.length > 1 ? 'les colonnes' : 'la colonne'} ${missing.map((c) => `« ${c} »`).join(', ')} pour un fichier « ${KIND_LABELS[kind]} ».`,
    };
  }
  return { ok: true, header: { kind, columns } };
}

// ---------------------------------------------------------------- rows

export interface ChildRef {
  reference: string;
  firstName: string;
  birthDate: string | null;
}
export type RepriseRow =
  | {
      kind: 'inscriptions';
      line: number;
      child: ChildRef;
      activity: string;
      site: string | null;
      startDate: string | null;
      endDate: string | null;
    }
  | { kind: 'reservations'; line: number; child: ChildRef; activity: string; site: string | null; day: string }
  | { kind: 'quotients'; line: number; reference: string; qf: number; startDate: string; endDate: string | null; source: QfSource }
  | {
      kind: 'soldes';
      line: number;
      reference: string;
      document: string;
      amountCents: number;
      label: string;
      dueDate: string;
      regie: string | null;
    };

export type QfSource = 'agent' | 'parent_declaration' | 'caf';
const SOURCES: Record<string, QfSource> = {
  caf: 'caf',
  msa: 'caf',
  agent: 'agent',
  mairie: 'agent',
  service: 'agent',
  famille: 'parent_declaration',
  declaration: 'parent_declaration',
  parent: 'parent_declaration',
};

export type RepriseRowResult = { kind: 'row'; row: RepriseRow } | { kind: 'empty' } | { kind: 'rejected'; line: number; reasons: string[] };

const quote = (v: string) => `« ${v.length > 60 ? `${clip(v, 60)}…` : v} »`;

/** JJ/MM/AAAA or AAAA-MM-JJ, to 'YYYY-MM-DD'; the reason names the column. */
export function readDate(value: string, column: string): { ok: true; iso: string } | { ok: false; reason: string } {
  let y: number, m: number, d: number;
  const fr = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (fr) [d, m, y] = [Number(fr[1]), Number(fr[2]), Number(fr[3])];
  else if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else return { ok: false, reason: `Colonne ${column} : la date ${quote(value)} doit être au format JJ/MM/AAAA` };
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1990 || y > 2100 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, reason: `Colonne ${column} : la date ${quote(value)} n'existe pas` };
  }
  return { ok: true, iso: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

/** One row: what it names, an empty row, or its reasons. `today` ('YYYY-MM-DD', Paris) refuses past reservations. */
export function readRepriseRow(header: RepriseHeader, record: CsvRecord, today: string): RepriseRowResult {
  const cells = record.cells;
  if (cells.every((c) => c.trim() === '')) return { kind: 'empty' };
  if (cells.slice(header.columns.length).some((c) => c.trim() !== '')) {
    return {
      kind: 'rejected',
      line: record.line,
      reasons: [
        `La ligne a ${cells.length} colonnes, plus que les ${header.columns.length} de la première ligne (un point-virgule de trop ?)`,
      ],
    };
  }
  const value = (name: string) => {
    const index = header.columns.indexOf(name);
    return index < 0 ? '' : (cells[index] ?? '').trim();
  };
  const reasons: string[] = [];
  const required = (name: string, what: string) => {
    const v = value(name);
    if (!v) reasons.push(`Colonne ${name} : ${what} est vide`);
    else if (v.length > 150) reasons.push(`Colonne ${name} : ${what} dépasse 150 caractères`);
    return v;
  };
  const date = (name: string, need: boolean) => {
    const v = value(name);
    if (!v) {
      if (need) reasons.push(`Colonne ${name} : la date est vide`);
      return null;
    }
    const parsed = readDate(v, name);
    if (!parsed.ok) {
      reasons.push(parsed.reason);
      return null;
    }
    return parsed.iso;
  };
  const reference = required('reference_famille', 'la référence de la famille');
  const line = record.line;

  if (header.kind === 'quotients') {
    const rawQf = value('qf');
    let qf = 0;
    if (!rawQf) reasons.push('Colonne qf : le quotient familial est vide');
    else {
      // "1 234" or "1234,00" as a spreadsheet writes it; the QF is in whole euros.
      const cleaned = rawQf.replace(/[\s\u00a0\u202f]/g, '').replace(/,00?$/, '');
      if (!/^\d{1,6}$/.test(cleaned) || Number(cleaned) > 100_000) {
        reasons.push(`Colonne qf : ${quote(rawQf)} n'est pas un quotient familial en euros (un nombre entier de 0 à 100 000)`);
      } else qf = Number(cleaned);
    }
    const startDate = date('date_debut', true);
    const endDate = date('date_fin', false);
    if (startDate && endDate && endDate < startDate) reasons.push('Colonne date_fin : la fin de validité précède son début');
    const rawSource = value('source');
    const source = rawSource ? SOURCES[plain(rawSource)] : 'agent';
    if (!source) reasons.push(`Colonne source : ${quote(rawSource)} n'est pas une source connue (CAF, MSA, mairie ou famille)`);
    if (reasons.length > 0) return { kind: 'rejected', line, reasons };
    return { kind: 'row', row: { kind: 'quotients', line, reference, qf, startDate: startDate!, endDate, source: source! } };
  }

  if (header.kind === 'soldes') {
    const document = required('numero_document', "le numéro du document dans l'ancien portail");
    if (document.length > 60) reasons.push('Colonne numero_document : le numéro dépasse 60 caractères');
    const rawAmount = value('montant');
    let amountCents = 0;
    if (!rawAmount) reasons.push('Colonne montant : le montant est vide');
    else {
      // "1 234,50 €", "12.5": euros with at most two decimals, more than zero.
      const m = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(rawAmount.replace(/[\s\u00a0\u202f€]/g, ''));
      if (!m) reasons.push(`Colonne montant : ${quote(rawAmount)} n'est pas un montant en euros (par exemple 42,50)`);
      else {
        amountCents = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
        if (amountCents === 0) reasons.push('Colonne montant : un solde de 0 € ne se reprend pas');
        else if (amountCents > 10_000_000) reasons.push(`Colonne montant : ${quote(rawAmount)} dépasse 100 000 €`);
      }
    }
    const label = value('libelle') || "Solde de l'ancien portail";
    if (label.length > 200) reasons.push('Colonne libelle : le libellé dépasse 200 caractères');
    const dueDate = date('date_echeance', true);
    const regie = value('regie') || null;
    if (reasons.length > 0) return { kind: 'rejected', line, reasons };
    return { kind: 'row', row: { kind: 'soldes', line, reference, document, amountCents, label, dueDate: dueDate!, regie } };
  }

  const child: ChildRef = {
    reference,
    firstName: required('prenom_enfant', "le prénom de l'enfant"),
    birthDate: date('date_naissance_enfant', false),
  };
  const activity = required('activite', "le nom de l'activité");
  const site = value('site') || null;
  if (header.kind === 'inscriptions') {
    const startDate = date('date_debut', false);
    const endDate = date('date_fin', false);
    if (startDate && endDate && endDate < startDate) reasons.push("Colonne date_fin : la fin de l'inscription précède son début");
    if (reasons.length > 0) return { kind: 'rejected', line, reasons };
    return { kind: 'row', row: { kind: 'inscriptions', line, child, activity, site, startDate, endDate } };
  }
  const day = date('date', true);
  if (day && day < today) {
    reasons.push(`Colonne date : le ${frDate(day)} est passé ; seules les réservations à venir sont reprises`);
  }
  if (reasons.length > 0) return { kind: 'rejected', line, reasons };
  return { kind: 'row', row: { kind: 'reservations', line, child, activity, site, day: day! } };
}

/** Lower case, no accents, words joined by '_': how names from two systems are compared. */
export function plain(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

export function frDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** A key for the duplicate check inside one file: what the row would create. */
export function rowKey(row: RepriseRow): string {
  const c = plain;
  if (row.kind === 'quotients') return `${c(row.reference)}|${row.startDate}`;
  if (row.kind === 'soldes') return `${c(row.reference)}|${c(row.regie ?? '')}|${row.document}`;
  const who = `${c(row.child.reference)}|${c(row.child.firstName)}|${row.child.birthDate ?? ''}|${c(row.activity)}|${c(row.site ?? '')}`;
  return row.kind === 'inscriptions' ? `${who}|${row.startDate ?? ''}` : `${who}|${row.day}`;
}

export type RepriseFileCheck = { ok: true; text: string; dataRows: number } | { ok: false; message: string };

/** The header and the number of rows, checked at the upload (the rows themselves are read by the worker). */
export function checkRepriseText(kind: RepriseKind, text: string, maxRows: number): RepriseFileCheck {
  const parsed = parseCsv(text);
  const header = readRepriseHeader(kind, parsed.records[0]);
  if (!header.ok) return header;
  const dataRows = parsed.records.slice(1).filter((r) => r.cells.some((c) => c.trim() !== '')).length;
  if (dataRows === 0)
    return { ok: false, message: 'Le fichier ne contient aucune ligne : seule la ligne des noms de colonnes est présente.' };
  if (dataRows > maxRows) {
    return {
      ok: false,
      message: `Le fichier contient ${dataRows.toLocaleString('fr-FR')} lignes ; un import en accepte ${maxRows.toLocaleString('fr-FR')} au plus. Découpez-le en plusieurs fichiers.`,
    };
  }
  return { ok: true, text, dataRows };
}
