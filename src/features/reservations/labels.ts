import { addDays, memo, parisDay } from '../../lib/calendar-days.js';
import { dayLabel as frenchDayLabel } from '../../lib/french.js';
import type { DayState } from './day-states.js';

/** Labels of the reservation pages (calendar days read at noon UTC, so no zone moves them). */
const at = (day: string) => new Date(`${day}T12:00:00Z`);
const monthFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', month: 'long', year: 'numeric' });
const shortFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', day: '2-digit', month: '2-digit' });
const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });

export const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'] as const;

/** Formatted once per day (Intl is dear, and a month page asks for every day): bounded. */
const dayLabels = new Map<string, string>();

/** "mardi 13 décembre", "vendredi 1er janvier": lib/french's label, the one every page uses. */
export function dayLabel(day: string): string {
  return memo(dayLabels, day, () => frenchDayLabel(day));
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

/** The last minute one can still act, in words: "mercredi 25 novembre à 23:59". */
export function untilLabel(deadline: Date): string {
  const last = new Date(deadline.getTime() - 60_000);
  return `${dayLabel(parisDay(last))} à ${timeFmt.format(last)}`;
}

/** "1er", "2e"… for waiting ranks. */
export function rank(n: number): string {
  return n === 1 ? '1re' : `${n}e`;
}

/** The Monday of the week of `day`. */
export function mondayOf(day: string): string {
  const wd = at(day).getUTCDay() || 7;
  return addDays(day, 1 - wd);
}

export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The first day of a month ('YYYY-MM') and its last. (reservations.service.ts still has its own copy, for its importers.) */
export function monthBounds(month: string): { from: string; to: string } {
  const from = `${month}-01`;
  const next = addDays(`${month}-28`, 4).slice(0, 7);
  return { from, to: addDays(`${next}-01`, -1) };
}

export function todayIn(now: Date): string {
  return parisDay(now);
}

/** "Repas" stays "Repas", "Journée" becomes "journées" (lower case, for sentences). */
export function unitPlural(unit: string): string {
  const lower = unit.toLowerCase();
  return /[sxz]$/.test(lower) ? lower : `${lower}s`;
}

/**
 * What the parent reads for a day, in one short phrase (never colour alone). In the agenda
 * (`forAgenda`) a day that was never booked just says so, whatever its deadline.
 */
export function stateText(state: DayState, forAgenda = false): string {
  if (forAgenda && state.status === 'closed' && state.reason?.code === 'deadline') return 'Non réservé';
  const r = state.reservation;
  if (state.status === 'booked') return r && !r.confirmed ? 'Réservé, en attente de confirmation' : 'Réservé';
  if (state.status === 'waiting') return r?.position ? `Liste d'attente (${rank(r.position)})` : "Liste d'attente";
  if (state.status === 'closed') return state.reason?.label ?? 'Fermé';
  if (state.status === 'not_running') return state.reason?.label ?? "Pas d'activité";
  return state.full ? "Non réservé – complet, liste d'attente possible" : 'Non réservé';
}

/** "07/12/2026", as the date fields are typed. */
export function shortDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}
