import { dayLabel, eachDay, isoWeekday, publicHolidayName } from '../../../lib/calendar/index.js';
import type { ActivityRow } from '../../../repositories/activities.repository.js';
import type { ActivityCalendar, TownCalendar } from '../../reservations/day-states.js';

export interface MonthRow {
  day: string;
  label: string;
  booked: number;
  waiting: number;
  absences: number;
  /** Children present, once the day's sheet is recorded. */
  present: number | null;
  past: boolean;
  /** Why the activity does not run that day, in words. */
  closed: string | undefined;
}

/**
 * The month table of an activity's page: one row per day it may run in the month, with the
 * places booked and waiting, absences reported and children present, and why a day is
 * closed (public holiday, closure, school holidays or not).
 */
export function monthRows(input: {
  activity: Pick<ActivityRow, 'startDate' | 'endDate'>;
  cal: Pick<ActivityCalendar, 'weekdays' | 'runsDuring'>;
  calendar: Pick<TownCalendar, 'closureOn' | 'schoolHolidayOn'>;
  from: string;
  to: string;
  today: string;
  counts: { day: string; booked: number; waiting: number }[];
  figures: { day: string; absences: number; present: number | null }[];
}): MonthRow[] {
  const { activity, cal, calendar, today } = input;
  const byDay = new Map(input.counts.map((c) => [c.day, c]));
  const figuresOf = new Map(input.figures.map((f) => [f.day, f]));
  return eachDay(input.from, input.to)
    .filter((day) => day >= activity.startDate && day <= activity.endDate && cal.weekdays.includes(isoWeekday(day)))
    .map((day) => {
      const holiday = publicHolidayName(day);
      const closure = calendar.closureOn(day);
      const school = calendar.schoolHolidayOn(day);
      const closed = holiday
        ? `Férié (${holiday})`
        : closure
          ? `Fermé (${closure.label})`
          : cal.runsDuring === 'school_weeks' && school
            ? school.label
            : cal.runsDuring === 'school_holidays' && !school
              ? 'Hors vacances'
              : undefined;
      return {
        day,
        label: dayLabel(day),
        booked: byDay.get(day)?.booked ?? 0,
        waiting: byDay.get(day)?.waiting ?? 0,
        absences: figuresOf.get(day)?.absences ?? 0,
        present: figuresOf.get(day)?.present ?? null,
        past: day <= today,
        closed,
      };
    });
}

/** The month shown first: today's, kept within the activity's period. */
export function defaultMonth(activity: Pick<ActivityRow, 'startDate' | 'endDate'>, today: string): string {
  return (today < activity.startDate ? activity.startDate : today > activity.endDate ? activity.endDate : today).slice(0, 7);
}
