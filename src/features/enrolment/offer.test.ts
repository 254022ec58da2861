import { describe, expect, it } from 'vitest';
import { formatEuros } from '../../lib/format.js';
import type { Tariff } from '../billing/pricing.js';
import { enrolmentState, priceRange, priceWords } from './offer.js';

const common = { id: 't', activityId: 'a', sibling2ReductionBp: 0, sibling3ReductionBp: 0, category: 'garde' as const };

describe('the offer', () => {
  it('says when enrolment opens, until when it is open, and when the activity is full', () => {
    const a = {
      enrolmentOpensAt: new Date('2027-01-10T08:00:00Z'),
      enrolmentClosesAt: new Date('2027-01-31T22:59:00Z'),
      capacity: 2,
      enrolled: 1,
    };
    expect(enrolmentState(a, new Date('2027-01-09T08:00:00Z'))).toEqual({
      kind: 'upcoming',
      label: 'Inscriptions à partir du 10/01/2027 à 09:00',
    });
    expect(enrolmentState(a, new Date('2027-01-10T08:00:00Z'))).toEqual({
      kind: 'open',
      label: "Inscriptions ouvertes jusqu'au 31/01/2027 à 23:59",
    });
    expect(enrolmentState({ ...a, enrolled: 2 }, new Date('2027-01-11T08:00:00Z')).kind).toBe('full');
    expect(enrolmentState(a, new Date('2027-02-01T08:00:00Z')).kind).toBe('closed');
    expect(enrolmentState({ ...a, enrolmentOpensAt: null }, new Date()).kind).toBe('closed');
  });

  it('gives the price range of the tariff in force, non-residents included', () => {
    const tariffs: Tariff[] = [
      { ...common, effectiveFrom: '2025-09-01', model: 'brackets', brackets: [{ qfMin: 0, priceCents: 100, nonResidentPriceCents: null }] },
      {
        ...common,
        effectiveFrom: '2026-09-01',
        model: 'brackets',
        brackets: [
          { qfMin: 0, priceCents: 50, nonResidentPriceCents: 600 },
          { qfMin: 800, priceCents: 420, nonResidentPriceCents: null },
        ],
      },
    ];
    expect(priceRange(tariffs, '2026-12-02')).toEqual({ minCents: 50, maxCents: 600 });
    expect(priceWords(priceRange(tariffs, '2026-12-02'), 'Journée')).toBe(
      `De ${formatEuros(50)} à ${formatEuros(600)} par journée, selon le quotient familial`,
    );
    expect(priceRange([], '2026-12-02')).toBeUndefined();
  });
});
