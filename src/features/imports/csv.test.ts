import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads semicolon-separated cells, with a BOM and CRLF line endings', () => {
    const result = parseCsv('\uFEFFa;b;c\r\n1;2;3\r\n');
    expect(result.records).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', '2', '3'] },
    ]);
    expect(result.unterminatedQuoteAt).toBeUndefined();
  });

  it('reads LF and old Mac CR endings, and a last line without ending', () => {
    expect(parseCsv('a;b\n1;2').records.map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('a;b\r1;2\r').records.map((r) => r.line)).toEqual([1, 2]);
  });

  it('reads quoted cells with separators, doubled quotes and line breaks, and counts lines of the file', () => {
    const result = parseCsv('nom;adresse\n"Dupont; Martin";"12 rue ""des"" Écoles\r\nBâtiment B"\nDurand;x\n');
    expect(result.records).toEqual([
      { line: 1, cells: ['nom', 'adresse'] },
      { line: 2, cells: ['Dupont; Martin', '12 rue "des" Écoles\nBâtiment B'] },
      { line: 4, cells: ['Durand', 'x'] },
    ]);
  });

  it('keeps a quote inside an unquoted cell, and empty cells', () => {
    expect(parseCsv('Dupont "dit" Martin;;\n').records[0]!.cells).toEqual(['Dupont "dit" Martin', '', '']);
  });

  it('says where a quote was opened and never closed, keeping the records before it', () => {
    const result = parseCsv('a;b\n1;2\n3;"oops\n4;5\n');
    expect(result.records.map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(result.unterminatedQuoteAt).toBe(3);
  });

  it('gives empty lines as records of one empty cell (the import skips them)', () => {
    expect(parseCsv('a\n\nb\n').records).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, cells: [''] },
      { line: 3, cells: ['b'] },
    ]);
  });
});
