import { z } from 'zod';
import type { DeadlineRule } from '../../lib/deadlines.js';
import type { ActivityRow } from '../../repositories/activities.repository.js';
import type { ActivityCalendar } from './day-states.js';

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

/** The activity's rules, falling back to the town's default, then booking for cancelling. */
export function activityCalendar(activity: ActivityRow, townRule: unknown): ActivityCalendar {
  const bookingRule = parseRule(activity.bookingRule ?? townRule, `activity ${activity.id}`);
  const cancellationRule =
    activity.cancellationRule == null ? bookingRule : parseRule(activity.cancellationRule, `activity ${activity.id}`);
  return {
    id: activity.id,
    startDate: activity.startDate,
    endDate: activity.endDate,
    weekdays: activity.weekdays,
    runsDuring: activity.runsDuring,
    capacity: activity.capacity,
    bookingRule,
    cancellationRule,
  };
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
