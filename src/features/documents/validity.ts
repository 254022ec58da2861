import { dayLabel, daysBetween } from '../../lib/calendar/index.js';

/** A document expiring within this many days is flagged (issue 5: "soon-expiring"). */
export const SOON_DAYS = 30;

export type ValidityKind = 'none' | 'valid' | 'soon' | 'expired';

export interface Validity {
  kind: ValidityKind;
  /** Said in words: the state never depends on a colour. */
  label: string;
}

/**
 * A document is valid through its "date limite de validité" (that day included).
 * `today` is the calendar day in Europe/Paris, from the injected clock.
 */
export function validityOf(validUntil: string | null, today: string): Validity {
  if (!validUntil) return { kind: 'none', label: 'Sans date limite de validité' };
  const date = dayLabel(validUntil, { weekday: false, year: true });
  const left = daysBetween(today, validUntil);
  if (left < 0) return { kind: 'expired', label: `Expiré : valable jusqu'au ${date}` };
  if (left === 0) return { kind: 'soon', label: `Expire aujourd'hui : valable jusqu'au ${date}` };
  if (left <= SOON_DAYS) {
    return { kind: 'soon', label: `Expire bientôt : valable jusqu'au ${date} (dans ${left} jour${left > 1 ? 's' : ''})` };
  }
  return { kind: 'valid', label: `Valable jusqu'au ${date}` };
}
