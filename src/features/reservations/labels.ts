import type { DayState } from './day-states.js';

/** The reservation pages' own words; their dates come from lib/calendar. */

/** "1er", "2e"… for waiting ranks. */
export function rank(n: number): string {
  return n === 1 ? '1re' : `${n}e`;
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
