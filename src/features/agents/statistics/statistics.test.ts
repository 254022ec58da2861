import { describe, expect, it } from 'vitest';
import { businessCalendar } from '../../../lib/calendar/index.js';
import type { ActivityCounts, CafAttendance } from '../../../repositories/statistics.repository.js';
import { horizontalBars } from './bar-chart.js';
import { ageAt, bracketsFrom, cafCsv, cafReturn, DEFAULT_CAF_BOUNDS, UNKNOWN_QF } from './caf-return.js';
import { activationFigures, activitiesCsv, activityFigures, percent, requestFigures } from './figures.js';

const counts = (o: Partial<ActivityCounts>): ActivityCounts => ({
  activityId: 'a',
  name: 'Cantine',
  site: '',
  booked: 0,
  bookedPast: 0,
  presentBooked: 0,
  walkIns: 0,
  justifiedAbsences: 0,
  unjustifiedAbsences: 0,
  waiting: 0,
  bookedOnLimitedDays: 0,
  capacity: 0,
  ...o,
});

describe('activity figures', () => {
  it('divides present by booked on past days, booked by capacity, and totals the activities', () => {
    const f = activityFigures([
      counts({ booked: 10, bookedPast: 8, presentBooked: 6, bookedOnLimitedDays: 10, capacity: 20, walkIns: 1 }),
      counts({ activityId: 'b', name: 'Garderie', booked: 2, bookedPast: 2, presentBooked: 2, walkIns: 2 }),
    ]);
    expect(f.rows[0]!.attendanceRate).toBe(0.75);
    expect(f.rows[0]!.occupancyRate).toBe(0.5);
    // No capacity: no occupancy rate rather than a division by zero.
    expect(f.rows[1]!.occupancyRate).toBeNull();
    expect(f.total).toMatchObject({ booked: 12, presentBooked: 8, bookedPast: 10, walkIns: 3, attendanceRate: 0.8 });
    expect(percent(f.total.attendanceRate)).toBe('80 %');
    expect(percent(null)).toBe('–');
  });

  it('writes a CSV whose formula-like names are neutralised', () => {
    const csv = activitiesCsv(activityFigures([counts({ name: '=cmd()', site: '+1' })]));
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.split('\r\n')[1]).toMatch(/^'=cmd\(\);'\+1;/);
  });
});

describe('requests and activations against the promise', () => {
  const calendar = businessCalendar();
  it('counts business hours: a request of Friday 17:00 decided on Monday 17:00 took one business day', () => {
    // Friday 4 and Monday 7 December 2026, 17:00 in Paris.
    const rows = requestFigures(
      [
        { type: 'absence', createdAt: new Date('2026-12-04T16:00:00Z'), decidedAt: new Date('2026-12-07T16:00:00Z') },
        { type: 'absence', createdAt: new Date('2026-12-01T08:00:00Z'), decidedAt: new Date('2026-12-07T16:00:00Z') },
        { type: 'add_member', createdAt: new Date('2026-11-02T08:00:00Z'), decidedAt: null },
      ],
      new Date('2026-12-08T08:00:00Z'),
      48,
      calendar,
    );
    const absence = rows.find((r) => r.type === 'absence')!;
    expect(absence).toMatchObject({ label: 'Absence', received: 2, decided: 2, withinPromise: 1, openLate: 0 });
    expect(rows.find((r) => r.type === 'add_member')).toMatchObject({ decided: 0, openLate: 1, meanHours: null });
  });

  it('counts the accounts validated within the promise', () => {
    expect(
      activationFigures(
        [
          { waitingSince: new Date('2026-12-04T16:00:00Z'), validatedAt: new Date('2026-12-07T16:00:00Z') },
          { waitingSince: new Date('2026-12-01T08:00:00Z'), validatedAt: new Date('2026-12-07T16:00:00Z') },
        ],
        48,
        calendar,
      ),
    ).toEqual({ validated: 2, withinPromise: 1 });
  });
});

describe('the CAF return', () => {
  it('takes the age on the day of attendance', () => {
    expect(ageAt('2020-12-10', '2026-12-09')).toBe(5);
    expect(ageAt('2020-12-10', '2026-12-10')).toBe(6);
    expect(ageAt('2020-02-29', '2026-02-28')).toBe(5);
  });

  it('labels brackets from their lower bounds, 0 added when missing', () => {
    expect(bracketsFrom([500, 1000]).map((b) => b.label)).toEqual([
      '0\u00a0€ à 499\u00a0€',
      '500\u00a0€ à 999\u00a0€',
      '1\u00a0000\u00a0€ et plus',
    ]);
  });

  it('sums hours per age band and QF bracket, or actes, with unknown QF and ages apart', () => {
    const activities = [
      { id: 'h', name: 'Accueil', site: '', unit: 'heures' as const, hoursPerDay: 2.5 },
      { id: 'x', name: 'Mercredi', site: '', unit: 'actes' as const, hoursPerDay: null },
    ];
    const day = (activityId: string, d: string, birthDate: string | null, qf: number | null): CafAttendance => ({
      activityId,
      name: '',
      site: '',
      unit: 'heures',
      hoursPerDay: null,
      day: d,
      birthDate,
      qf,
    });
    const returns = cafReturn(
      activities,
      [
        day('h', '2026-11-02', '2021-01-01', 300), // 5 years old, 0–599
        day('h', '2026-11-03', '2021-01-01', 300),
        day('h', '2026-11-02', '2018-05-05', 800), // 8, 600 and over
        day('h', '2026-11-02', '2018-05-05', null), // QF inconnu
        day('h', '2026-11-02', null, 800), // age unknown
        day('x', '2026-11-04', '2019-01-01', 100),
      ],
      new Map([['h', [0, 600]]]),
    );
    const h = returns[0]!;
    expect(h.townBrackets).toBe(true);
    expect(h.rows).toEqual([
      { bracket: '0\u00a0€ à 599\u00a0€', under6: 5, from6: 0, unknownAge: 0, total: 5 },
      { bracket: '600\u00a0€ et plus', under6: 0, from6: 2.5, unknownAge: 2.5, total: 5 },
      { bracket: UNKNOWN_QF, under6: 0, from6: 2.5, unknownAge: 0, total: 2.5 },
    ]);
    expect(h.total).toEqual({ under6: 5, from6: 5, unknownAge: 2.5, total: 12.5 });
    const x = returns[1]!;
    expect(x.townBrackets).toBe(false);
    expect(x.rows).toHaveLength(DEFAULT_CAF_BOUNDS.length + 1);
    expect(x.total).toEqual({ under6: 0, from6: 1, unknownAge: 0, total: 1 });
    const csv = cafCsv('2026-11', returns);
    expect(csv).toContain('2026-11;Accueil;;Heures;Total;5;5;2,5;12,5');
  });
});

describe('horizontal bars', () => {
  it('scales bars to the largest value or the given maximum', () => {
    const c = horizontalBars([
      { label: 'A', value: 10 },
      { label: 'B', value: 5 },
    ]);
    expect(c.bars[0]!.width).toBe(c.width - c.labelWidth - 60);
    expect(c.bars[1]!.width).toBe(c.bars[0]!.width / 2);
    expect(c.bars[1]!.y).toBeGreaterThan(c.bars[0]!.y);
    expect(horizontalBars([{ label: 'A', value: 50, text: '50 %' }], 100).bars[0]).toMatchObject({ text: '50 %', width: (640 - 280) / 2 });
    // Nothing to show still gives a drawable, empty chart.
    expect(horizontalBars([]).height).toBeGreaterThan(0);
  });
});
