import { describe, expect, it } from 'vitest';
import { parisInstant, type DeadlineRule } from '../../lib/calendar/index.js';
import { calendarFacts, dayStates, TownCalendar, type ActivityCalendar, type DayStateInput } from './day-states.js';

const tarnosRule: DeadlineRule = { kind: 'days_before', days: 15, calendar: 'calendar' };
const bondoufleRule: DeadlineRule = { kind: 'bondoufle', wednesday: { days: 7 }, holidaySession: { weeks: 4 } };

const calendar = new TownCalendar([
  { kind: 'school_holiday', label: 'Vacances de Noël', startDate: '2026-12-19', endDate: '2027-01-03' },
  { kind: 'closure', label: 'Pont', startDate: '2026-12-11', endDate: '2026-12-11' },
]);

const meals: ActivityCalendar = {
  id: 'meals',
  startDate: '2026-09-01',
  endDate: '2027-07-02',
  weekdays: [1, 2, 4, 5],
  runsDuring: 'school_weeks',
  capacity: 2,
  bookingRule: tarnosRule,
  cancellationRule: tarnosRule,
};

function input(overrides: Partial<DayStateInput> = {}): DayStateInput {
  return {
    activity: meals,
    enrolment: { startDate: '2026-09-01', endDate: '2027-07-02' },
    calendar,
    reservations: [],
    counts: [],
    now: parisInstant('2026-11-23', '09:00'),
    ...overrides,
  };
}

function one(i: DayStateInput, day: string) {
  return dayStates(i, day, day)[0]!;
}

describe('a school meal in Tarnos (15 days before)', () => {
  it('is bookable until the end of D-15 on Paris clocks, then closed for "date limite dépassée"', () => {
    // Thursday 10 December: last day to act is Wednesday 25 November.
    const open = one(input({ now: new Date(parisInstant('2026-11-26', '00:00').getTime() - 1) }), '2026-12-10');
    expect(open).toMatchObject({ status: 'bookable', changeable: true, full: false });
    expect(open.deadline).toEqual(parisInstant('2026-11-26', '00:00'));
    const late = one(input({ now: parisInstant('2026-11-26', '00:00') }), '2026-12-10');
    expect(late).toMatchObject({ status: 'closed', changeable: false, reason: { code: 'deadline', label: 'Date limite dépassée' } });
  });

  it('keeps a booked day booked after the deadline, but no longer changeable', () => {
    const reservations = [{ day: '2026-12-10', status: 'booked' as const, confirmed: true }];
    expect(one(input({ reservations }), '2026-12-10')).toMatchObject({ status: 'booked', changeable: true });
    expect(one(input({ reservations, now: parisInstant('2026-11-26', '00:00') }), '2026-12-10')).toMatchObject({
      status: 'booked',
      changeable: false,
      reason: { code: 'deadline' },
    });
  });

  it('uses the cancellation rule for a reserved day and the booking rule for the others', () => {
    const late: DeadlineRule = { kind: 'days_before', days: 2, calendar: 'calendar' };
    const activity = { ...meals, cancellationRule: late };
    const now = parisInstant('2026-12-01', '09:00');
    const reservations = [{ day: '2026-12-10', status: 'booked' as const, confirmed: true }];
    expect(one(input({ activity, now }), '2026-12-10').status).toBe('closed');
    expect(one(input({ activity, now, reservations }), '2026-12-10')).toMatchObject({ status: 'booked', changeable: true });
  });

  it('says why a day has no meal: not its weekday, public holiday, closure, school holiday, outside the enrolment', () => {
    const now = parisInstant('2026-09-01', '09:00');
    const states = dayStates(input({ now, enrolment: { startDate: '2026-09-01', endDate: '2026-12-31' } }), '2026-11-09', '2026-11-15');
    expect(states.map((s) => s.status)).toEqual([
      'bookable',
      'bookable',
      'not_running',
      'bookable',
      'bookable',
      'not_running',
      'not_running',
    ]);
    expect(one(input({ now }), '2026-11-11').status).toBe('not_running'); // a Wednesday: no meal that day anyway
    const armistice = one(input({ now, activity: { ...meals, weekdays: [1, 2, 3, 4, 5] } }), '2026-11-11');
    expect(armistice).toMatchObject({ status: 'closed', reason: { code: 'public_holiday', label: 'Férié (Armistice 1918)' } });
    expect(one(input({ now }), '2026-12-11')).toMatchObject({ status: 'closed', reason: { code: 'closure', label: 'Fermé (Pont)' } });
    expect(one(input({ now }), '2026-12-21')).toMatchObject({
      status: 'closed',
      reason: { code: 'school_holiday', label: 'Vacances de Noël' },
    });
    const outside = one(input({ now, enrolment: { startDate: '2026-09-01', endDate: '2026-12-31' } }), '2027-01-04');
    expect(outside).toMatchObject({ status: 'not_running', reason: { code: 'outside_enrolment' } });
  });

  it('offers a full day for the waiting list, and shows the rank of a waiting child', () => {
    const counts = [{ day: '2026-12-10', capacity: 2, booked: 2 }];
    expect(one(input({ counts }), '2026-12-10')).toMatchObject({
      status: 'bookable',
      changeable: true,
      full: true,
      reason: { code: 'full' },
    });
    const reservations = [{ day: '2026-12-10', status: 'waiting' as const, confirmed: true, position: 3 }];
    expect(one(input({ counts, reservations }), '2026-12-10')).toMatchObject({ status: 'waiting', reservation: { position: 3 } });
    // The day's own capacity wins over the activity's (an agent may have raised it).
    expect(one(input({ counts: [{ day: '2026-12-10', capacity: 3, booked: 2 }] }), '2026-12-10').full).toBe(false);
    expect(
      one(input({ activity: { ...meals, capacity: null }, counts: [{ day: '2026-12-10', capacity: null, booked: 90 }] }), '2026-12-10')
        .full,
    ).toBe(false);
  });
});

