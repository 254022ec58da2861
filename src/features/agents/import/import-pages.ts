import { clip } from '../../../lib/forms.js';
import type { ImportJob } from '../../../repositories/import-jobs.repository.js';
import { knownColumns } from '../../imports/import-format.js';

/** What the progress page and its script show, in words and figures. */
export function progressOf(job: ImportJob) {
  const rowsPercent = job.totalRows > 0 ? Math.floor((job.processedRows / job.totalRows) * 100) : 100;
  const accountsDone = job.accountsCreated + job.accountsSkipped;
  let message: string;
  if (job.status === 'pending') message = "L'import attend son tour : il commencera dans quelques instants.";
  else if (job.status === 'done') message = "L'import est terminé.";
  else if (job.status === 'failed') message = "L'import n'a pas pu être mené à bien.";
  else if (job.phase === 'rows') message = `Lignes traitées : ${job.processedRows} sur ${job.totalRows} (${rowsPercent} %).`;
  else message = `Toutes les lignes sont traitées. Comptes créés : ${accountsDone} sur ${job.accountsTotal}.`;
  return {
    status: job.status,
    phase: job.phase,
    processedRows: job.processedRows,
    totalRows: job.totalRows,
    accountsDone,
    accountsTotal: job.accountsTotal,
    finished: job.status === 'done' || job.status === 'failed',
    message,
  };
}

/** The sample row of the template: what a file of the town looks like. */
export const TEMPLATE_EXAMPLE: Record<string, string> = {
  reference_famille: 'F-000123',
  nom_famille: 'Martin',
  adresse: '12 rue des Écoles',
  code_postal: '40220',
  ville: 'Tarnos',
  adulte1_civilite: 'Mme',
  adulte1_nom: 'Martin',
  adulte1_prenom: 'Sophie',
  adulte1_courriel: 'sophie.martin@example.fr',
  adulte1_telephone: '06 12 34 56 78',
  adulte2_civilite: 'M',
  adulte2_nom: 'Martin',
  adulte2_prenom: 'Karim',
  enfant1_prenom: 'Léa',
  enfant1_date_naissance: '14/03/2017',
  enfant1_ecole: 'École Jean Jaurès',
  enfant1_classe: 'CE2',
};

/** The template to download: the known columns and the sample row, as a spreadsheet reads them. */
export function templateCsv(): string {
  const columns = knownColumns();
  const cell = (v: string) => (/[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  // A byte-order mark, so that a spreadsheet opening the file reads it as UTF-8.
  return `\uFEFF${columns.join(';')}\r\n${columns.map((c) => cell(TEMPLATE_EXAMPLE[c] ?? '')).join(';')}\r\n`;
}

/** The name of an uploaded file, shown back to agents only: control and direction characters and length are trimmed. */
export function uploadedName(originalName: string): string {
  // eslint-disable-next-line no-control-regex
  return clip(originalName.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ''), 200) || 'fichier.csv';
}
