/**
 * The régie's CSV of a month: its invoices and credit notes, for the town's accounting
 * (opened in a spreadsheet). French conventions: `;` between cells, a decimal comma, CRLF,
 * and a byte-order mark so that Excel reads UTF-8. Text that a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is neutralised by a
 * leading apostrophe (OWASP, "CSV Injection"); amounts are ours and written as numbers.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: neutralised if a spreadsheet would take it for a formula, quoted if it needs it. */
export function textCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Cents as a French decimal number, "-3,80" for a credit note. */
export function amountCell(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

/** 'YYYY-MM-DD' → 'DD/MM/YYYY'. */
function dayCell(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

export interface CsvInvoice {
  number: string;
  issuedOn: string;
  dueOn: string;
  payerName: string;
  month: string;
  totalCents: number;
}

export interface CsvCreditNote {
  number: string;
  issuedOn: string;
  invoiceNumber: string;
  payerName: string;
  amountCents: number;
  reason: string;
}

const HEADER = ['Type', 'Numéro', 'Date', 'Échéance', 'Payeur', 'Mois facturé', 'Facture corrigée', 'Montant (€)', 'Motif'];

export function monthCsv(invoices: readonly CsvInvoice[], creditNotes: readonly CsvCreditNote[]): string {
  const rows: string[][] = [HEADER.map(textCell)];
  for (const i of invoices) {
    rows.push([
      'Facture',
      textCell(i.number),
      dayCell(i.issuedOn),
      dayCell(i.dueOn),
      textCell(i.payerName),
      i.month.slice(0, 7),
      '',
      amountCell(i.totalCents),
      '',
    ]);
  }
  for (const c of creditNotes) {
    rows.push([
      'Avoir',
      textCell(c.number),
      dayCell(c.issuedOn),
      '',
      textCell(c.payerName),
      '',
      textCell(c.invoiceNumber),
      amountCell(-c.amountCents),
      textCell(c.reason),
    ]);
  }
  return `\ufeff${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
