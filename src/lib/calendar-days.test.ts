import { describe, expect, it } from 'vitest';
import { addDays, eachDay, parisDay, parisInstant, weekday } from './calendar-days.js';

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
