import { formatLongDate, parisDay } from '../../lib/calendar/index.js';
import { pdfFileName, pdfWriter } from '../../lib/pdf.js';
import type { Mandate } from '../../repositories/direct-debit.repository.js';
import { mandateAuthorisation, MANDATE_RIGHTS } from './mandate-text.js';

/**
 * The family's copy of the SEPA mandate signed online, with the creditor, the RUM and the
 * ICS the bank will see on each debit, and the wording the parent agreed to.
 */
export function mandatePdfName(rum: string): string {
  return pdfFileName('mandat-sepa', rum);
}

export function renderMandatePdf(o: { townName: string; creditorName: string; mandate: Mandate; createdAt: Date }): Promise<Buffer> {
  const m = o.mandate;
  const pdf = pdfWriter({
    title: `Mandat de prélèvement SEPA ${m.rum}`,
    author: o.townName,
    subject: `Mandat de prélèvement SEPA au profit de ${o.creditorName}`,
    createdAt: o.createdAt,
  });
  pdf.paragraph(o.townName, { bold: true, size: 12 });
  pdf.paragraph('Espace Famille');
  pdf.heading('H1', 'Mandat de prélèvement SEPA');
  pdf.facts([
    ['Référence unique du mandat (RUM)', m.rum],
    ['Type de paiement', 'Récurrent'],
  ]);
  pdf.heading('H2', 'Créancier');
  pdf.facts([
    ['Nom', o.creditorName],
    ['Identifiant créancier SEPA (ICS)', m.creditorId],
  ]);
  pdf.heading('H2', 'Débiteur');
  pdf.facts([
    ['Nom', m.debtorName],
    ['Adresse', m.debtorAddress || 'Non renseignée'],
    ['IBAN', m.debtorIban.replace(/(.{4})/g, '$1 ').trim()],
    ['BIC', m.debtorBic ?? 'Non renseigné'],
  ]);
  pdf.heading('H2', 'Autorisation');
  pdf.paragraph(mandateAuthorisation(o.creditorName));
  pdf.paragraph(MANDATE_RIGHTS);
  pdf.space(0.5);
  pdf.facts([
    ['Signé en ligne', `${m.signedPlace ? `à ${m.signedPlace}, ` : ''}le ${formatLongDate(parisDay(m.signedAt))}`],
    ...(m.revokedAt ? ([['Révoqué le', formatLongDate(parisDay(m.revokedAt))]] as [string, string][]) : []),
  ]);
  return pdf.finish();
}