describe('Bondoufle', () => {
  const wednesdays: ActivityCalendar = {
    ...meals,
    id: 'mercredi',
    weekdays: [3],
    capacity: null,
    bookingRule: bondoufleRule,
    cancellationRule: bondoufleRule,
  };
  const alsh: ActivityCalendar = { ...wednesdays, id: 'alsh', weekdays: [1, 2, 3, 4, 5], runsDuring: 'school_holidays' };

  it('closes a Wednesday of a school week 7 days before', () => {
    expect(one(input({ activity: wednesdays, now: parisInstant('2026-11-25', '23:59') }), '2026-12-02').changeable).toBe(true);
    expect(one(input({ activity: wednesdays, now: parisInstant('2026-11-26', '00:00') }), '2026-12-02').changeable).toBe(false);
  });

  it("closes a holiday session 4 weeks before its first day of care, which is the Monday after the holidays' Saturday", () => {
    // Christmas holidays from Saturday 19 December; the ALSH opens Monday 21: last day is Monday 23 November.
    expect(calendarFacts(alsh, calendar).holidaySessionStart('2026-12-30')).toBe('2026-12-21');
    for (const day of ['2026-12-21', '2026-12-30']) {
      expect(one(input({ activity: alsh, now: parisInstant('2026-11-23', '23:59') }), day).changeable).toBe(true);
      expect(one(input({ activity: alsh, now: parisInstant('2026-11-24', '00:00') }), day).changeable).toBe(false);
    }
    // Christmas Day is a public holiday; outside the holidays the ALSH does not run.
    expect(one(input({ activity: alsh }), '2026-12-25')).toMatchObject({ status: 'closed', reason: { code: 'public_holiday' } });
    expect(one(input({ activity: alsh }), '2026-12-16').status).toBe('not_running');
  });
});

describe('a business-day rule with a cut-off hour', () => {
  it('skips the weekend, public holidays and the town closures', () => {
    const rule: DeadlineRule = { kind: 'days_before', days: 2, calendar: 'business', cutoff: '10:00' };
    const activity = { ...meals, bookingRule: rule, cancellationRule: rule };
    // Monday 14 December: Friday 11 is a closure, so Thursday 10 then Wednesday 9, until 10:00.
    expect(one(input({ activity }), '2026-12-14').deadline).toEqual(parisInstant('2026-12-09', '10:01'));
    expect(one(input({ activity, now: parisInstant('2026-12-09', '10:00') }), '2026-12-14').changeable).toBe(true);
    expect(one(input({ activity, now: parisInstant('2026-12-09', '10:01') }), '2026-12-14').changeable).toBe(false);
    // Thursday 12 November: Wednesday 11 is a public holiday, so Tuesday 10 then Monday 9.
    expect(one(input({ activity }), '2026-11-12').deadline).toEqual(parisInstant('2026-11-09', '10:01'));
  });

  it('follows Paris clocks across the end of summer time', () => {
    const rule: DeadlineRule = { kind: 'days_before', days: 1, calendar: 'calendar' };
    const activity = { ...meals, weekdays: [1, 2, 3, 4, 5, 6, 7], runsDuring: 'all' as const, bookingRule: rule, cancellationRule: rule };
    // Monday 26 October 2026: the last day is Sunday 25, the night clocks went back.
    expect(one(input({ activity, now: parisInstant('2026-10-01') }), '2026-10-26').deadline?.toISOString()).toBe(
      '2026-10-25T23:00:00.000Z',
    );
  });
});

describe('the agenda view (no deadlines)', () => {
  it('says what is booked without computing any deadline', () => {
    const late = input({ now: parisInstant('2026-12-20'), withDeadlines: false });
    expect(one(late, '2026-12-10')).toEqual({ day: '2026-12-10', status: 'bookable', changeable: false, full: false });
    const booked = { ...late, reservations: [{ day: '2026-12-10', status: 'booked' as const, confirmed: true }] };
    expect(one(booked, '2026-12-10')).toMatchObject({ status: 'booked', changeable: false });
    expect(one(late, '2026-12-21').reason?.code).toBe('school_holiday');
  });
});
