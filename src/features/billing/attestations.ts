import { parisDay } from '../../lib/calendar/index.js';
import type { LineKind } from './pricing.js';

/**
 * What "Édition de documents" attests, from the invoices a parent may see (issue 14,
 * reference billing-payments.md § 6, ADR 0015 "Édition de documents"). Pure: the service
 * reads the rows, this decides the amounts.
 *
 * The attestation fiscale (frais de garde, CGI art. 200 quater B) of a year counts:
 * - the sums PAID in the year: invoices whose payment (`paid_at`) falls in the year, in
 *   Paris time — a December invoice paid in January counts for the next year; nothing is
 *   prorated, an invoice is paid or it is not (payments in part come with the next issue);
 * - for each child under 6 on 1 January of the year only (born after 1 January of year − 6);
 * - on `garde` lines only: meals (`repas`) are excluded, and so are, as § 6 requires,
 *   penalties and supplements: a day billed while the child was absent without an accepted
 *   justification counts for nothing, and a walk-in counts at its unit price, without the
 *   surcharge;
 * - less the invoice's credit notes: a credit note does not say which line it corrects, so
 *   it is deducted from the invoice's eligible amounts, child after child in the order of
 *   the attestation, never below zero — the attestation may understate what was paid for
 *   childcare, it never overstates it.
 */

/** How much of a childcare line is the garde itself. */
function eligibleCents(line: { kind: LineKind; unitPriceCents: number; amountCents: number }): number {
  switch (line.kind) {
    case 'reserved':
    case 'reserved_present':
      return line.amountCents;
    case 'unreserved_surcharge':
      return Math.min(line.unitPriceCents, line.amountCents);
    case 'reserved_absent_unjustified':
    case 'absent_justified':
      return 0;
  }
}

/** Under 6 on 1 January of `year`: born after 1 January of year − 6 (a sixth birthday on 1 January is too late). */
export function underSixOnFirstJanuary(birthDate: string | null, year: number): boolean {
  if (!birthDate) return false;
  return birthDate > `${String(year - 6).padStart(4, '0')}-01-01`;
}

export interface AttestedInvoice {
  id: string;
  number: string;
  month: string;
  totalCents: number;
  creditsCents: number;
  paidAt: Date;
}

export interface AttestedLine {
  invoiceId: string;
  childId: string | null;
  childName: string;
  birthDate: string | null;
  kind: LineKind;
  unitPriceCents: number;
  amountCents: number;
}

export interface TaxChild {
  childName: string;
  birthDate: string;
  cents: number;
}

export interface TaxAttestation {
  year: number;
  /** The children under 6 on 1 January with childcare billed in paid invoices, by name. */
  children: TaxChild[];
  totalCents: number;
  /** Everything paid in the year (credit notes deducted), childcare or not. */
  paidCents: number;
  /** Children with childcare lines but no birth date on file: the family should ask the services. */
  unknownBirthDates: string[];
}

export function taxAttestation(year: number, invoices: AttestedInvoice[], lines: AttestedLine[]): TaxAttestation {
  const key = (l: AttestedLine) => l.childId ?? `name:${l.childName}`;
  const children = new Map<string, TaxChild>();
  const unknown = new Set<string>();
  const perInvoice = new Map<string, Map<string, number>>();
  for (const line of lines) {
    if (!line.birthDate) {
      unknown.add(line.childName);
      continue;
    }
    if (!underSixOnFirstJanuary(line.birthDate, year)) continue;
    const k = key(line);
    if (!children.has(k)) children.set(k, { childName: line.childName, birthDate: line.birthDate, cents: 0 });
    const amounts = perInvoice.get(line.invoiceId) ?? new Map<string, number>();
    amounts.set(k, (amounts.get(k) ?? 0) + eligibleCents(line));
    perInvoice.set(line.invoiceId, amounts);
  }
  const order = [...children.entries()].sort(
    ([, a], [, b]) => a.childName.localeCompare(b.childName, 'fr') || a.birthDate.localeCompare(b.birthDate),
  );
  for (const invoice of invoices) {
    const amounts = perInvoice.get(invoice.id);
    if (!amounts) continue;
    let credit = invoice.creditsCents;
    for (const [k, child] of order) {
      const cents = amounts.get(k) ?? 0;
      const deducted = Math.min(cents, credit);
      credit -= deducted;
      child.cents += cents - deducted;
    }
  }
  const list = order.map(([, c]) => c);
  return {
    year,
    children: list,
    totalCents: list.reduce((s, c) => s + c.cents, 0),
    paidCents: invoices.reduce((s, i) => s + Math.max(0, i.totalCents - i.creditsCents), 0),
    unknownBirthDates: [...unknown].sort((a, b) => a.localeCompare(b, 'fr')),
  };
}

export interface PaymentRow {
  number: string;
  month: string;
  paidOn: string;
  amountCents: number;
}

/** The attestation of payment of a period: each invoice paid in it, for what it cost less its credit notes. */
export function paymentAttestation(invoices: AttestedInvoice[]): { payments: PaymentRow[]; totalCents: number } {
  const payments = invoices.map((i) => ({
    number: i.number,
    month: i.month.slice(0, 7),
    paidOn: parisDay(i.paidAt),
    amountCents: Math.max(0, i.totalCents - i.creditsCents),
  }));
  return { payments, totalCents: payments.reduce((s, p) => s + p.amountCents, 0) };
}
