import { describe, expect, it } from 'vitest';
import { addBusinessMs, businessCalendar, businessMsBetween, formatBusinessHours, promiseStatus } from './business.js';
import { FixedClock } from '../clock.js';

const H = 60 * 60 * 1000;
const open = businessCalendar();
const FORTY_EIGHT = 48 * H;

/** Instants are written in UTC; the comments give the Paris time. */
const at = (iso: string) => new Date(iso);

describe('the business calendar', () => {
  it('counts Monday to Friday, without French public holidays from date-holidays or closure days', () => {
    const calendar = businessCalendar([{ startDate: '2026-11-27', endDate: '2026-11-27' }]);
    expect(calendar.isBusinessDay('2026-11-23')).toBe(true); // Monday
    expect(calendar.isBusinessDay('2026-11-21')).toBe(false); // Saturday
    expect(calendar.isBusinessDay('2026-11-22')).toBe(false); // Sunday
    expect(calendar.isBusinessDay('2026-11-11')).toBe(false); // Armistice, a Wednesday
    expect(calendar.isBusinessDay('2026-12-25')).toBe(false); // Christmas, a Friday
    expect(calendar.isBusinessDay('2026-05-14')).toBe(false); // Ascension: computed from Easter, not a table
    expect(calendar.isBusinessDay('2027-03-29')).toBe(false); // Easter Monday 2027
    expect(calendar.isBusinessDay('2026-11-27')).toBe(false); // the town's closure day
    expect(open.isBusinessDay('2026-11-27')).toBe(true); // … of that town only
  });
});

