import { TZDate } from '@date-fns/tz';

/**
 * Calendar days as 'YYYY-MM-DD' strings: a day of the town's calendar has no time zone.
 * Arithmetic is done at noon UTC, where no DST change can move a day.
 */
export const PARIS = 'Europe/Paris';

/**
 * These are pure functions of a few strings, called for every day of every page (and the
 * time-zone conversions are the dearest part of a page's own work): their answers are kept
 * in small maps, emptied when full so that memory stays bounded whatever the input.
 */
const MEMO_LIMIT = 20_000;
export function memo<V>(map: Map<string, V>, key: string, compute: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = compute();
    if (map.size >= MEMO_LIMIT) map.clear();
    map.set(key, value);
  }
  return value;
}

const nextDays = new Map<string, string>();
const shiftedDays = new Map<string, string>();
const weekdays = new Map<string, number>();
const instants = new Map<string, number>();

function shift(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  if (n === 1) return memo(nextDays, day, () => shift(day, 1));
  return memo(shiftedDays, `${day}|${n}`, () => shift(day, n));
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: string): number {
  return memo(weekdays, day, () => new Date(`${day}T12:00:00Z`).getUTCDay());
}

/** The day it is in Paris at `instant`. */
export function parisDay(instant: Date): string {
  // Every page asks for today: the last day found, with its bounds on Paris clocks, answers
  // every instant inside it without a time-zone conversion.
  const t = instant.getTime();
  if (lastDay && t >= lastDay.from && t < lastDay.to) return lastDay.day;
  const d = new TZDate(t, PARIS);
  const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  // Midnight exists on every Paris day (the clocks change at 02:00 and 03:00).
  lastDay = { day, from: parisInstant(day).getTime(), to: parisInstant(addDays(day, 1)).getTime() };
  return day;
}
let lastDay: { day: string; from: number; to: number } | undefined;

/** The instant of `day` at `time` ('HH:MM') on Paris clocks, DST included. */
export function parisInstant(day: string, time = '00:00'): Date {
  // A fresh Date each time: callers may keep or change the one they get.
  return new Date(
    memo(instants, `${day}T${time}`, () => {
      const [y, m, d] = day.split('-').map(Number) as [number, number, number];
      const [hh, mm] = time.split(':').map(Number) as [number, number];
      return new TZDate(y, m - 1, d, hh, mm, PARIS).getTime();
    }),
  );
}

/**
 * The calendar days the portal accepts anywhere, whatever the form, path or query: a family
 * portal has no business before 1900 or after 2200, and inside these bounds every day is a
 * four-digit year, so 'YYYY-MM-DD' strings sort like the days they name (one day after
 * 9999-12-31 is "+010000-01-01", which sorts before every date and once sent day loops
 * round forever) and PostgreSQL can store them (it has no year 0).
 */
export const FIRST_DAY = '1900-01-01';
export const LAST_DAY = '2200-12-31';
/** The French words for the range, for messages. */
export const DAY_RANGE_TEXT = 'entre 1900 et 2200';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

/** The day of year, month and day numbers when it exists and is in the accepted range. */
export function dayFromParts(year: number, month: number, day: number): string | undefined {
  if (![year, month, day].every(Number.isInteger) || year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The one reader of a calendar day typed or sent as 'YYYY-MM-DD' (paths, queries, hidden
 * fields, date inputs): the day when it is real and in the accepted range, else undefined.
 */
export function parseDay(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_DAY.exec(value);
  return m ? dayFromParts(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** A month sent as 'YYYY-MM' (`?mois=`, `vue=mois:`), in the accepted range; else undefined. */
export function parseMonthKey(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_MONTH.exec(value);
  return m && dayFromParts(Number(m[1]), Number(m[2]), 1) ? value : undefined;
}

/** Whole days from `from` to `to` (negative when `to` is before). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);
}

/** The most days any loop over days may walk: the whole accepted range and a little more. */
export const MAX_SPAN_DAYS = daysBetween(FIRST_DAY, LAST_DAY) + 31;

/**
 * Inclusive range of days. Counted, not compared, so that it ends whatever the strings
 * are; a span beyond the accepted range is a bug upstream (input is parsed by `parseDay`)
 * and fails loudly instead of filling the memory.
 */
export function eachDay(from: string, to: string): string[] {
  const count = daysBetween(from, to) + 1;
  if (!(count <= MAX_SPAN_DAYS)) throw new RangeError(`eachDay: ${from}..${to} is not a range of accepted days`);
  const days: string[] = [];
  for (let i = 0, d = from; i < count; i++, d = addDays(d, 1)) days.push(d);
  return days;
}

/** Every seventh day from `firstMonday` to `to`: the weeks of a month or a range. */
export function eachWeek(firstMonday: string, to: string): string[] {
  return eachDay(firstMonday, to).filter((_, i) => i % 7 === 0);
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  return weekday(day) || 7;
}

/** The Monday of the week of `day`. */
export function mondayOf(day: string): string {
  return addDays(day, 1 - isoWeekday(day));
}

/** The month 'YYYY-MM' `n` months after `month` (before when negative). */
export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** An inclusive range of calendar days. */
export interface DayRange {
  from: string;
  to: string;
}

/** The first and last days of the month 'YYYY-MM'. */
export function monthBounds(month: string): DayRange {
  const from = `${month}-01`;
  const next = addDays(`${month}-28`, 4).slice(0, 7);
  return { from, to: addDays(`${next}-01`, -1) };
}
