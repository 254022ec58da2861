import { type DayState } from './day-states.js';
import { isoWeekday } from '../../lib/calendar/index.js';
import { monthLabel } from '../../lib/calendar/index.js';
import type { Periodicity } from './reservations.schemas.js';

/**
 * What a periodicity does to one child's enrolment: the days it changes and those it skips,
 * with why. Pure: the controller loads the states of `periodicityWindow`.
 */

/** The periodicity's days within the enrolment, or undefined when they do not meet. */
export function periodicityWindow(p: Pick<Periodicity, 'du' | 'au'>, enrolment: { startDate: string; endDate: string }) {
  const from = p.du < enrolment.startDate ? enrolment.startDate : p.du;
  const to = p.au > enrolment.endDate ? enrolment.endDate : p.au;
  return from <= to ? { from, to } : undefined;
}

export function previewDays(states: DayState[], p: Pick<Periodicity, 'jours' | 'action'>) {
  const book = p.action === 'reserver';
  const weekdays = new Set(p.jours.map(Number));
  const change: DayState[] = [];
  const skipped: { state: DayState; reason: string }[] = [];
  for (const s of states) {
    if (!weekdays.has(isoWeekday(s.day))) continue;
    if (s.status === 'not_running' && !s.reason) continue; // a weekday the activity never runs
    const reserved = s.reservation !== undefined;
    if (reserved === book) {
      skipped.push({
        state: s,
        reason: book ? (s.status === 'waiting' ? "Déjà en liste d'attente" : 'Déjà réservé') : 'Pas de réservation',
      });
    } else if (!s.changeable) skipped.push({ state: s, reason: s.reason?.label ?? "Pas d'activité" });
    else change.push(s);
  }
  return { change, skipped, full: change.filter((s) => s.full).length };
}

/** The days to change, month by month, for the preview's headings. */
export function groupByMonth(days: DayState[]): { month: string; label: string; days: DayState[] }[] {
  const groups = new Map<string, DayState[]>();
  for (const d of days) {
    const m = d.day.slice(0, 7);
    if (!groups.has(m)) groups.set(m, []);
    groups.get(m)!.push(d);
  }
  return [...groups].map(([month, list]) => ({ month, label: monthLabel(month), days: list }));
}
