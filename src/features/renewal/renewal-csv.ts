import { formatDate } from '../../lib/calendar/index.js';
import { textCell } from '../billing/export-csv.js';
import { RENEWAL_STATUS_LABELS, type RenewalStatus } from './renewal-status.js';

export interface CsvChild {
  familyName: string;
  cleEnfance: string;
  firstNames: string;
  lastName: string;
  status: RenewalStatus;
  submittedAt: Date | null;
  missing: string | null;
  activities: string[];
}

const HEADER = ['Famille', 'Clé Enfance', 'Enfant', 'Statut', 'Envoyé le', 'Ce qui manque', 'Activités choisies'];

/**
 * The campaign's follow-up as a CSV for a spreadsheet, with the billing export's conventions
 * (`;`, CRLF, a byte-order mark, formula-like text neutralised): one line per child.
 */
export function campaignCsv(children: readonly CsvChild[]): string {
  const rows = [HEADER.map(textCell)];
  for (const c of children) {
    rows.push([
      textCell(c.familyName),
      textCell(c.cleEnfance),
      textCell(`${c.firstNames} ${c.lastName}`),
      RENEWAL_STATUS_LABELS[c.status],
      c.submittedAt ? formatDate(c.submittedAt) : '',
      textCell(c.missing ?? ''),
      textCell(c.activities.join(', ')),
    ]);
  }
  return `\uFEFF${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
