import { describe, expect, it } from 'vitest';
import { longDay, presetRange, rangeLength, rangeWords } from './absence-dates.js';

describe('the presets of "Dates d\'absence"', () => {
  it('reads weeks Monday to Sunday, across a month and a year', () => {
    // Thursday 31 December 2026.
    expect(presetRange('cette-semaine', '2026-12-31')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(presetRange('semaine-prochaine', '2026-12-31')).toEqual({ from: '2027-01-04', to: '2027-01-10' });
    expect(presetRange('semaine-derniere', '2026-12-31')).toEqual({ from: '2026-12-21', to: '2026-12-27' });
    expect(presetRange('demain', '2026-12-31')).toEqual({ from: '2027-01-01', to: '2027-01-01' });
    // A Sunday belongs to the week that began on the Monday before.
    expect(presetRange('cette-semaine', '2026-11-29')).toEqual({ from: '2026-11-23', to: '2026-11-29' });
  });

  it('reads months whole, February of a leap year included', () => {
    expect(presetRange('ce-mois-ci', '2028-02-10')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(presetRange('mois-dernier', '2027-01-15')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(presetRange('mois-prochain', '2026-12-15')).toEqual({ from: '2027-01-01', to: '2027-01-31' });
    expect(presetRange('hier', '2027-03-01')).toEqual({ from: '2027-02-28', to: '2027-02-28' });
  });

  it('says the dates in words, with "1er"', () => {
    expect(longDay('2027-01-01')).toBe('vendredi 1er janvier 2027');
    expect(rangeWords({ from: '2026-12-16', to: '2026-12-16' })).toBe('Le mercredi 16 décembre 2026');
    expect(rangeWords({ from: '2026-12-07', to: '2026-12-11' })).toBe('Du lundi 7 décembre 2026 au vendredi 11 décembre 2026');
    // Across the change to winter time, days are still whole.
    expect(rangeLength({ from: '2026-10-24', to: '2026-10-26' })).toBe(3);
  });
});
