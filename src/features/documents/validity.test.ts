import { describe, expect, it } from 'vitest';
import { validityOf } from './validity.js';

describe('validityOf', () => {
  const today = '2026-03-10';
  it.each([
    [null, 'none', 'Sans date limite de validité'],
    ['2026-03-09', 'expired', "Expiré : valable jusqu'au 9 mars 2026"],
    ['2025-12-31', 'expired', "Expiré : valable jusqu'au 31 décembre 2025"],
    ['2026-03-10', 'soon', "Expire aujourd'hui : valable jusqu'au 10 mars 2026"],
    ['2026-03-11', 'soon', "Expire bientôt : valable jusqu'au 11 mars 2026 (dans 1 jour)"],
    ['2026-04-09', 'soon', "Expire bientôt : valable jusqu'au 9 avril 2026 (dans 30 jours)"],
    ['2026-04-10', 'valid', "Valable jusqu'au 10 avril 2026"],
  ] as const)('%s → %s', (until, kind, label) => {
    expect(validityOf(until, today)).toEqual({ kind, label });
  });
  it('counts calendar days across the spring time change', () => {
    expect(validityOf('2026-04-27', '2026-03-28').label).toContain('dans 30 jours');
  });
});
