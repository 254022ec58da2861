import { formatDate, formatTime } from '../../lib/calendar/index.js';
import { formatEuros } from '../../lib/format.js';
import type { OfferActivity } from '../../repositories/enrolment.repository.js';
import type { Tariff } from '../billing/pricing.js';

/**
 * What the public offer says of an activity, as pure functions of its row, the clock and its
 * tariffs: whether a parent can enrol now, the places left, the price range.
 */

export type EnrolmentState =
  | { kind: 'closed'; label: string }
  | { kind: 'upcoming'; label: string }
  | { kind: 'open'; label: string }
  | { kind: 'full'; label: string };

/** Places an enrolment takes, per child, for the whole period; null: no limit. */
export function placesLeft(a: Pick<OfferActivity, 'capacity' | 'enrolled'>): number | null {
  return a.capacity === null ? null : Math.max(0, a.capacity - a.enrolled);
}

const when = (d: Date) => `le ${formatDate(d)} à ${formatTime(d)}`;

export function enrolmentState(
  a: Pick<OfferActivity, 'enrolmentOpensAt' | 'enrolmentClosesAt' | 'capacity' | 'enrolled'>,
  now: Date,
): EnrolmentState {
  const opens = a.enrolmentOpensAt ? new Date(a.enrolmentOpensAt) : null;
  const closes = a.enrolmentClosesAt ? new Date(a.enrolmentClosesAt) : null;
  if (!opens) return { kind: 'closed', label: "Pas d'inscription en ligne : renseignez-vous auprès du service" };
  if (now < opens) return { kind: 'upcoming', label: `Inscriptions à partir du ${formatDate(opens)} à ${formatTime(opens)}` };
  if (closes && now >= closes) return { kind: 'closed', label: `Inscriptions closes depuis ${when(closes)}` };
  const until = closes ? ` jusqu'au ${formatDate(closes)} à ${formatTime(closes)}` : '';
  if (placesLeft(a) === 0) return { kind: 'full', label: `Complet : inscription sur liste d'attente${until}` };
  return { kind: 'open', label: `Inscriptions ouvertes${until}` };
}

/** Whether a parent may send an application now (a full activity takes them on its waiting list). */
export const acceptsApplications = (s: EnrolmentState) => s.kind === 'open' || s.kind === 'full';

/** The tariff in force on `day`, or the first one to come. */
function tariffFor(tariffs: Tariff[], day: string): Tariff | undefined {
  const sorted = [...tariffs].sort((x, y) => (x.effectiveFrom < y.effectiveFrom ? -1 : 1));
  return sorted.filter((t) => t.effectiveFrom <= day).pop() ?? sorted[0];
}

/** The lowest and highest price of one unit, residents' and non-residents' together; undefined without a tariff. */
export function priceRange(tariffs: Tariff[], day: string): { minCents: number; maxCents: number } | undefined {
  const t = tariffFor(tariffs, day);
  if (!t) return undefined;
  const prices =
    t.model === 'brackets'
      ? t.brackets.flatMap((b) => (b.nonResidentPriceCents === null ? [b.priceCents] : [b.priceCents, b.nonResidentPriceCents]))
      : [t.effortFloorCents, t.effortCeilingCents, ...(t.nonResidentPriceCents === null ? [] : [t.nonResidentPriceCents])];
  if (prices.length === 0) return undefined;
  return { minCents: Math.min(...prices), maxCents: Math.max(...prices) };
}

/** "de 0,50 € à 4,20 € selon le quotient familial", "3,00 €" */
export function priceWords(range: { minCents: number; maxCents: number } | undefined, unit: string): string | null {
  if (!range) return null;
  const per = ` par ${unit.toLowerCase()}`;
  if (range.minCents === range.maxCents) return `${formatEuros(range.minCents)}${per}`;
  return `De ${formatEuros(range.minCents)} à ${formatEuros(range.maxCents)}${per}, selon le quotient familial`;
}
