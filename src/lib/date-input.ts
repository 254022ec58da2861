import { DAY_RANGE_TEXT, dayFromParts } from './calendar-days.js';

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
const MONTH_NAMES = [
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

/** "1er janvier 1900" */
export function frenchLongDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return `${d === 1 ? '1er' : d} ${MONTH_NAMES[m - 1]} ${y}`;
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
      message: `${rules.label} doit être le ${frenchLongDate(rules.earliest)} ou après`,
      parts: ['day', 'month', 'year'],
    };
  }
  // The callers' bounds are inside the portal's; this keeps it so whatever a caller passes.
  if (!dayFromParts(year, month!, day)) return { kind: 'invalid', message: `${rules.label} doit être ${DAY_RANGE_TEXT}`, parts: ['year'] };
  return { kind: 'valid', iso };
}

/** The calendar day of an instant in Europe/Paris, 'YYYY-MM-DD'. */
export function parisDay(instant: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
