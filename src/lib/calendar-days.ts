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

/** Inclusive range of days. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}
