import { describe, expect, it } from 'vitest';
import { eurosToCents, parseInvoiceFilters, readMonth } from './invoicing.schemas.js';

describe('eurosToCents', () => {
  it('reads euros as typed in France, to the cent, without floating point', () => {
    expect(eurosToCents('12,50')).toBe(1250);
    expect(eurosToCents('12.5')).toBe(1250);
    expect(eurosToCents('0,07')).toBe(7);
    expect(eurosToCents('1 234,56 €')).toBe(123456);
    expect(eurosToCents('4,35')).toBe(435); // 4.35 * 100 is 434.99999999999994 in floating point
    expect(eurosToCents('12')).toBe(1200);
  });

  it('refuses what is not an amount', () => {
    for (const v of ['', 'douze', '-1', '1,234', '1,2,3', '1e3', ',50', '12,']) expect(eurosToCents(v), v).toBeUndefined();
  });
});

describe('readMonth', () => {
  it('reads 2026-11, 11/2026 and 1/2027, and nothing else', () => {
    expect(readMonth('2026-11')).toBe('2026-11');
    expect(readMonth(' 11/2026 ')).toBe('2026-11');
    expect(readMonth('1/2027')).toBe('2027-01');
    for (const v of ['2026-13', '13/2026', 'novembre', '2026-1', '']) expect(readMonth(v), v).toBeUndefined();
  });
});

describe('parseInvoiceFilters', () => {
  it('keeps what it can read and drops the rest, never failing', () => {
    const f = parseInvoiceFilters({ mois: '11/2026', statut: 'en_retard', regie: 'pas-un-id', q: ' Martin\u0000 ', page: '3' });
    expect(f.search).toEqual({ month: '2026-11-01', status: 'en_retard', q: 'Martin' });
    expect(f.page).toBe(3);
    expect(parseInvoiceFilters({ statut: 'annulée', page: '-1', mois: ['2026-10', '2026-11'] })).toEqual({
      search: { month: '2026-10-01' },
      page: 1,
      values: { mois: '2026-10', statut: '', regie: '', q: '', famille: '' },
    });
  });
});
