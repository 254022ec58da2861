/** @deprecated use lib/calendar (issue 11); left for reservations.routes.ts until its rewrite lands */
export { addDays, daysBetween, eachDay, eachWeek, parseDay, parseMonthKey } from './calendar/index.js';
