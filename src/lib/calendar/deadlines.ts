import { z } from 'zod';
import { addDays, parisInstant, weekday } from './days.js';

/**
 * Reservation deadlines, as data, evaluated in Europe/Paris by this one module. A rule says
 * until when a day can be booked or cancelled:
 *
 * - `days_before`: N days before the day (calendar days, or business days skipping
 *   weekends, public holidays and closures), until `cutoff` o'clock on that day. Tarnos:
 *   15 calendar days before the meal. "N days before" means the last day to act is D − N,
 *   until its cutoff (23:59 by default, i.e. the whole day).
 * - `bondoufle`: Wednesdays of school weeks close `wednesday.days` days before; days in a
 *   school-holiday session close `holidaySession.weeks` weeks before the session's first day.
 */
export type DeadlineRule =
  | { kind: 'days_before'; days: number; calendar: 'calendar' | 'business'; cutoff?: string }
  | {
      kind: 'bondoufle';
      wednesday: { days: number; calendar?: 'calendar' | 'business'; cutoff?: string };
      holidaySession: { weeks: number; cutoff?: string };
    };

export interface CalendarFacts {
  /** Weekday, not a public holiday, not a closure day of the town. */
  isBusinessDay(day: string): boolean;
  /** The first day of the school-holiday session that contains `day`, if it is in one. */
  holidaySessionStart(day: string): string | undefined;
}

const END_OF_DAY = '23:59';
/** Ten years of days: far more than any rule's N business days, however many closures. */
const MAX_BUSINESS_SCAN = 3660;

/** The last day to act, N calendar or business days before `day`. */
function dayBefore(day: string, days: number, calendar: 'calendar' | 'business', facts: CalendarFacts): string {
  if (calendar === 'calendar') return addDays(day, -days);
  // Counted: a calendar closed for good (a closure over years) must not loop forever. Past
  // the cap the deadline is simply that far back, i.e. already gone.
  let d = day;
  let counted = 0;
  for (let i = 0; i < MAX_BUSINESS_SCAN && counted < days; i++) {
    d = addDays(d, -1);
    if (facts.isBusinessDay(d)) counted += 1;
  }
  return d;
}

/** The end of the minute at `cutoff` on `day`: acting is allowed strictly before this instant. */
function closesAt(day: string, cutoff: string | undefined): Date {
  const at = parisInstant(day, cutoff ?? END_OF_DAY);
  return new Date(at.getTime() + 60_000);
}

/** The instant from which `day` can no longer be booked (or cancelled) under `rule`. */
export function deadlineFor(day: string, rule: DeadlineRule, facts: CalendarFacts): Date {
  switch (rule.kind) {
    case 'days_before':
      return closesAt(dayBefore(day, rule.days, rule.calendar, facts), rule.cutoff);
    case 'bondoufle': {
      const sessionStart = facts.holidaySessionStart(day);
      if (sessionStart) return closesAt(addDays(sessionStart, -7 * rule.holidaySession.weeks), rule.holidaySession.cutoff);
      return closesAt(dayBefore(day, rule.wednesday.days, rule.wednesday.calendar ?? 'calendar', facts), rule.wednesday.cutoff);
    }
  }
}

/** Whether `day` can still be changed at `now`, and until when. */
export function changeWindow(day: string, rule: DeadlineRule, now: Date, facts: CalendarFacts): { open: boolean; deadline: Date } {
  const deadline = deadlineFor(day, rule, facts);
  return { open: now.getTime() < deadline.getTime(), deadline };
}

/** Wednesday, for the Bondoufle school-week rule and the week grid. */
export function isWednesday(day: string): boolean {
  return weekday(day) === 3;
}

/**
 * Deadline rules are JSON in the database (towns.deadline_rules, activities.booking_rule
 * and cancellation_rule). They are parsed here, so a malformed value edited by hand fails
 * loudly at one place instead of deep inside a date computation.
 */
const cutoff = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
export const deadlineRuleSchema: z.ZodType<DeadlineRule> = z.union([
  z.object({
    kind: z.literal('days_before'),
    days: z.number().int().min(0).max(365),
    calendar: z.enum(['calendar', 'business']),
    cutoff: cutoff.optional(),
  }),
  z.object({
    kind: z.literal('bondoufle'),
    wednesday: z.object({
      days: z.number().int().min(0).max(365),
      calendar: z.enum(['calendar', 'business']).optional(),
      cutoff: cutoff.optional(),
    }),
    holidaySession: z.object({ weeks: z.number().int().min(0).max(52), cutoff: cutoff.optional() }),
  }),
]);

export function parseRule(value: unknown, what: string): DeadlineRule {
  const result = deadlineRuleSchema.safeParse(value);
  if (!result.success) throw new Error(`invalid deadline rule for ${what}`);
  return result.data;
}

/** A rule in French, for agents and parents. */
export function describeRule(rule: DeadlineRule): string {
  const at = (c: string | undefined) => (c ? ` à ${c.replace(':', ' h ')}` : '');
  const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`;
  if (rule.kind === 'days_before') {
    const unit = rule.calendar === 'business' ? `${plural(rule.days, 'jour')} ouvré${rule.days > 1 ? 's' : ''}` : plural(rule.days, 'jour');
    return rule.days === 0 ? `jusqu'au jour même${at(rule.cutoff)}` : `au plus tard ${unit} avant${at(rule.cutoff)}`;
  }
  return (
    `mercredis en semaine scolaire : au plus tard ${plural(rule.wednesday.days, 'jour')} avant${at(rule.wednesday.cutoff)} ; ` +
    `vacances scolaires : au plus tard ${plural(rule.holidaySession.weeks, 'semaine')} avant le premier jour de la session${at(rule.holidaySession.cutoff)}`
  );
}
