import { describe, expect, it } from 'vitest';
import { csvRecord, exportReadme, manifestCsv, SECRET_COLUMN, storedFilePath } from './town-export.js';

describe("a town export's pieces", () => {
  it('writes RFC 4180 records, quoting only what needs it, and keeps values exactly', () => {
    expect(csvRecord(['a', null, '', 'b,c', 'dit "oui"', 'ligne\nsuivante', ' espace', '=1+1'])).toBe(
      'a,,,"b,c","dit ""oui""","ligne\nsuivante"," espace",=1+1\r\n',
    );
  });

  it('names a stored file after its table, row and own name, without a path to climb out', () => {
    expect(storedFilePath('private_document_files', 'content', 'abc', 'avis d’impôt.pdf')).toBe(
      'fichiers/private_document_files/abc-content-avis d_impôt.pdf',
    );
    expect(storedFilePath('accounts', 'photo', '(0,1)', null)).toBe('fichiers/accounts/_0_1_-photo');
    expect(storedFilePath('t', 'c', 'k', '../../etc/passwd')).toBe('fichiers/t/k-c-__.._etc_passwd');
  });

  it('withholds credentials but not the settings that merely name a password', () => {
    for (const c of ['password_hash', 'client_secret', 'token_hash', 'activation_token']) expect(SECRET_COLUMN.test(c), c).toBe(true);
    for (const c of ['password_policy', 'password_is_temporary', 'town_id', 'content']) expect(SECRET_COLUMN.test(c), c).toBe(false);
  });

  it('lists the files with their rows, and says in the README what is where', () => {
    const entries = [
      { file: 'tables/towns.csv', table: 'towns', rows: 1 },
      { file: 'tables/news.csv', table: 'news', rows: 0 },
    ];
    expect(manifestCsv(entries)).toBe('fichier,table,lignes\r\ntables/towns.csv,towns,1\r\ntables/news.csv,news,0\r\n');
    const readme = exportReadme({ slug: 'tarnos', name: 'Ville de Tarnos' }, new Date('2026-12-02T09:00:00Z'), entries, 3, [
      'agents.password_hash',
    ]);
    expect(readme).toContain('2 tables, dont 1 avec des lignes de la commune');
    expect(readme).toContain('3 fichiers');
    expect(readme).toContain('Colonnes concernées : agents.password_hash.');
  });
});
