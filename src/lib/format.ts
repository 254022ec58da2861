import { dayLabel } from './french.js';

/** French formats for views and mails, always in Europe/Paris. */
const TZ = 'Europe/Paris';

const dateFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
// en-CA writes YYYY-MM-DD: the calendar day of an instant in Paris.
const isoDayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const euroFmt = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

/** A calendar day 'YYYY-MM-DD' is read at noon UTC so no time zone can move it to another day. */
function toDate(value: Date | string): Date {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
}

/** 21/11/2026 */
export function formatDate(value: Date | string): string {
  return dateFmt.format(toDate(value));
}

/** 12:55 */
export function formatTime(value: Date | string): string {
  return timeFmt.format(toDate(value));
}

/** le 21/11/2026 à 12:55 */
export function formatDateTime(value: Date | string): string {
  return `le ${formatDate(value)} à ${formatTime(value)}`;
}

/** samedi 21 novembre 2026, vendredi 1er janvier 2027 (the day in Paris for an instant) */
export function formatLongDate(value: Date | string): string {
  const day = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : isoDayFmt.format(toDate(value));
  return dayLabel(day, { year: true });
}

/** 12,50 € */
export function formatEuros(cents: number): string {
  return euroFmt.format(cents / 100);
}

// Views reach the French wording helpers through `format` too (one app local for text).
export {
  businessHours,
  count,
  dayLabel,
  de,
  elide,
  listWords,
  personName,
  upperName,
  weekdaysPlural,
  withinBusinessHours,
} from './french.js';
