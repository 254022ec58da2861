import { describe, expect, it } from 'vitest';
import type { Tariff } from '../../billing/pricing.js';
import { MAX_ROWS, parseTariffForm, rowCount, schoolYearOf, tariffValues } from './tariff-form.js';

const ACTIVITY = '7d0c1d0e-0000-4000-8000-000000000001';

describe('the tariff form', () => {
  it('reads the version back from the values it shows: the form starts from the version in force', () => {
    const versions: Tariff[] = [
      {
        id: 'a',
        activityId: ACTIVITY,
        effectiveFrom: '2026-09-01',
        model: 'brackets',
        brackets: [
          { qfMin: 0, priceCents: 99, nonResidentPriceCents: null },
          { qfMin: 1100, priceCents: 380, nonResidentPriceCents: 520 },
        ],
        sibling2ReductionBp: 1250,
        sibling3ReductionBp: 0,
        category: 'repas',
      },
      {
        id: 'b',
        activityId: ACTIVITY,
        effectiveFrom: '2026-09-01',
        model: 'effort',
        effortRatePpm: 3600,
        effortFloorCents: 260,
        effortCeilingCents: 450,
        nonResidentPriceCents: null,
        sibling2ReductionBp: 0,
        sibling3ReductionBp: 2000,
        category: 'garde',
      },
    ];
    for (const version of versions) {
      const { values, rows } = tariffValues(version, '2026-2027');
      expect(values.dateEffet).toBe('');
      const parsed = parseTariffForm({ ...values, lignes: String(rows), dateEffet: '04/01/2027' }, ACTIVITY);
      const { id: _id, ...rest } = version;
      expect(parsed).toEqual({ ok: true, tariff: { ...rest, effectiveFrom: '2027-01-04', schoolYear: '2026-2027', createdBy: null } });
    }
  });

  it('skips blank rows, sorts the brackets, and reads only the rows the form showed', () => {
    const body = {
      anneeScolaire: '2026-2027',
      dateEffet: '01/09/2026',
      categorie: 'repas',
      modele: 'brackets',
      lignes: '3',
      qf0: '1100',
      prix0: '3,80',
      qf1: ' ',
      prix1: '',
      qf2: '0',
      prix2: '0,99',
      qf3: '2000',
      prix3: '4,80',
    };
    const parsed = parseTariffForm(body, ACTIVITY);
    expect(parsed.ok && parsed.tariff.model === 'brackets' && parsed.tariff.brackets).toEqual([
      { qfMin: 0, priceCents: 99, nonResidentPriceCents: null },
      { qfMin: 1100, priceCents: 380, nonResidentPriceCents: null },
    ]);
  });

  it('keeps the number of rows within bounds, one more for "Ajouter une tranche"', () => {
    expect(rowCount({})).toBe(4);
    expect(rowCount({ lignes: '6' }, true)).toBe(7);
    expect(rowCount({ lignes: '0' })).toBe(1);
    expect(rowCount({ lignes: '99' }, true)).toBe(MAX_ROWS);
    expect(rowCount({ lignes: '-3' })).toBe(4);
  });

  it('names the school year of a day: it starts on 1 September', () => {
    expect([schoolYearOf('2026-08-31'), schoolYearOf('2026-09-01'), schoolYearOf('2027-01-15')]).toEqual([
      '2025-2026',
      '2026-2027',
      '2026-2027',
    ]);
  });
});
