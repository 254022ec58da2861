import { memo, parisDay, PARIS } from './days.js';

/**
 * Calendar days and instants in French words, for pages and mails: one label per thing,
 * always on Paris clocks. Calendar days ('YYYY-MM-DD') are read from their parts or at noon
 * UTC, so no time zone can move them to another day.
 */
export const WEEKDAY_NAMES = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'] as const;
/** The weekdays as a grid's column headers, Monday first. */
export const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'] as const;
export const MONTH_NAMES = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
] as const;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const at = (day: string) => new Date(`${day}T12:00:00Z`);
/** A calendar day 'YYYY-MM-DD' is read at noon UTC so no time zone can move it to another day. */
const toDate = (value: Date | string): Date => (typeof value === 'string' && ISO_DAY.test(value) ? at(value) : new Date(value));

const dateFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: PARIS, day: '2-digit', month: '2-digit', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: PARIS, hour: '2-digit', minute: '2-digit' });
const monthFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', month: 'long', year: 'numeric' });
const shortFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', day: '2-digit', month: '2-digit' });

export interface DayLabelOptions {
  /** "vendredi 1er janvier" (default) or "1er janvier". */
  weekday?: boolean;
  /** Add the year: "vendredi 1er janvier 2027". */
  year?: boolean;
}

/** Formatted once per day and options (a month page asks for every day): bounded. */
const dayLabels = new Map<string, string>();

/**
 * One label for a calendar day 'YYYY-MM-DD' on every page: "vendredi 1er janvier 2027",
 * with the typographic "1er" that Intl does not write. Computed from the date's parts, so
 * no time zone can move it to another day.
 */
export function dayLabel(day: string, options: DayLabelOptions = {}): string {
  const withWeekday = options.weekday !== false;
  return memo(dayLabels, `${day}|${withWeekday}|${options.year === true}`, () => {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    const parts = [`${d === 1 ? '1er' : d}`, MONTH_NAMES[m - 1]!];
    if (withWeekday) {
      const date = new Date(Date.UTC(2000, m - 1, d));
      date.setUTCFullYear(y); // Date.UTC reads years 0–99 as 1900–1999
      parts.unshift(WEEKDAY_NAMES[(date.getUTCDay() + 6) % 7]!);
    }
    if (options.year) parts.push(String(y));
    return parts.join(' ');
  });
}

const monthLabels = new Map<string, string>();

/** "décembre 2026" */
export function monthLabel(month: string): string {
  return memo(monthLabels, month, () => monthFmt.format(at(`${month}-01`)));
}

/** "13/12" */
export function shortDay(day: string): string {
  return shortFmt.format(at(day));
}

/** "2026-12-21" → "21/12/2026": a day as a one-box field shows it again (parseFrenchDate reads it back). */
export function shortDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

/** Formatted once per instant (a news item's or a request's date, on every page that lists it): bounded. */
const shortDates = new Map<string, string>();

/** 21/11/2026 */
export function formatDate(value: Date | string): string {
  const date = toDate(value);
  return memo(shortDates, String(date.getTime()), () => dateFmt.format(date));
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
  const day = typeof value === 'string' && ISO_DAY.test(value) ? value : parisDay(toDate(value));
  return dayLabel(day, { year: true });
}

/** The last minute one can still act, in words: "mercredi 25 novembre à 23:59". */
export function untilLabel(deadline: Date): string {
  const last = new Date(deadline.getTime() - 60_000);
  return `${dayLabel(parisDay(last))} à ${timeFmt.format(last)}`;
}

/** "Le vendredi 16 décembre 2026" or "Du lundi 7 décembre 2026 au vendredi 11 décembre 2026". */
export function rangeWords(range: { from: string; to: string }): string {
  const long = (day: string) => dayLabel(day, { year: true });
  return range.from === range.to ? `Le ${long(range.from)}` : `Du ${long(range.from)} au ${long(range.to)}`;
}
