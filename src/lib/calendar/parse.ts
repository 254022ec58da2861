import { DAY_RANGE_TEXT, dayFromParts, parseDay } from './days.js';
import { dayLabel } from './labels.js';

/**
 * The GOV.UK date input (three boxes: jour, mois, année) read the way its research says
 * people type: numbers, month names ("mars", "janv.", "Février"), spaces around them.
 * Errors follow its priority — missing, then impossible, then out of range — and name
 * the boxes to highlight.
 */
export type DatePart = 'day' | 'month' | 'year';
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

export type DateInputResult = { kind: 'empty' } | { kind: 'valid'; iso: string } | { kind: 'invalid'; message: string; parts: DatePart[] };

export interface DateRules {
  /** The subject of the messages, with its article: "La date de naissance". */
  label: string;
  /** Today in 'YYYY-MM-DD' (Europe/Paris); the date must be before it. */
  before: string;
  /** The earliest accepted day, 'YYYY-MM-DD'. */
  earliest: string;
}

const MONTHS: [number, string[]][] = [
  [1, ['janvier', 'janv', 'jan']],
  [2, ['fevrier', 'fevr', 'fev']],
  [3, ['mars', 'mar']],
  [4, ['avril', 'avr']],
  [5, ['mai']],
  [6, ['juin']],
  [7, ['juillet', 'juil']],
  [8, ['aout']],
  [9, ['septembre', 'sept', 'sep']],
  [10, ['octobre', 'oct']],
  [11, ['novembre', 'nov']],
  [12, ['decembre', 'dec']],
];
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\.$/, '').trim();
}

/** 1–12 from "3", "03", "mars", "Mars", "févr." …; undefined when it is no month. */
export function parseMonth(typed: string): number | undefined {
  const value = fold(typed);
  if (/^\d{1,2}$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= 12 ? n : undefined;
  }
  return MONTHS.find(([, names]) => names.includes(value))?.[0];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function parseDateInput(parts: DateParts, rules: DateRules): DateInputResult {
  const typed = { day: parts.day.trim(), month: parts.month.trim(), year: parts.year.trim() };
  const missing = (Object.keys(typed) as DatePart[]).filter((p) => typed[p] === '');
  if (missing.length === 3) return { kind: 'empty' };
  if (missing.length > 0) {
    const words = { day: 'un jour', month: 'un mois', year: 'une année' };
    return { kind: 'invalid', message: `${rules.label} doit comporter ${missing.map((p) => words[p]).join(' et ')}`, parts: missing };
  }

  const day = /^\d{1,2}$/.test(typed.day) ? Number(typed.day) : NaN;
  const month = parseMonth(typed.month);
  const bad: DatePart[] = [];
  if (!(day >= 1 && day <= 31)) bad.push('day');
  if (month === undefined) bad.push('month');
  if (!/^\d+$/.test(typed.year)) bad.push('year');
  if (bad.length > 0) return { kind: 'invalid', message: `${rules.label} doit être une date réelle`, parts: bad };
  if (typed.year.length !== 4) return { kind: 'invalid', message: "L'année doit comporter 4 chiffres", parts: ['year'] };

  const year = Number(typed.year);
  const check = new Date(Date.UTC(year, month! - 1, day));
  if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day) {
    return { kind: 'invalid', message: `${rules.label} doit être une date réelle`, parts: ['day', 'month', 'year'] };
  }
  const iso = `${pad(year, 4)}-${pad(month!)}-${pad(day)}`;
  if (iso >= rules.before) return { kind: 'invalid', message: `${rules.label} doit être dans le passé`, parts: ['day', 'month', 'year'] };
  if (iso < rules.earliest) {
    return {
      kind: 'invalid',
      message: `${rules.label} doit être le ${dayLabel(rules.earliest, { weekday: false, year: true })} ou après`,
      parts: ['day', 'month', 'year'],
    };
  }
  // The callers' bounds are inside the portal's; this keeps it so whatever a caller passes.
  if (!dayFromParts(year, month!, day)) return { kind: 'invalid', message: `${rules.label} doit être ${DAY_RANGE_TEXT}`, parts: ['year'] };
  return { kind: 'valid', iso };
}

/**
 * The one reader of a day typed in one box: "13/12/2026", "13.12.2026", "13 - 12 - 2026" or
 * "2026-12-13" (what a date input sends). "13/12/26" is refused: a two-digit year is a guess.
 */
const FRENCH_DATE = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/;
const ISO_SHAPE = /^(\d{4})-\d{2}-\d{2}$/;

/** The day typed, 'YYYY-MM-DD', or undefined when it is not a real day in the portal's range. */
export function parseFrenchDate(typed: string): string | undefined {
  const value = typed.trim();
  const iso = parseDay(value);
  if (iso) return iso;
  const m = FRENCH_DATE.exec(value);
  return m ? dayFromParts(Number(m[3]), Number(m[2]), Number(m[1])) : undefined;
}

/** Whether `typed` is written as a date (real day or not): "31/02/2026" is, "demain" is not. */
export function looksLikeFrenchDate(typed: string): boolean {
  const value = typed.trim();
  return ISO_SHAPE.test(value) || FRENCH_DATE.test(value);
}

/** A date written the right way whose year is outside the portal's range: said as such. */
export function frenchDateOutOfRange(typed: string): boolean {
  const value = typed.trim();
  const year = ISO_SHAPE.exec(value)?.[1] ?? FRENCH_DATE.exec(value)?.[3];
  return year !== undefined && (Number(year) < 1900 || Number(year) > 2200);
}

/** The message for a date outside the range; `what` is "la date de début". */
export function outOfRangeMessage(what: string): string {
  return `${what.charAt(0).toUpperCase()}${what.slice(1)} doit être ${DAY_RANGE_TEXT}`;
}
