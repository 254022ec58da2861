import { parseRule } from '../../lib/calendar/index.js';
import type { ActivityRow } from '../../repositories/activities.repository.js';
import type { ActivityCalendar } from './day-states.js';

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
