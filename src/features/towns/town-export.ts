import type { TableColumns } from '../../repositories/town-admin.repository.js';

/**
 * What a town's export is made of, without the database: the CSV of a table, the name of a
 * stored file inside the archive, the README. The export is for an auditor (or the town
 * leaving the platform): every column as PostgreSQL writes it, nothing rounded or translated.
 */

/**
 * One CSV record (RFC 4180: commas, CRLF, quotes doubled). Values are kept exactly: a cell
 * starting with `=` is not neutralised as the agents' spreadsheets are, because an audit
 * needs the stored value; the README says to import the files as text.
 */
export function csvRecord(values: readonly (string | null)[]): string {
  return `${values.map((v) => (v === null ? '' : /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',')}\r\n`;
}

/** Where a row's stored file goes in the archive: under its table, named after the row and, when it has one, the file's own name. */
export function storedFilePath(table: string, column: string, key: string, fileName: string | null): string {
  const safe = (s: string) =>
    s
      .normalize('NFC')
      .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
      .replace(/^\.+/, '_')
      .slice(0, 120);
  return `fichiers/${table}/${safe(key)}-${column}${fileName ? `-${safe(fileName)}` : ''}`;
}

/** The row's key for file names: its `id` when the table has one, else its place in the table. */
export function rowKeyIndex(t: TableColumns): number {
  return t.columns.findIndex((c) => c.name === 'id');
}

export function fileNameIndex(t: TableColumns): number {
  return t.columns.findIndex((c) => c.name === 'file_name');
}

/**
 * Credentials are not exported: password hashes, client secrets, tokens and keys. Their column
 * stays in the CSV (the auditor sees it exists), its cells hold WITHHELD.
 */
export const SECRET_COLUMN = /password_hash|secret|token|key_hash|private_key|api_key/i;
export const WITHHELD = '(retiré de l’export)';

export interface ManifestEntry {
  file: string;
  table: string;
  rows: number;
}

export function manifestCsv(entries: readonly ManifestEntry[]): string {
  return csvRecord(['fichier', 'table', 'lignes']) + entries.map((e) => csvRecord([e.file, e.table, String(e.rows)])).join('');
}

export function exportReadme(
  town: { slug: string; name: string },
  at: Date,
  entries: readonly ManifestEntry[],
  files: number,
  withheld: readonly string[],
): string {
  const tables = entries.filter((e) => e.file.startsWith('tables/'));
  const withRows = tables.filter((e) => e.rows > 0);
  return [
    `EXPORT COMPLET DE LA COMMUNE « ${town.name} » (${town.slug})`,
    '',
    `Établi le ${at.toISOString()} (UTC), dans un seul instantané de la base de données : toutes les tables sont lues au même instant.`,
    '',
    'Contenu de l’archive',
    '',
    `- tables/<table>.csv : une table par fichier (${tables.length} tables, dont ${withRows.length} avec des lignes de la commune),`,
    '  toutes les lignes de la commune, avec une ligne d’en-tête qui nomme les colonnes.',
    '  Format : UTF-8, virgule entre les cellules, guillemets doublés, fin de ligne CRLF (RFC 4180).',
    '  Chaque valeur est écrite telle que PostgreSQL l’affiche : dates AAAA-MM-JJ, instants avec leur fuseau,',
    '  montants en centimes, booléens t/f, JSON tel quel ; une cellule vide est une valeur absente (NULL).',
    '  Importez ces fichiers dans un tableur en tant que texte : aucune valeur n’est modifiée, pas même celles',
    '  qui commencent par =, + ou -.',
    `- fichiers/<table>/… : les fichiers stockés (${files} fichiers : pièces des familles, pièces jointes, photos, documents`,
    '  des pages d’information). Dans le CSV de leur table, la colonne du contenu donne le chemin du fichier dans',
    '  cette archive au lieu des octets.',
    '- manifeste.csv : la liste des fichiers de tables avec leur nombre de lignes.',
    '',
    `Les secrets ne sont pas exportés (mots de passe même chiffrés, clés, jetons) : leurs cellules valent « ${WITHHELD} ».`,
    `Colonnes concernées : ${withheld.length ? withheld.join(', ') : 'aucune'}.`,
    'Ces données sont personnelles (RGPD) : conservez cette archive chiffrée et supprimez-la après usage.',
    '',
  ].join('\r\n');
}
