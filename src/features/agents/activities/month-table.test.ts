import { describe, expect, it } from 'vitest';
import { TownCalendar } from '../../reservations/day-states.js';
import { defaultMonth, monthRows } from './month-table.js';

const activity = { startDate: '2026-12-01', endDate: '2027-06-30' };
const calendar = new TownCalendar([
  { kind: 'closure', label: 'Pont', startDate: '2026-12-11', endDate: '2026-12-11' },
  { kind: 'school_holiday', label: 'Vacances de Noël', startDate: '2026-12-19', endDate: '2027-01-03' },
]);

describe("an activity's month table", () => {
  const rows = monthRows({
    activity,
    cal: { weekdays: [4, 5], runsDuring: 'school_weeks' },
    calendar,
    from: '2026-12-01',
    to: '2026-12-31',
    today: '2026-12-10',
    counts: [{ day: '2026-12-10', booked: 12, waiting: 2 }],
    figures: [{ day: '2026-12-10', absences: 1, present: 11 }],
  });

  it('has a row for each of its weekdays in the month, with the counts of that day', () => {
    expect(rows.map((r) => r.day)).toEqual([
      '2026-12-03',
      '2026-12-04',
      '2026-12-10',
      '2026-12-11',
      '2026-12-17',
      '2026-12-18',
      '2026-12-24',
      '2026-12-25',
      '2026-12-31',
    ]);
    const tenth = rows.find((r) => r.day === '2026-12-10')!;
    expect(tenth).toMatchObject({ booked: 12, waiting: 2, absences: 1, present: 11, past: true, closed: undefined });
    expect(rows.find((r) => r.day === '2026-12-17')).toMatchObject({ booked: 0, waiting: 0, present: null, past: false });
  });

  it('says why a day is closed: public holiday first, then closure, then school holidays', () => {
    const closed = Object.fromEntries(rows.filter((r) => r.closed).map((r) => [r.day, r.closed]));
    expect(closed).toEqual({
      '2026-12-11': 'Fermé (Pont)',
      '2026-12-24': 'Vacances de Noël',
      '2026-12-25': 'Férié (Noël)',
      '2026-12-31': 'Vacances de Noël',
    });
  });

  it('opens on the current month, kept within the activity', () => {
    expect(defaultMonth(activity, '2026-11-20')).toBe('2026-12');
    expect(defaultMonth(activity, '2027-02-14')).toBe('2027-02');
    expect(defaultMonth(activity, '2027-09-01')).toBe('2027-06');
  });
});
