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
}

export function recapPrice(draft: DraftChanges, family: FamilyPricing): ChildRecapPrice[] {
  return draft.children.map(({ childId, added, cancelled }) => {
    const price = (day: string) => priceRecord(bookedDay(childId, draft.activityId, day), family)?.amountCents ?? 0;
    const addedCents = added.reduce((sum, day) => sum + price(day), 0);
    const cancelledCents = cancelled.reduce((sum, day) => sum + price(day), 0);
    return {
      childId,
      addedDays: added.length,
      addedCents,
      cancelledDays: cancelled.length,
      cancelledCents,
      netCents: addedCents - cancelledCents,
    };
  });
}
