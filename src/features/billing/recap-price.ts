import { bookedDay, priceRecord, type FamilyPricing } from './pricing.js';

/**
 * The price shown on the reservation recap, before VALIDER: what the changes of a draft
 * will cost per child. An added day is priced as the invoice will bill it if the child
 * comes (reserved and present), with the tariff and the QF recorded today for that day; a
 * day cancelled within the deadline leaves no line on the invoice, so its price is what
 * the family no longer pays. A cancellation after the deadline is refused by the
 * reservations service and never reaches here.
 */
export interface DraftChanges {
  activityId: string;
  children: { childId: string; added: readonly string[]; cancelled: readonly string[] }[];
}

export interface ChildRecapPrice {
  childId: string;
  addedDays: number;
  addedCents: number;
  cancelledDays: number;
  cancelledCents: number;
  /** What the changes add to the invoices (negative: they save money). */
  netCents: number;
  /** The price of one added day when every added day has the same (null: none added, or a QF or tariff change between them). */
  addedUnitCents: number | null;
  /** The same for the days cancelled. */
  cancelledUnitCents: number | null;
}

/** The one price all these days share, or null. */
function commonPrice(prices: number[]): number | null {
  const first = prices[0];
  return first !== undefined && prices.every((p) => p === first) ? first : null;
}

export function recapPrice(draft: DraftChanges, family: FamilyPricing): ChildRecapPrice[] {
  return draft.children.map(({ childId, added, cancelled }) => {
    const price = (day: string) => priceRecord(bookedDay(childId, draft.activityId, day), family)?.amountCents ?? 0;
    const addedPrices = added.map(price);
    const cancelledPrices = cancelled.map(price);
    const addedCents = addedPrices.reduce((sum, p) => sum + p, 0);
    const cancelledCents = cancelledPrices.reduce((sum, p) => sum + p, 0);
    return {
      childId,
      addedDays: added.length,
      addedCents,
      cancelledDays: cancelled.length,
      cancelledCents,
      netCents: addedCents - cancelledCents,
      addedUnitCents: commonPrice(addedPrices),
      cancelledUnitCents: commonPrice(cancelledPrices),
    };
  });
}
