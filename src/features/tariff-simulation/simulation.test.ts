import { describe, expect, it } from 'vitest';
import type { Tariff } from '../billing/pricing.js';
import { parseQf, simulate, type SimulatedActivity } from './simulation.js';

const activity = (id: string, weekdays: number[]): SimulatedActivity => ({
  id,
  name: `Activité ${id}`,
  site: 'Site',
  unit: 'Repas',
  weekdays,
  runsDuring: 'school_weeks',
});

const common = { activityId: 'a', sibling2ReductionBp: 0, sibling3ReductionBp: 0, category: 'repas' as const };
const brackets = (effectiveFrom: string, nonResident: number | null = null): Tariff => ({
  ...common,
  id: `b-${effectiveFrom}`,
  effectiveFrom,
  model: 'brackets',
  brackets: [
    { qfMin: 0, priceCents: 99, nonResidentPriceCents: nonResident },
    { qfMin: 1100, priceCents: 380, nonResidentPriceCents: nonResident },
  ],
});

describe('parseQf', () => {
  it('reads whole euros, with the spaces and the euro sign people type, and empty as no QF', () => {
    expect(parseQf('850')).toEqual({ ok: true, qf: 850 });
    expect(parseQf(' 1\u202f200 € ')).toEqual({ ok: true, qf: 1200 });
    expect(parseQf('0')).toEqual({ ok: true, qf: 0 });
    expect(parseQf('100000')).toEqual({ ok: true, qf: 100_000 });
    expect(parseQf('')).toEqual({ ok: true, qf: null });
    expect(parseQf(undefined)).toEqual({ ok: true, qf: null });
  });

  it('refuses letters, negatives, cents, absurd values and repeated fields, in French', () => {
    for (const raw of ['abc', '-1', '12,5', '100001', '1e3', ['1', '2']]) {
      const r = parseQf(raw);
      expect(r.ok, String(raw)).toBe(false);
    }
    expect(parseQf('-1')).toMatchObject({ message: expect.stringContaining('négatif') });
    expect(parseQf('100001')).toMatchObject({ message: expect.stringContaining('de 0 à 100') });
  });
});

describe('simulate', () => {
  it('prices with the tariff in force today, four weeks of the activity’s days, and lists the unpriced', () => {
    const tariffs = new Map([
      [
        'a',
        [brackets('2026-09-01'), { ...brackets('2027-01-01'), brackets: [{ qfMin: 0, priceCents: 500, nonResidentPriceCents: null }] }],
      ],
    ]);
    const sim = simulate([activity('a', [1, 2, 4, 5]), activity('b', [3])], tariffs, '2026-12-02', { qf: 1100, resident: true });
    expect(sim.rows).toHaveLength(1);
    expect(sim.rows[0]).toMatchObject({
      unitCents: 380,
      familyUnitCents: 380,
      monthDays: 16,
      monthCents: 6080,
      nonResidentUnitCents: null,
    });
    expect(sim.rows[0]!.daysWords).toBe('les lundis, mardis, jeudis et vendredis');
    expect(sim.withoutTariff.map((a) => a.id)).toEqual(['b']);
  });

  it('gives the non-resident price beside the resident one, and makes it the family’s when it is not resident', () => {
    const tariffs = new Map([['a', [brackets('2026-09-01', 460)]]]);
    const resident = simulate([activity('a', [3])], tariffs, '2026-12-02', { qf: null, resident: true }).rows[0]!;
    expect(resident).toMatchObject({ unitCents: 380, nonResidentUnitCents: 460, familyUnitCents: 380, monthCents: 1520 });
    expect(resident.rule).toBe('Sans quotient familial : tranche la plus élevée (à partir de 1\u202f100\u00a0€)');
    const outside = simulate([activity('a', [3])], tariffs, '2026-12-02', { qf: 50, resident: false }).rows[0]!;
    expect(outside).toMatchObject({ familyUnitCents: 460, monthCents: 1840 });
    expect(outside.rule).toBe('Tranche de quotient de 0\u00a0€ à 1\u202f099\u00a0€, tarif non-résident');
  });
});
