import { describe, expect, it } from 'vitest';
import { NO_COUNTS, type ImportJob } from '../../../repositories/import-jobs.repository.js';
import { knownColumns } from '../../imports/import-format.js';
import { progressOf, templateCsv, uploadedName } from './import-pages.js';

const job = (changes: Partial<ImportJob>): ImportJob => ({
  id: 'j',
  townId: 't',
  agentId: null,
  actorLabel: 'Agent',
  ip: null,
  fileName: 'familles.csv',
  kind: 'familles',
  status: 'running',
  phase: 'rows',
  totalRows: 200,
  ...NO_COUNTS,
  processedRows: 50,
  accountsCreated: 0,
  accountsSkipped: 0,
  failure: null,
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
  ...changes,
});

describe('the import pages', () => {
  it('says how far an import is, rows first, then accounts', () => {
    expect(progressOf(job({})).message).toBe('Lignes traitées : 50 sur 200 (25 %).');
    const accounts = progressOf(job({ phase: 'accounts', processedRows: 200, accountsTotal: 10, accountsCreated: 3, accountsSkipped: 1 }));
    expect(accounts).toMatchObject({ accountsDone: 4, finished: false });
    expect(accounts.message).toBe('Toutes les lignes sont traitées. Comptes créés : 4 sur 10.');
    expect(progressOf(job({ status: 'done' }))).toMatchObject({ finished: true, message: "L'import est terminé." });
    expect(progressOf(job({ status: 'failed' })).finished).toBe(true);
  });

  it('offers a template a spreadsheet opens as UTF-8, with every known column and a sample row', () => {
    const csv = templateCsv();
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, sample] = csv.slice(1).split('\r\n');
    expect(header!.split(';')).toEqual(knownColumns());
    expect(sample).toContain('12 rue des Écoles');
  });

  it('keeps an uploaded name readable: no control or direction characters, 200 characters at most', () => {
    expect(uploadedName('fam\u0000illes\u202e.csv')).toBe('familles.csv');
    expect(uploadedName('\u0001\u0002')).toBe('fichier.csv');
    expect(uploadedName(`${'a'.repeat(300)}.csv`)).toHaveLength(200);
  });
});
