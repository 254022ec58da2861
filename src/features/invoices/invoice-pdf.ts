import type { InvoiceView } from '../billing/billing.service.js';
import { formatEuros } from '../../lib/format.js';
import { formatLongDate, monthLabel, shortDate } from '../../lib/calendar/index.js';
import { pdfFileName, pdfWriter } from '../../lib/pdf.js';
import { attendedWords, bookedWords, remainingCents, STATUS_WORDS } from './invoice-days.js';

/**
 * An invoice as a PDF (issue 14): the same facts as the page, in the same words — the
 * payer as printed when issued, day by day what was booked, attended and billed and why,
 * the credit notes, the total and what remains to pay.
 */
export interface InvoicePdfInput {
  townName: string;
  regieName: string;
  view: InvoiceView;
  createdAt: Date;
}

export function invoicePdfName(number: string): string {
  return pdfFileName('facture', number);
}

export function renderInvoicePdf({ townName, regieName, view, createdAt }: InvoicePdfInput): Promise<Buffer> {
  const { invoice } = view;
  const month = monthLabel(invoice.month.slice(0, 7));
  const pdf = pdfWriter({
    title: `Facture N° ${invoice.number} – ${month}`,
    author: townName,
    subject: `Facture ${townName} du mois de ${month}`,
    createdAt,
  });
  pdf.paragraph(townName, { bold: true, size: 12 });
  pdf.paragraph(`${regieName} – Espace Famille`);
  pdf.space(0.5);
  pdf.paragraph([invoice.payerName, invoice.payerAddress].filter((l) => l.trim() !== '').join('\n'), { align: 'right' });

  pdf.heading('H1', `Facture N° ${invoice.number}`);
  pdf.facts([
    ['Mois facturé', month],
    ['Date d’émission', formatLongDate(invoice.issuedOn)],
    ['Date d’échéance', formatLongDate(invoice.dueOn)],
    ['Statut', STATUS_WORDS[view.status]],
  ]);

  pdf.heading('H2', 'Détail jour par jour');
  pdf.table(
    [
      { header: 'Jour', width: 58 },
      { header: 'Enfant', width: 75 },
      { header: 'Activité', width: 80 },
      { header: 'Réservé', width: 55 },
      { header: 'Présence', width: 65 },
      { header: 'Motif', width: '*' },
      { header: 'Montant', width: 55, align: 'right' },
    ],
    view.lines.map((l) => [
      shortDate(l.day),
      l.childName,
      l.activityName,
      bookedWords(l.kind),
      attendedWords(l.kind),
      l.reason,
      formatEuros(l.amountCents),
    ]),
  );

  if (view.creditNotes.length > 0) {
    pdf.heading('H2', 'Avoirs sur cette facture');
    pdf.table(
      [
        { header: 'Avoir', width: 120 },
        { header: 'Date', width: 70 },
        { header: 'Motif', width: '*' },
        { header: 'Montant', width: 70, align: 'right' },
      ],
      view.creditNotes.map((c) => [c.number, shortDate(c.issuedOn), c.reason, formatEuros(c.amountCents)]),
    );
  }

  pdf.heading('H2', 'Montants');
  pdf.facts([
    ['Total de la facture', formatEuros(invoice.totalCents)],
    ...(view.creditNotes.length > 0 ? [['Avoirs', formatEuros(invoice.creditsCents)] as [string, string]] : []),
    ['Reste à payer', formatEuros(remainingCents(view))],
  ]);
  pdf.space();
  pdf.paragraph(
    `Montants en euros. Chaque ligne est arrondie au centime ; le total est la somme des lignes. Pour contester une ligne, ouvrez cette facture dans votre Espace Famille et choisissez « Contester cette ligne ».`,
    { size: 8.5 },
  );
  return pdf.finish();
}
