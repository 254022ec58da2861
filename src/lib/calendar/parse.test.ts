import { describe, expect, it } from 'vitest';
import { frenchDateOutOfRange, looksLikeFrenchDate, parseDateInput, parseFrenchDate, parseMonth } from './parse.js';

const rules = { label: 'La date de naissance', before: '2026-11-21', earliest: '1900-01-01' };
const parse = (day: string, month: string, year: string) => parseDateInput({ day, month, year }, rules);

describe('parseDateInput', () => {
  it('reads a complete date', () => {
    expect(parse('27', '3', '1985')).toEqual({ kind: 'valid', iso: '1985-03-27' });
    expect(parse(' 5 ', '09', '2001')).toEqual({ kind: 'valid', iso: '2001-09-05' });
  });

  it('reads month names as people type them', () => {
    expect(parse('27', 'mars', '1985')).toEqual({ kind: 'valid', iso: '1985-03-27' });
    expect(parse('1', 'Févr.', '1990')).toEqual({ kind: 'valid', iso: '1990-02-01' });
    expect(parse('14', 'AOUT', '1975')).toEqual({ kind: 'valid', iso: '1975-08-14' });
  });

  it('treats three empty boxes as no date (the field is optional)', () => {
    expect(parse('', ' ', '')).toEqual({ kind: 'empty' });
  });

  it('says which part is missing', () => {
    expect(parse('', '3', '1985')).toEqual({ kind: 'invalid', message: 'La date de naissance doit comporter un jour', parts: ['day'] });
    expect(parse('27', '', '')).toEqual({
      kind: 'invalid',
      message: 'La date de naissance doit comporter un mois et une année',
      parts: ['month', 'year'],
    });
  });

  it('refuses impossible dates', () => {
    expect(parse('32', '1', '1985')).toMatchObject({ message: 'La date de naissance doit être une date réelle', parts: ['day'] });
    expect(parse('12', '13', '1985')).toMatchObject({ message: 'La date de naissance doit être une date réelle', parts: ['month'] });
    expect(parse('31', '2', '1985')).toMatchObject({ message: 'La date de naissance doit être une date réelle' });
    expect(parse('29', '2', '2023')).toMatchObject({ message: 'La date de naissance doit être une date réelle' });
    expect(parse('29', '2', '2024')).toEqual({ kind: 'valid', iso: '2024-02-29' });
    expect(parse('a', 'b', 'c')).toMatchObject({ parts: ['day', 'month', 'year'] });
  });

  it('wants a four-digit year', () => {
    expect(parse('27', '3', '85')).toEqual({ kind: 'invalid', message: "L'année doit comporter 4 chiffres", parts: ['year'] });
  });

  it('wants a past date from 1900 on', () => {
    expect(parse('21', '11', '2026')).toMatchObject({ message: 'La date de naissance doit être dans le passé' });
    expect(parse('1', '1', '2030')).toMatchObject({ message: 'La date de naissance doit être dans le passé' });
    expect(parse('20', '11', '2026')).toEqual({ kind: 'valid', iso: '2026-11-20' });
    expect(parse('31', '12', '1899')).toMatchObject({ message: 'La date de naissance doit être le 1er janvier 1900 ou après' });
    expect(parse('1', '1', '1900')).toEqual({ kind: 'valid', iso: '1900-01-01' });
  });
});

describe('helpers', () => {
  it('parses months', () => {
    expect(parseMonth('décembre')).toBe(12);
    expect(parseMonth('0')).toBeUndefined();
    expect(parseMonth('brumaire')).toBeUndefined();
  });
});

describe("parseDateInput within the portal's range (issue 10)", () => {
  it('refuses years outside 1900–2200 even when a caller allows them', () => {
    const wide = { label: 'La date de fin de validité', before: '9999-12-31', earliest: '0000-01-01' };
    for (const year of ['0000', '1899', '2201', '9998']) {
      expect(parseDateInput({ day: '1', month: '1', year }, wide), year).toEqual({
        kind: 'invalid',
        message: 'La date de fin de validité doit être entre 1900 et 2200',
        parts: ['year'],
      });
    }
    expect(parseDateInput({ day: '31', month: '12', year: '2200' }, wide)).toEqual({ kind: 'valid', iso: '2200-12-31' });
  });
});

describe('parseFrenchDate (one box, JJ/MM/AAAA)', () => {
  it('reads a real day, with or without leading zeros, and what a date input sends', () => {
    const read: [string, string | undefined][] = [
      ['21/11/2026', '2026-11-21'],
      [' 1/2/2027 ', '2027-02-01'],
      ['13.12.2026', '2026-12-13'],
      ['13 - 12 - 2026', '2026-12-13'],
      ['2026-11-21', '2026-11-21'],
      ['13/12/26', undefined],
      ['31/02/2026', undefined],
      ['01/01/1899', undefined],
    ];
    for (const [typed, day] of read) expect(parseFrenchDate(typed), typed).toBe(day);
  });

  it('tells a date out of the range (1900–2200) from something that is no date', () => {
    const out = ['2201-01-01', '01/01/1899'].map(frenchDateOutOfRange);
    expect(out).toEqual([true, true]);
    expect(frenchDateOutOfRange('01/01/2026')).toBe(false);
    expect([looksLikeFrenchDate('01/01/1899'), looksLikeFrenchDate('demain')]).toEqual([true, false]);
  });
});
