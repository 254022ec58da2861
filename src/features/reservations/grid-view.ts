import { addDays, eachDay, eachWeek, parseDay, parseMonthKey } from '../../lib/calendar/index.js';
import { type DayState } from './day-states.js';
import { isoWeekday } from '../../lib/calendar/index.js';
import { wantedOf, type ReservationDraft } from './draft.js';
import { stateText } from './labels.js';
import { dayLabel, mondayOf, monthBounds, monthLabel, shiftMonth, shortDay, untilLabel } from '../../lib/calendar/index.js';

/**
 * What the parent's reservation pages show, computed from the day states and the draft:
 * the month or week on screen, its navigation, the grid's rows and MON AGENDA's weeks.
 * Pure: the controller loads the states and passes today.
 */

export type View = { mode: 'mois'; month: string } | { mode: 'semaine'; monday: string };

/** 'mois:2026-12' or 'semaine:2026-12-07', as the grid's form and buttons carry it. */
export function viewKey(v: View): string {
  return v.mode === 'mois' ? `mois:${v.month}` : `semaine:${v.monday}`;
}

export function parseViewKey(key: string | undefined): View | undefined {
  if (!key) return undefined;
  const [mode, value] = key.split(':');
  const month = mode === 'mois' ? parseMonthKey(value) : undefined;
  if (month) return { mode: 'mois', month };
  const day = mode === 'semaine' ? parseDay(value) : undefined;
  if (day) return { mode: 'semaine', monday: mondayOf(day) };
  return undefined;
}

/** The view a query string asks for (?semaine= wins over ?mois=), if any. */
export function askedView(query: Record<string, unknown>): View | undefined {
  if (typeof query.semaine === 'string') return parseViewKey(`semaine:${query.semaine}`);
  if (typeof query.mois === 'string') return parseViewKey(`mois:${query.mois}`);
  return undefined;
}

export function viewRange(v: View): { from: string; to: string } {
  if (v.mode === 'semaine') return { from: v.monday, to: addDays(v.monday, 6) };
  return monthBounds(v.month);
}

/** The query of the grid's address for a view. */
export function viewParams(v: View): { mois?: string; semaine?: string } {
  return v.mode === 'mois' ? { mois: v.month } : { semaine: v.monday };
}

/** A year either side of today is plenty to navigate; beyond, the default view. */
export function sensible(v: View, today: string): boolean {
  const from = viewRange(v).from;
  return from >= addDays(today, -400) && from <= addDays(today, 800);
}

export function clampDay(day: string, from: string, to: string): string {
  return day < from ? from : day > to ? to : day;
}

/** The month of today, or of the enrolment's nearest day when today is outside it. */
export function defaultView(enrolment: { startDate: string; endDate: string }, today: string): View {
  return { mode: 'mois', month: clampDay(today, enrolment.startDate, enrolment.endDate).slice(0, 7) };
}

export interface GridCell {
  day: string;
  inRange: boolean;
  short?: string;
  label?: string;
  state?: DayState;
  text?: string;
  /** Ticked: the draft's wanted state, or what is saved. */
  checked?: boolean;
  /** Differs from what is saved: waits for VALIDER. */
  pending?: boolean;
  until?: string;
}

/** The grid's rows, Monday to Sunday: days without a state (outside the view or the enrolment) are blanks. */
export function gridWeeks(
  from: string,
  to: string,
  states: DayState[],
  draft: ReservationDraft | undefined,
  enrolmentId: string,
): { monday: string; label: string; cells: GridCell[] }[] {
  const byDay = new Map(states.map((s) => [s.day, s]));
  return eachWeek(mondayOf(from), to).map((monday) => ({
    monday,
    label: `Semaine du ${dayLabel(monday)}`,
    cells: eachDay(monday, addDays(monday, 6)).map((day): GridCell => {
      const s = byDay.get(day);
      if (!s) return { day, inRange: false };
      const reserved = s.reservation !== undefined;
      const wanted = wantedOf(draft, enrolmentId, day);
      return {
        day,
        inRange: true,
        short: shortDay(day),
        label: dayLabel(day),
        state: s,
        text: stateText(s),
        checked: wanted ?? reserved,
        pending: wanted !== undefined && wanted !== reserved,
        until: s.changeable && s.deadline ? untilLabel(s.deadline) : undefined,
      };
    }),
  }));
}

/** The grid's heading and its three buttons: previous, next, and the other mode (month ↔ week). */
export function gridNavigation(view: View, today: string) {
  const { from, to } = viewRange(view);
  const prevView: View =
    view.mode === 'mois' ? { mode: 'mois', month: shiftMonth(view.month, -1) } : { mode: 'semaine', monday: addDays(view.monday, -7) };
  const nextView: View =
    view.mode === 'mois' ? { mode: 'mois', month: shiftMonth(view.month, 1) } : { mode: 'semaine', monday: addDays(view.monday, 7) };
  const navLabel = (v: View) =>
    v.mode === 'mois' ? monthLabel(v.month) : `semaine du ${shortDay(v.monday)} au ${shortDay(addDays(v.monday, 6))}`;
  return {
    periodLabel:
      view.mode === 'mois' ? monthLabel(view.month) : `semaine du ${dayLabel(view.monday)} au ${dayLabel(addDays(view.monday, 6))}`,
    prev: { key: viewKey(prevView), label: navLabel(prevView) },
    next: { key: viewKey(nextView), label: navLabel(nextView) },
    other:
      view.mode === 'mois'
        ? { key: `semaine:${mondayOf(clampDay(today, from, to))}`, label: 'Afficher par semaine' }
        : { key: `mois:${view.monday.slice(0, 7)}`, label: 'Afficher le mois' },
  };
}

/** MON AGENDA's weeks: one row per day, one cell per enrolment. */
export function agendaWeeks(from: string, to: string, entries: { days: Map<string, DayState> }[]) {
  return eachWeek(mondayOf(from), to).map((monday) => {
    const sunday = addDays(monday, 6);
    const days = eachDay(monday < from ? from : monday, sunday > to ? to : sunday)
      // Weekend rows only when an activity runs then: a table of empty Saturdays helps nobody.
      .filter((d) => isoWeekday(d) <= 5 || entries.some((e) => e.days.get(d)?.status !== 'not_running'))
      .map((day) => ({
        day,
        label: dayLabel(day),
        cells: entries.map((e) => {
          const s = e.days.get(day);
          return s ? (s.status === 'not_running' && !s.reason ? '–' : stateText(s, true)) : '–';
        }),
      }));
    return { monday, caption: `Semaine du ${dayLabel(monday)} au ${dayLabel(sunday)}`, days };
  });
}