describe('time waited in business hours', () => {
  it('skips the weekend: Friday 10:00 → Monday 10:00 is 24 hours', () => {
    const clock = new FixedClock('2026-11-20T09:00:00Z'); // Friday 10:00
    const created = clock.now();
    clock.set('2026-11-21T15:00:00Z'); // Saturday 16:00: Friday's 14 hours, nothing more
    expect(businessMsBetween(created, clock.now(), open)).toBe(14 * H);
    clock.set('2026-11-23T09:00:00Z'); // Monday 10:00
    expect(businessMsBetween(created, clock.now(), open)).toBe(24 * H);
  });

  it('promises 48 hours = two working days: due Tuesday 10:00, late one minute after', () => {
    const created = at('2026-11-20T09:00:00Z'); // Friday 10:00
    const clock = new FixedClock('2026-11-24T08:59:00Z'); // Tuesday 09:59
    let status = promiseStatus(created, clock.now(), 48, open);
    expect(status.deadline.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(status.late).toBe(false);
    clock.set('2026-11-24T09:00:00Z'); // exactly at the deadline: still within the promise
    expect(promiseStatus(created, clock.now(), 48, open).late).toBe(false);
    clock.advance(60_000);
    status = promiseStatus(created, clock.now(), 48, open);
    expect(status.late).toBe(true);
    expect(status.waitedMs).toBe(FORTY_EIGHT + 60_000);
  });

  it('starts counting at the next business day when the request comes at the weekend', () => {
    const created = at('2026-11-21T14:00:00Z'); // Saturday 15:00
    expect(businessMsBetween(created, at('2026-11-22T22:00:00Z'), open)).toBe(0); // Sunday 23:00
    // Monday and Tuesday in full: due on Wednesday at 00:00 Paris.
    expect(addBusinessMs(created, FORTY_EIGHT, open).toISOString()).toBe('2026-11-24T23:00:00.000Z');
  });

  it('skips a public holiday: 11 novembre 2026 is a Wednesday', () => {
    const created = at('2026-11-10T14:00:00Z'); // Tuesday 15:00
    // Tuesday 9 h, Wednesday 11/11 nothing, Thursday 24 h, Friday 15 h.
    expect(businessMsBetween(created, at('2026-11-12T23:00:00Z'), open)).toBe(33 * H); // Friday 00:00
    const status = promiseStatus(created, at('2026-11-13T14:30:00Z'), 48, open); // Friday 15:30
    expect(status.deadline.toISOString()).toBe('2026-11-13T14:00:00.000Z'); // Friday 15:00, not Thursday
    expect(status.late).toBe(true);
    expect(promiseStatus(created, at('2026-11-12T15:00:00Z'), 48, open).late).toBe(false); // Thursday 16:00
  });

  it('skips Christmas and the weekend after it', () => {
    const created = at('2026-12-24T11:00:00Z'); // Thursday 24 December, 12:00
    // Thursday 12 h, Friday 25 (Noël), Saturday, Sunday nothing, Monday 24 h, Tuesday 12 h.
    expect(addBusinessMs(created, FORTY_EIGHT, open).toISOString()).toBe('2026-12-29T11:00:00.000Z');
    expect(businessMsBetween(created, at('2026-12-28T11:00:00Z'), open)).toBe(24 * H); // Monday 12:00
  });

  it("skips the town's closure days", () => {
    const calendar = businessCalendar([{ startDate: '2026-11-27', endDate: '2026-11-27' }]); // the Friday after Thursday
    const created = at('2026-11-26T08:00:00Z'); // Thursday 09:00
    // Thursday 15 h, Friday closed, weekend, Monday 24 h, Tuesday 9 h.
    expect(addBusinessMs(created, FORTY_EIGHT, calendar).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(addBusinessMs(created, FORTY_EIGHT, open).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(promiseStatus(created, at('2026-11-30T12:00:00Z'), 48, calendar).late).toBe(false);
    expect(promiseStatus(created, at('2026-11-30T12:00:00Z'), 48, open).late).toBe(true);
  });

  it('is not moved by the night clocks go forward (Sunday 29 March 2026)', () => {
    const created = at('2026-03-27T11:00:00Z'); // Friday 12:00 CET
    // Monday 10:00 CEST is 08:00 UTC: Friday 12 h + Monday 10 h, whatever the UTC offsets.
    expect(businessMsBetween(created, at('2026-03-30T08:00:00Z'), open)).toBe(22 * H);
    // Sunday's 23 hours count for nothing; Monday starts at 00:00 CEST (22:00 UTC on Sunday).
    expect(businessMsBetween(created, at('2026-03-29T22:00:00Z'), open)).toBe(12 * H);
    expect(addBusinessMs(created, FORTY_EIGHT, open).toISOString()).toBe('2026-03-31T10:00:00.000Z'); // Tuesday 12:00 CEST
  });

  it('is not moved by the night clocks go back (Sunday 25 October 2026)', () => {
    const created = at('2026-10-23T16:00:00Z'); // Friday 18:00 CEST
    // Friday 6 h, Monday 24 h, Tuesday 18 h: due Tuesday 18:00 CET, 17:00 UTC.
    expect(addBusinessMs(created, FORTY_EIGHT, open).toISOString()).toBe('2026-10-27T17:00:00.000Z');
    expect(businessMsBetween(created, at('2026-10-26T23:00:00Z'), open)).toBe(30 * H); // Tuesday 00:00 CET
  });

  it('counts nothing backwards, and stops on a calendar closed for ever', () => {
    expect(businessMsBetween(at('2026-11-24T09:00:00Z'), at('2026-11-23T09:00:00Z'), open)).toBe(0);
    const never = businessCalendar([{ startDate: '2000-01-01', endDate: '2999-12-31' }]);
    expect(businessMsBetween(at('2026-11-20T09:00:00Z'), at('2026-12-20T09:00:00Z'), never)).toBe(0);
    expect(addBusinessMs(at('2026-11-20T09:00:00Z'), FORTY_EIGHT, never).getTime()).toBeGreaterThan(at('2036-01-01T00:00:00Z').getTime());
  });
});

describe('formatBusinessHours', () => {
  it('says whole hours in French', () => {
    expect(formatBusinessHours(59 * 60 * 1000)).toBe("moins d'une heure ouvrée");
    expect(formatBusinessHours(H)).toBe('1 heure ouvrée');
    expect(formatBusinessHours(27.9 * H)).toBe('27 heures ouvrées');
  });
});
