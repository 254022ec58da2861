/**
 * The one app local for text in views and mails (`format`): French dates, times and euros,
 * always in Europe/Paris (lib/calendar), and the wording helpers (lib/french).
 */
const euroFmt = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

/** 12,50 € */
export function formatEuros(cents: number): string {
  return euroFmt.format(cents / 100);
}

export { dayLabel, formatDate, formatDateTime, formatLongDate, formatTime, monthLabel } from './calendar/labels.js';
export { businessHours, count, de, elide, listWords, personName, upperName, weekdaysPlural, withinBusinessHours } from './french.js';
