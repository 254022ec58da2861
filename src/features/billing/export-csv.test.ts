import { describe, expect, it } from 'vitest';
import { amountCell, monthCsv, textCell } from './export-csv.js';

describe("the régie's CSV", () => {
  it('neutralises every text a spreadsheet would run as a formula', () => {
    expect(textCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(textCell('+33 6 12')).toBe("'+33 6 12");
    expect(textCell('-2+3')).toBe("'-2+3");
    expect(textCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(textCell('\tcmd')).toBe("'\tcmd");
    expect(textCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(textCell('Famille MARTIN')).toBe('Famille MARTIN');
    expect(textCell('Repas; goûter')).toBe('"Repas; goûter"');
  });

  it('writes amounts with a decimal comma, credit notes negative', () => {
    expect(amountCell(1634)).toBe('16,34');
    expect(amountCell(5)).toBe('0,05');
    expect(amountCell(-380)).toBe('-3,80');
    expect(amountCell(0)).toBe('0,00');
  });

  it('lists the invoices then the credit notes of the month', () => {
    const csv = monthCsv(
      [
        {
          number: 'ENF-2026-000001',
          issuedOn: '2026-12-02',
          dueOn: '2026-12-15',
          payerName: 'Claire DURAND',
          month: '2026-11-01',
          totalCents: 1634,
        },
      ],
      [
        {
          number: 'AV-ENF-2026-000001',
          issuedOn: '2026-12-03',
          invoiceNumber: 'ENF-2026-000001',
          payerName: '=cmd',
          amountCents: 380,
          reason: 'Repas du 3 novembre facturé à tort',
        },
      ],
    );
    expect(csv.split('\r\n')).toEqual([
      '\ufeffType;Numéro;Date;Échéance;Payeur;Mois facturé;Facture corrigée;Montant (€);Motif',
      'Facture;ENF-2026-000001;02/12/2026;15/12/2026;Claire DURAND;2026-11;;16,34;',
      "Avoir;AV-ENF-2026-000001;03/12/2026;;'=cmd;;ENF-2026-000001;-3,80;Repas du 3 novembre facturé à tort",
      '',
    ]);
  });
});
