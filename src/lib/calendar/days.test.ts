import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayFromParts,
  daysBetween,
  eachDay,
  eachWeek,
  isoWeekday,
  MAX_SPAN_DAYS,
  mondayOf,
  monthBounds,
  parisDay,
  parisInstant,
  parseDay,
  parseMonthKey,
  shiftMonth,
  weekday,
} from './days.js';

/** The answers are memoized: each is asked twice, and in orders that hit and miss the memo. */
describe('calendar days (memoized)', () => {
  it('says the Paris day of instants around midnight and both daylight-saving changes', () => {
    const cases: [string, string][] = [
      ['2026-03-28T22:59:59Z', '2026-03-28'],
      ['2026-03-28T23:00:00Z', '2026-03-29'],
      ['2026-03-29T21:59:59Z', '2026-03-29'], // a day of 23 hours
      ['2026-03-29T22:00:00Z', '2026-03-30'],
      ['2026-10-24T21:59:59Z', '2026-10-24'],
      ['2026-10-24T22:00:00Z', '2026-10-25'],
      ['2026-10-25T22:59:59Z', '2026-10-25'], // a day of 25 hours
      ['2026-10-25T23:00:00Z', '2026-10-26'],
      ['2026-11-23T09:00:00Z', '2026-11-23'],
    ];
    for (const round of [cases, [...cases].reverse(), cases]) {
      for (const [instant, day] of round) expect(parisDay(new Date(instant)), instant).toBe(day);
    }
  });

  it('gives each caller a Date of its own for an instant on Paris clocks', () => {
    const a = parisInstant('2026-10-25', '12:00');
    a.setTime(0);
    expect(parisInstant('2026-10-25', '12:00').toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(parisInstant('2026-03-29').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(parisInstant('2026-07-14', '23:59').toISOString()).toBe('2026-07-14T21:59:00.000Z');
  });

  it('adds days across months, years and daylight-saving changes, forwards and back', () => {
    for (let i = 0; i < 2; i++) {
      expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
      expect(addDays('2026-03-28', 1)).toBe('2026-03-29');
      expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
      expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
      expect(addDays('2026-10-25', 7)).toBe('2026-11-01');
      expect(weekday('2026-11-23')).toBe(1);
      expect(weekday('2026-11-29')).toBe(0);
    }
    expect(eachDay('2026-10-24', '2026-10-27')).toEqual(['2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27']);
  });
});

/** Issue 10: one range of days, 1900 to 2200, for every path, query and form. */
describe('the accepted days', () => {
  it('reads real days of the range and nothing else', () => {
    for (const day of ['1900-01-01', '2026-12-31', '2024-02-29', '2200-12-31']) expect(parseDay(day), day).toBe(day);
    const refused = ['9999-12-31', '0000-01-01', '1899-12-31', '2201-01-01', '2026-02-29', '2026-13-01', '2026-00-10', '2026-1-1'];
    for (const day of [...refused, ' 2026-12-01', '2026-12-01\0', '+010000-01-01', '', undefined, 20261201, ['2026-12-01']]) {
      expect(parseDay(day), String(day)).toBeUndefined();
    }
  });

  it('reads months of the range', () => {
    expect(parseMonthKey('1900-01')).toBe('1900-01');
    expect(parseMonthKey('2200-12')).toBe('2200-12');
    for (const month of ['9999-12', '0000-01', '1899-12', '2201-01', '2026-13', '2026-1', 'mois'])
      expect(parseMonthKey(month), month).toBeUndefined();
  });

  it('builds a day from numbers only when it exists in the range', () => {
    expect(dayFromParts(2026, 2, 28)).toBe('2026-02-28');
    expect(dayFromParts(2026, 2, 29)).toBeUndefined();
    expect(dayFromParts(1899, 12, 31)).toBeUndefined();
    expect(dayFromParts(2201, 1, 1)).toBeUndefined();
    expect(dayFromParts(2026.5, 1, 1)).toBeUndefined();
  });

  it('walks a counted number of days, and refuses to walk what no accepted input can ask', () => {
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(eachDay('2026-12-02', '2026-12-01')).toEqual([]);
    expect(eachDay('1900-01-01', '2200-12-31')).toHaveLength(MAX_SPAN_DAYS - 31 + 1);
    // The string after 9999-12-31 sorts before it: a comparison loop never ended here.
    expect(() => eachDay('9999-12-31', '+010000-01-01')).not.toThrow();
    expect(() => eachDay('0001-01-01', '9999-12-31')).toThrow(RangeError);
    expect(() => eachDay('nonsense', '2026-12-01')).toThrow(RangeError);
  });

  it('gives the Mondays of the weeks of a range', () => {
    expect(eachWeek('2026-11-30', '2026-12-31')).toEqual(['2026-11-30', '2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28']);
  });
});

describe('weeks, months and ranges', () => {
  it('finds the Monday of a week, a Sunday belonging to the week before', () => {
    expect(isoWeekday('2026-11-29')).toBe(7);
    expect(mondayOf('2026-11-29')).toBe('2026-11-23');
    expect(mondayOf('2026-12-31')).toBe('2026-12-28');
    expect(mondayOf('2026-11-23')).toBe('2026-11-23');
  });

  it('moves months across years and bounds them, February of a leap year included', () => {
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2027-01', -1)).toBe('2026-12');
    expect(monthBounds('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthBounds('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });

  it('counts whole days across the change to winter time', () => {
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
    expect(daysBetween('2026-10-26', '2026-10-24')).toBe(-2);
  });
});
