import { describe, expect, it } from 'vitest';
import { presetRange } from './absence-dates.js';

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
});
