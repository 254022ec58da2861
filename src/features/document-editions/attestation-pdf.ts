import { formatDate, formatLongDate, monthLabel, parisDay, shortDate } from '../../lib/calendar/index.js';
import { formatEuros } from '../../lib/format.js';
import { pdfWriter, type PdfWriter } from '../../lib/pdf.js';
import type { PaymentRow, TaxAttestation } from '../billing/attestations.js';
import { printedCode } from './verification-code.js';

/**
 * The attestations of "Édition de documents" as tagged PDFs. Each ends with its
 * verification code and the address where a third party checks it: the public page then
 * shows the same amounts and dates, and nothing else.
 */

export interface AttestationHeader {
  townName: string;
  /** "M. Jean DUPONT", the parent who produced it. */
  holder: string;
  familyName: string;
  code: string;
  /** The public page of this code, absolute. */
  verificationUrl: string;
  issuedAt: Date;
}

function verification(pdf: PdfWriter, h: AttestationHeader) {
  pdf.heading('H2', 'Vérifier cette attestation');
  pdf.paragraph(
    `Code de vérification : ${printedCode(h.code)}. Toute personne à qui vous remettez ce document peut vérifier qu’il est authentique à l’adresse suivante, qui affiche uniquement la nature du document, ses dates et ses montants :`,
  );
  pdf.link(h.verificationUrl, h.verificationUrl);
}

function top(pdf: PdfWriter, h: AttestationHeader) {
  pdf.paragraph(h.townName, { bold: true, size: 12 });
  pdf.paragraph('Espace Famille');
  pdf.space(0.5);
  pdf.paragraph(`Délivrée le ${formatLongDate(parisDay(h.issuedAt))}`, { align: 'right' });
}

export function renderTaxAttestationPdf(h: AttestationHeader, a: TaxAttestation): Promise<Buffer> {
  const title = `Attestation fiscale ${a.year} – frais de garde des enfants de moins de 6 ans`;
  const pdf = pdfWriter({ title, author: h.townName, subject: `Frais de garde payés en ${a.year}`, createdAt: h.issuedAt });
  top(pdf, h);
  pdf.heading('H1', title);
  pdf.paragraph(
    `${h.townName} atteste que ${h.holder} (famille ${h.familyName}) a payé en ${a.year}, pour la garde hors du domicile des enfants ci-dessous, âgés de moins de 6 ans au 1er janvier ${a.year}, les sommes suivantes (article 200 quater B du code général des impôts).`,
  );
  if (a.children.length === 0) {
    pdf.paragraph(`Aucune somme n’a été payée en ${a.year} pour la garde d’un enfant de moins de 6 ans au 1er janvier ${a.year}.`, {
      bold: true,
    });
  } else {
    pdf.table(
      [
        { header: 'Enfant', width: '*' },
        { header: 'Date de naissance', width: 110 },
        { header: 'Frais de garde payés', width: 120, align: 'right' },
      ],
      [...a.children.map((c) => [c.childName, formatDate(c.birthDate), formatEuros(c.cents)]), ['Total', '', formatEuros(a.totalCents)]],
    );
  }
  pdf.paragraph(
    `Sont comptées les sommes payées dans l’année civile pour l’accueil (garderie, accueil de loisirs), avoirs déduits. Sont exclus, comme le prévoit la loi : les repas, les journées facturées pour une absence non justifiée et les majorations. Total payé en ${a.year} toutes prestations confondues : ${formatEuros(a.paidCents)}.`,
    { size: 9 },
  );
  if (a.unknownBirthDates.length > 0) {
    pdf.paragraph(
      `Date de naissance inconnue pour : ${a.unknownBirthDates.join(', ')}. Demandez aux services de la renseigner, puis éditez de nouveau cette attestation.`,
      { size: 9 },
    );
  }
  verification(pdf, h);
  return pdf.finish();
}

export function renderPaymentAttestationPdf(
  h: AttestationHeader,
  p: { payments: PaymentRow[]; totalCents: number; from: string; to: string },
): Promise<Buffer> {
  const title = `Attestation de paiement du ${shortDate(p.from)} au ${shortDate(p.to)}`;
  const pdf = pdfWriter({ title, author: h.townName, subject: 'Factures payées sur la période', createdAt: h.issuedAt });
  top(pdf, h);
  pdf.heading('H1', title);
  pdf.paragraph(
    `${h.townName} atteste que ${h.holder} (famille ${h.familyName}) a payé, entre le ${formatLongDate(p.from)} et le ${formatLongDate(p.to)}, les factures suivantes de l’Espace Famille.`,
  );
  if (p.payments.length === 0) {
    pdf.paragraph('Aucune facture n’a été payée sur cette période.', { bold: true });
  } else {
    pdf.table(
      [
        { header: 'Facture', width: '*' },
        { header: 'Mois', width: 110 },
        { header: 'Payée le', width: 90 },
        { header: 'Montant', width: 90, align: 'right' },
      ],
      [
        ...p.payments.map((r) => [r.number, monthLabel(r.month), shortDate(r.paidOn), formatEuros(r.amountCents)]),
        ['Total', '', '', formatEuros(p.totalCents)],
      ],
    );
  }
  verification(pdf, h);
  return pdf.finish();
}
