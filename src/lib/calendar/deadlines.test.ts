import { describe, expect, it } from 'vitest';
import { addDays, eachDay, parisInstant, weekday } from './days.js';
import { changeWindow, deadlineFor, type CalendarFacts, type DeadlineRule } from './deadlines.js';

// A small calendar: 11 November 2026 (Wednesday) is a public holiday; the Christmas
// holidays run from 19 December 2026 to 3 January 2027.
const HOLIDAYS = new Set(['2026-11-11', '2026-12-25', '2027-01-01']);
const CHRISTMAS = { start: '2026-12-19', end: '2027-01-03' };
const facts: CalendarFacts = {
  isBusinessDay: (d) => ![0, 6].includes(weekday(d)) && !HOLIDAYS.has(d),
  holidaySessionStart: (d) => (d >= CHRISTMAS.start && d <= CHRISTMAS.end ? CHRISTMAS.start : undefined),
};

const tarnos: DeadlineRule = { kind: 'days_before', days: 15, calendar: 'calendar' };
const bondoufle: DeadlineRule = { kind: 'bondoufle', wednesday: { days: 7 }, holidaySession: { weeks: 4 } };

describe('Tarnos: school meals 15 days before', () => {
  it('is open until the end of D-15 on Paris clocks, closed a minute later', () => {
    // Meal on Thursday 10 December 2026: last day to book is Wednesday 25 November.
    const meal = '2026-12-10';
    expect(changeWindow(meal, tarnos, parisInstant('2026-11-25', '23:59'), facts).open).toBe(true);
    expect(changeWindow(meal, tarnos, new Date(parisInstant('2026-11-25', '23:59').getTime() + 59_999), facts).open).toBe(true);
    expect(changeWindow(meal, tarnos, parisInstant('2026-11-26', '00:00'), facts).open).toBe(false);
    expect(deadlineFor(meal, tarnos, facts).toISOString()).toBe('2026-11-25T23:00:00.000Z');
  });
});

describe('Bondoufle', () => {
  it('closes a Wednesday of a school week 7 days before', () => {
    const wednesday = '2026-12-02';
    expect(changeWindow(wednesday, bondoufle, parisInstant('2026-11-25', '22:00'), facts).open).toBe(true);
    expect(changeWindow(wednesday, bondoufle, parisInstant('2026-11-26', '00:00'), facts).open).toBe(false);
  });

  it("closes every day of a holiday session 4 weeks before the session's first day", () => {
    // Session starts Saturday 19 December: last day to book is Saturday 21 November.
    for (const day of ['2026-12-21', '2026-12-30', '2027-01-02']) {
      expect(changeWindow(day, bondoufle, parisInstant('2026-11-21', '23:00'), facts).open).toBe(true);
      expect(changeWindow(day, bondoufle, parisInstant('2026-11-22', '00:00'), facts).open).toBe(false);
    }
  });
});

describe('a cut-off hour', () => {
  it('closes at that time on the last day', () => {
    const rule: DeadlineRule = { kind: 'days_before', days: 2, calendar: 'calendar', cutoff: '10:00' };
    expect(changeWindow('2026-11-27', rule, parisInstant('2026-11-25', '10:00'), facts).open).toBe(true);
    expect(changeWindow('2026-11-27', rule, parisInstant('2026-11-25', '10:01'), facts).open).toBe(false);
  });
});

describe('a business-day rule', () => {
  const rule: DeadlineRule = { kind: 'days_before', days: 2, calendar: 'business', cutoff: '12:00' };
  it('skips the weekend', () => {
    // Monday 30 November: two business days before is Thursday 26 November.
    expect(deadlineFor('2026-11-30', rule, facts).getTime()).toBe(parisInstant('2026-11-26', '12:01').getTime());
  });
  it('skips a public holiday', () => {
    // Thursday 12 November: Wednesday 11 is a holiday, so Tuesday 10 then Monday 9.
    expect(deadlineFor('2026-11-12', rule, facts).getTime()).toBe(parisInstant('2026-11-09', '12:01').getTime());
  });
});

describe('the night of a daylight-saving change', () => {
  it('counts Paris clocks, not 24-hour blocks', () => {
    // Summer time ends on Sunday 25 October 2026 (03:00 → 02:00). A rule closing at 23:59
    // the day before gives 21:59 UTC in summer time and 22:59 UTC in winter time.
    const rule: DeadlineRule = { kind: 'days_before', days: 1, calendar: 'calendar' };
    expect(deadlineFor('2026-10-25', rule, facts).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(deadlineFor('2026-10-26', rule, facts).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    // Spring forward, 28 March 2027: 02:30 does not exist; a cut-off at 02:30 falls at 03:30.
    const night: DeadlineRule = { kind: 'days_before', days: 0, calendar: 'calendar', cutoff: '02:30' };
    expect(deadlineFor('2027-03-28', night, facts).toISOString()).toBe('2027-03-28T01:31:00.000Z');
  });
});

describe('calendar days', () => {
  it('adds days across months and years, and lists ranges', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(eachDay('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
});
