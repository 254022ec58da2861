import {
  businessCalendar,
  changeWindow,
  eachDay,
  isoWeekday,
  publicHolidayName,
  type BusinessCalendar,
  type CalendarFacts,
  type DeadlineRule,
} from '../../lib/calendar/index.js';

/**
 * What a day is for one child in one activity: the one place that composes the town's
 * calendar (public holidays, closures, school holidays), the activity's days, the
 * enrolment, the reservations and the counters with the deadline rules of lib/calendar.
 * Pure: the caller loads the rows and passes the clock's `now`, so pages, the save and
 * the tests all get the same answer.
 */

export type RunsDuring = 'school_weeks' | 'school_holidays' | 'all';

export interface ActivityCalendar {
  id: string;
  startDate: string;
  endDate: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[];
  runsDuring: RunsDuring;
  capacity: number | null;
  bookingRule: DeadlineRule;
  cancellationRule: DeadlineRule;
}

export interface Closure {
  kind: 'closure' | 'school_holiday';
  label: string;
  startDate: string;
  endDate: string;
}

export interface EnrolmentPeriod {
  startDate: string;
  endDate: string;
}

export interface ReservationLine {
  day: string;
  status: 'booked' | 'waiting';
  confirmed: boolean;
  /** Rank on the day's waiting list, 1 = next to get a place. */
  position?: number;
}

export interface DayCount {
  day: string;
  capacity: number | null;
  booked: number;
}

export type DayStatus = 'bookable' | 'booked' | 'waiting' | 'not_running' | 'closed';
export type ReasonCode = 'deadline' | 'public_holiday' | 'school_holiday' | 'closure' | 'full' | 'outside_enrolment';

export interface DayState {
  day: string;
  status: DayStatus;
  /** The parent may tick or untick it now (a full day can be ticked: the child goes on the waiting list). */
  changeable: boolean;
  /** The first instant it can no longer be changed, for running days. */
  deadline?: Date;
  /** Why it cannot be changed, or (code 'full') what ticking it will do. */
  reason?: { code: ReasonCode; label: string };
  reservation?: ReservationLine;
  /** No place left on that day. */
  full: boolean;
}

/** The town's calendar, indexed for day look-ups. */
export class TownCalendar {
  /** Business days as the 48-hour promise counts them: one definition for the whole app. */
  readonly #business: BusinessCalendar;
  constructor(readonly closures: Closure[]) {
    this.#business = businessCalendar(closures.filter((c) => c.kind === 'closure'));
  }

  closureOn(day: string): Closure | undefined {
    return this.closures.find((c) => c.kind === 'closure' && c.startDate <= day && day <= c.endDate);
  }

  schoolHolidayOn(day: string): Closure | undefined {
    return this.closures.find((c) => c.kind === 'school_holiday' && c.startDate <= day && day <= c.endDate);
  }

  isBusinessDay(day: string): boolean {
    return this.#business.isBusinessDay(day);
  }
}

/** Why the activity does not take children on `day` although it is one of its days. */
function closedReason(day: string, activity: ActivityCalendar, calendar: TownCalendar): DayState['reason'] | 'not_running' | undefined {
  const holiday = publicHolidayName(day);
  if (holiday) return { code: 'public_holiday', label: `Férié (${holiday})` };
  const closure = calendar.closureOn(day);
  if (closure) return { code: 'closure', label: `Fermé (${closure.label})` };
  const schoolHoliday = calendar.schoolHolidayOn(day);
  if (activity.runsDuring === 'school_weeks' && schoolHoliday) return { code: 'school_holiday', label: schoolHoliday.label };
  if (activity.runsDuring === 'school_holidays' && !schoolHoliday) return 'not_running';
  return undefined;
}

function isActivityDay(day: string, activity: ActivityCalendar): boolean {
  return day >= activity.startDate && day <= activity.endDate && activity.weekdays.includes(isoWeekday(day));
}

/**
 * The facts the deadline rules need, for one activity: business days skip weekends, public
 * holidays and the town's closures; a holiday session starts on the first day the activity
 * takes children in that school holiday ("le premier jour d'accueil de la session").
 */
export function calendarFacts(activity: ActivityCalendar, calendar: TownCalendar): CalendarFacts {
  return {
    isBusinessDay: (day) => calendar.isBusinessDay(day),
    holidaySessionStart: (day) => {
      const holiday = calendar.schoolHolidayOn(day);
      if (!holiday) return undefined;
      const from = holiday.startDate > activity.startDate ? holiday.startDate : activity.startDate;
      for (const d of eachDay(from, holiday.endDate < day ? holiday.endDate : day)) {
        if (isActivityDay(d, activity) && closedReason(d, activity, calendar) === undefined) return d;
      }
      return holiday.startDate;
    },
  };
}

export interface DayStateInput {
  activity: ActivityCalendar;
  enrolment: EnrolmentPeriod;
  calendar: TownCalendar;
  reservations: ReservationLine[];
  counts: DayCount[];
  now: Date;
  /**
   * False for pages that only say what is booked (the agenda): no deadline is computed, and
   * a day never booked is 'bookable' whatever its deadline.
   */
  withDeadlines?: boolean;
}

/** The state of every day from `from` to `to` (inclusive). */
export function dayStates(input: DayStateInput, from: string, to: string): DayState[] {
  const { activity, enrolment, calendar, now } = input;
  const facts = calendarFacts(activity, calendar);
  const reservations = new Map(input.reservations.map((r) => [r.day, r]));
  const counts = new Map(input.counts.map((c) => [c.day, c]));

  return eachDay(from, to).map((day): DayState => {
    const reservation = reservations.get(day);
    const base = { day, full: false, ...(reservation ? { reservation } : {}) };
    if (!isActivityDay(day, activity)) return { ...base, status: 'not_running', changeable: false };
    if (day < enrolment.startDate || day > enrolment.endDate) {
      return { ...base, status: 'not_running', changeable: false, reason: { code: 'outside_enrolment', label: 'Hors inscription' } };
    }
    const closed = closedReason(day, activity, calendar);
    if (closed === 'not_running') return { ...base, status: 'not_running', changeable: false };
    if (closed) return { ...base, status: 'closed', changeable: false, reason: closed };

    const count = counts.get(day);
    const capacity = count ? count.capacity : activity.capacity;
    const full = capacity !== null && (count?.booked ?? 0) >= capacity;
    if (input.withDeadlines === false) {
      return { ...base, full, status: reservation ? reservation.status : 'bookable', changeable: false };
    }
    const rule = reservation ? activity.cancellationRule : activity.bookingRule;
    const window = changeWindow(day, rule, now, facts);
    const deadlineReason = { code: 'deadline' as const, label: 'Date limite dépassée' };
    if (reservation) {
      return {
        ...base,
        full,
        status: reservation.status,
        changeable: window.open,
        deadline: window.deadline,
        ...(window.open ? {} : { reason: deadlineReason }),
      };
    }
    if (!window.open) return { ...base, full, status: 'closed', changeable: false, deadline: window.deadline, reason: deadlineReason };
    return {
      ...base,
      full,
      status: 'bookable',
      changeable: true,
      deadline: window.deadline,
      ...(full ? { reason: { code: 'full' as const, label: "Complet : votre enfant sera placé en liste d'attente" } } : {}),
    };
  });
}

/** Whether the child has (or is waiting for) a place that day. */
export function isReserved(state: DayState): boolean {
  return state.reservation !== undefined;
}
