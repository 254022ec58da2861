import Holidays from 'date-holidays';
import { count } from '../french.js';
import { addDays, parisDay, parisInstant, weekday } from './days.js';

/**
 * Time waited "en heures ouvrées", for the services' promise to activate an account
 * within 48 business hours (seeds 000 and 002: "effective dans les 48 heures ouvrées").
 *
 * The rule: a business day is a day of the Europe/Paris calendar that is Monday to Friday,
 * not a French public holiday (date-holidays, type 'public', see publicHolidayName below) and
 * not one of the town's closure days (town_closures, kind 'closure'). Every instant of a
 * business day counts, from midnight to midnight; nothing of other days does.
 *
 * Why whole days rather than office hours (e.g. 8 h a day): in French administrative usage
 * "48 heures ouvrées" means two working days — a request made on Friday at 10:00 is due
 * on Tuesday at 10:00 (Friday 14 h + Monday 24 h + Tuesday 10 h) — whereas 8-hour office
 * days would stretch the promise to six working days, more than a week. It also keeps the
 * count independent of each town's opening hours, which no seed gives.
 *
 * Day boundaries are Paris midnights (parisInstant), so a business day lasts its real
 * length. France changes its clocks early on Sunday mornings (the last Sundays of March and
 * October), which are never business days: every business day is 24 h long and a DST
 * night never shifts a count — as long as days are cut at Paris midnights, not UTC ones.
 */

export interface BusinessCalendar {
  isBusinessDay(day: string): boolean;
}

export interface ClosureRange {
  startDate: string;
  endDate: string;
}

const HOUR_MS = 60 * 60 * 1000;
/** A safety bound for calendars closed for ever (a mistyped closure): ten years of days. */
const MAX_DAYS = 3660;

/** Paris midnight of `day` (parisInstant keeps them: a day's midnight never changes). */
const midnight = (day: string): number => parisInstant(day).getTime();

/**
 * French public holidays (jours fériés) from date-holidays, which is maintained (Easter-based
 * dates, law changes) so we never keep our own list. Only type 'public': observances such
 * as Pentecost Sunday or Mother's Day are no days off. Metropolitan France only: the
 * Alsace-Moselle extra days would need the town's region, which no demo town has.
 */
const holidays = new Holidays('FR');
const byYear = new Map<number, Map<string, string>>();

function yearHolidays(year: number): Map<string, string> {
  let days = byYear.get(year);
  if (!days) {
    days = new Map();
    for (const h of holidays.getHolidays(year)) {
      if (h.type === 'public') days.set(h.date.slice(0, 10), h.name);
    }
    byYear.set(year, days);
  }
  return days;
}

/** The holiday's French name ("Armistice 1918") when `day` ('YYYY-MM-DD') is a public holiday. */
export function publicHolidayName(day: string): string | undefined {
  return yearHolidays(Number(day.slice(0, 4))).get(day);
}

/** Weekdays that are neither public holidays nor in one of `closures` (inclusive ranges of 'YYYY-MM-DD'). */
export function businessCalendar(closures: readonly ClosureRange[] = []): BusinessCalendar {
  const known = new Map<string, boolean>();
  const compute = (day: string): boolean => {
    const wd = weekday(day);
    if (wd === 0 || wd === 6) return false;
    if (publicHolidayName(day)) return false;
    return !closures.some((c) => c.startDate <= day && day <= c.endDate);
  };
  return {
    isBusinessDay(day: string): boolean {
      let open = known.get(day);
      if (open === undefined) {
        open = compute(day);
        if (known.size < 20_000) known.set(day, open);
      }
      return open;
    },
  };
}

/** The business time, in ms, between two instants (0 when `to` is not after `from`). */
export function businessMsBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  const end = to.getTime();
  let total = 0;
  let day = parisDay(from);
  for (let i = 0; i < MAX_DAYS; i++) {
    const dayStart = midnight(day);
    if (dayStart >= end) break;
    const next = addDays(day, 1);
    if (calendar.isBusinessDay(day)) {
      const dayEnd = midnight(next);
      const a = Math.max(dayStart, from.getTime());
      const b = Math.min(dayEnd, end);
      if (b > a) total += b - a;
    }
    day = next;
  }
  return total;
}

/** The instant at which `ms` of business time will have passed since `from`. */
export function addBusinessMs(from: Date, ms: number, calendar: BusinessCalendar): Date {
  if (ms <= 0) return new Date(from);
  let remaining = ms;
  let day = parisDay(from);
  for (let i = 0; i < MAX_DAYS; i++) {
    const next = addDays(day, 1);
    if (calendar.isBusinessDay(day)) {
      const start = Math.max(midnight(day), from.getTime());
      const available = midnight(next) - start;
      if (available >= remaining) return new Date(start + remaining);
      if (available > 0) remaining -= available;
    }
    day = next;
  }
  return new Date(midnight(day));
}

export interface PromiseStatus {
  /** Business time waited since the start of the promise. */
  waitedMs: number;
  promiseMs: number;
  /** The instant the promise runs out (start + promise, in business time). */
  deadline: Date;
  /** Past the deadline: the promise is broken. */
  late: boolean;
}

/** Where a promise of `promiseHours` business hours started at `start` stands at `now`. */
export function promiseStatus(start: Date, now: Date, promiseHours: number, calendar: BusinessCalendar): PromiseStatus {
  const promiseMs = promiseHours * HOUR_MS;
  const waitedMs = businessMsBetween(start, now, calendar);
  return { waitedMs, promiseMs, deadline: addBusinessMs(start, promiseMs, calendar), late: waitedMs > promiseMs };
}

/**
 * "moins d'une heure ouvrée", "1 heure ouvrée", "27 heures ouvrées": whole business hours,
 * rounded down, with their adjective agreed (callers used to add "ouvrées" after "une heure").
 */
export function formatBusinessHours(ms: number): string {
  const hours = Math.floor(ms / HOUR_MS);
  if (hours < 1) return "moins d'une heure ouvrée";
  return count(hours, 'heure ouvrée', 'heures ouvrées');
}
