import { formatDate, WEEKDAYS } from '../../lib/calendar/index.js';
import type { OfferActivity } from '../../repositories/enrolment.repository.js';
import type { Tariff } from '../billing/pricing.js';
import { audienceWords } from '../enrolment/eligibility.js';
import { enrolmentState, placesLeft, priceRange, priceWords, type EnrolmentState } from '../enrolment/offer.js';
import { pieceWords } from '../enrolment/pieces.js';

/** One activity as the offer shows it, every sentence already in French. */
export interface OfferCard {
  id: string;
  name: string;
  site: string;
  description: string;
  period: string;
  days: string;
  when: string;
  audience: string;
  price: string | null;
  places: string;
  state: EnrolmentState;
  pieces: string[];
}

const RUNS: Record<OfferActivity['runsDuring'], string> = {
  school_weeks: 'en période scolaire',
  school_holidays: 'pendant les vacances scolaires',
  all: 'vacances comprises',
};

export function offerCard(a: OfferActivity, tariffs: Tariff[], now: Date, today: string): OfferCard {
  const left = placesLeft(a);
  return {
    id: a.id,
    name: a.name,
    site: a.site,
    description: a.description,
    period: `Du ${formatDate(a.startDate)} au ${formatDate(a.endDate)}`,
    days: a.weekdays.map((n) => WEEKDAYS[n - 1]!.toLowerCase()).join(', '),
    when: RUNS[a.runsDuring],
    audience: audienceWords(a) ?? 'Tous les âges',
    price: priceWords(priceRange(tariffs, today), a.unit),
    places: left === null ? 'Sans limite de places' : left === 0 ? 'Complet' : `${left} place${left > 1 ? 's' : ''} sur ${a.capacity}`,
    state: enrolmentState(a, now),
    pieces: a.requiredPieces.map(pieceWords),
  };
}

/** The offer by service, in the order the query gave (service, then the youngest first). */
export function groupByService(cards: { service: string; card: OfferCard }[]): { service: string; cards: OfferCard[] }[] {
  const groups: { service: string; cards: OfferCard[] }[] = [];
  for (const { service, card } of cards) {
    const name = service || 'Autres activités';
    const group = groups.find((g) => g.service === name);
    if (group) group.cards.push(card);
    else groups.push({ service: name, cards: [card] });
  }
  return groups;
}
