import type { InvoiceLine } from '../../repositories/billing-invoices.repository.js';
import type { InvoiceDisplayStatus, LineKind } from '../billing/pricing.js';

/**
 * An invoice as the parent reads it, day by day (issue 14: "what was booked, what was
 * attended and what it cost"): the words of each line, grouped by day. Pure, for the page
 * and the PDF alike.
 */

export const STATUS_WORDS: Record<InvoiceDisplayStatus, string> = { a_payer: 'À payer', payee: 'Payée', en_retard: 'En retard' };

const BOOKED: Record<LineKind, string> = {
  reserved: 'Réservé',
  reserved_present: 'Réservé',
  reserved_absent_unjustified: 'Réservé',
  absent_justified: 'Réservé',
  unreserved_surcharge: 'Non réservé',
};

const ATTENDED: Record<LineKind, string> = {
  reserved: 'Présence non relevée',
  reserved_present: 'Présent',
  reserved_absent_unjustified: 'Absent',
  absent_justified: 'Absent (absence justifiée)',
  unreserved_surcharge: 'Présent',
};

export function bookedWords(kind: LineKind): string {
  return BOOKED[kind];
}

export function attendedWords(kind: LineKind): string {
  return ATTENDED[kind];
}

export interface InvoiceDay {
  day: string;
  lines: InvoiceLine[];
}

/** The lines grouped by day, in the order the repository gives them (day, child, activity). */
export function invoiceDays(lines: InvoiceLine[]): InvoiceDay[] {
  const days: InvoiceDay[] = [];
  for (const line of lines) {
    const last = days[days.length - 1];
    if (last && last.day === line.day) last.lines.push(line);
    else days.push({ day: line.day, lines: [line] });
  }
  return days;
}

/** What remains to pay: nothing once paid (a confirmed payment, ADR 0017), else the total less the credit notes. */
export function remainingCents(view: { status: InvoiceDisplayStatus; dueCents: number }): number {
  return view.status === 'payee' ? 0 : view.dueCents;
}
