import type { DayState } from './day-states.js';
import { dayLabel } from '../../lib/calendar/index.js';
import type { RefusedDay } from './reservations.service.js';

/** What the parent reads after a change of the grid, the recap or VALIDER. Pure. */

/** Days a change could not touch, child by child, with why. */
export function blockedMessage(blocked: { firstNames: string; state: DayState }[]): string {
  return `Ces jours ne peuvent plus être modifiés et n'ont pas été pris en compte : ${blocked
    .map((b) => `${b.firstNames}, ${dayLabel(b.state.day)} (${b.state.reason?.label ?? 'pas d’activité'})`)
    .join(' ; ')}.`;
}

/** The deadline passed between the recap and VALIDER: nothing saved. */
export function refusedMessage(refused: RefusedDay[]): string {
  return `Rien n'a été enregistré : ces jours ne peuvent plus être modifiés et ont été retirés de votre demande – ${refused
    .map((r) => `${r.firstNames}, ${dayLabel(r.day)} (${r.reason})`)
    .join(' ; ')}. Vérifiez le récapitulatif puis validez à nouveau.`;
}

/** "Votre demande a été prise en compte : 2 réservations enregistrées, 1 annulée." */
export function savedMessage(outcome: { result: string }[]): string {
  const n = (r: string) => outcome.filter((o) => o.result === r).length;
  const parts = [
    n('booked') && `${n('booked')} réservation${n('booked') > 1 ? 's' : ''} enregistrée${n('booked') > 1 ? 's' : ''}`,
    n('waiting') && `${n('waiting')} en liste d'attente`,
    n('cancelled') && `${n('cancelled')} annulée${n('cancelled') > 1 ? 's' : ''}`,
  ].filter(Boolean);
  return `Votre demande a été prise en compte : ${parts.join(', ')}.`;
}
