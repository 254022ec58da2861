import { TZDate } from '@date-fns/tz';

/**
 * Calendar days as 'YYYY-MM-DD' strings: a day of the town's calendar has no time zone.
 * Arithmetic is done at noon UTC, where no DST change can move a day.
 */
export const PARIS = 'Europe/Paris';

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: string): number {
  return new Date(`${day}T12:00:00Z`).getUTCDay();
}

/** The day it is in Paris at `instant`. */
export function parisDay(instant: Date): string {
  const d = new TZDate(instant.getTime(), PARIS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The instant of `day` at `time` ('HH:MM') on Paris clocks, DST included. */
export function parisInstant(day: string, time = '00:00'): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return new Date(new TZDate(y, m - 1, d, hh, mm, PARIS).getTime());
}

/** Inclusive range of days. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}
