import { describe, expect, it } from 'vitest';
import { pdfFontNames, pdfUnicodeText } from '../../../test/helpers/pdf.js';
import type { InvoiceView } from '../billing/billing.service.js';
import { renderInvoicePdf } from './invoice-pdf.js';

const view: InvoiceView = {
  invoice: {
    id: '00000000-0000-4000-8000-000000000001',
    regieId: '00000000-0000-4000-8000-000000000002',
    familyId: '00000000-0000-4000-8000-000000000003',
    accountId: null,
    split: false,
    payerName: 'Famille D’AUBIGNÉ-LÉVÊQUE',
    payerAddress: '3 rue des Écoles 14400 Bayeux',
    month: '2026-11-01',
    number: 'ENF-2026-000042',
    numberYear: 2026,
    numberSeq: 42,
    issuedOn: '2026-12-02',
    dueOn: '2026-12-15',
    totalCents: 123_450,
    status: 'issued',
    creditsCents: 1_250,
  },
  status: 'a_payer',
  dueCents: 122_200,
  lines: [
    {
      id: '00000000-0000-4000-8000-000000000010',
      childId: null,
      childName: 'Émma TEST',
      activityId: null,
      activityName: 'Accueil du soir',
      day: '2026-11-06',
      kind: 'unreserved_surcharge',
      category: 'garde',
      unitPriceCents: 380,
      surchargeBp: 3000,
      amountCents: 494,
      reason: 'Venu sans réservation : tarif majoré de 30\u00a0%',
      qf: 1200,
      siblingRank: 1,
      reservationId: null,
      attendanceRecorded: true,
      absenceRequestId: null,
    },
  ],
  creditNotes: [
    {
      id: '00000000-0000-4000-8000-000000000020',
      invoiceId: '00000000-0000-4000-8000-000000000001',
      number: 'AV-ENF-2026-000003',
      amountCents: 1_250,
      reason: 'Repas du 3 novembre non servi',
      issuedOn: '2026-12-04',
      actorLabel: 'Agent',
    },
  ],
};

describe('renderInvoicePdf', () => {
  it('writes the amounts in French with their narrow no-break space, in an embedded font that has it', async () => {
    const pdf = await renderInvoicePdf({
      townName: 'Bayeux',
      regieName: 'Régie enfance',
      view,
      createdAt: new Date('2026-12-02T09:00:00Z'),
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfUnicodeText(pdf);
    expect(text).toContain('Facture N° ENF-2026-000042');
    // Intl's French: U+202F between thousands, U+00A0 before the euro sign.
    expect(text).toContain('1\u202f234,50\u00a0€');
    expect(text).toContain('1\u202f222,00\u00a0€');
    expect(text).toContain('4,94\u00a0€');
    // The reason wraps in its cell: one line per line drawn.
    expect(text).toContain('majoré de 30\u00a0%');
    expect(text).toContain('AV-ENF-2026-000003');
    expect(text).toContain('Famille D’AUBIGNÉ-LÉVÊQUE');
    // A character the font lacks would be drawn with glyph 0 (.notdef), which PDFKit's ToUnicode
    // maps to U+0000: none here, so U+202F above was drawn with DejaVu's own glyph.
    expect(text).not.toContain('\u0000');
    expect(pdfFontNames(pdf).some((f) => f.endsWith('+DejaVuSans'))).toBe(true);
  });

  it('is a tagged PDF in French with its title', async () => {
    const pdf = await renderInvoicePdf({
      townName: 'Bayeux',
      regieName: 'Régie enfance',
      view,
      createdAt: new Date('2026-12-02T09:00:00Z'),
    });
    const raw = pdf.toString('latin1');
    expect(raw).toContain('/StructTreeRoot');
    expect(raw).toContain('/Lang (fr-FR)');
    expect(raw).toContain('/Marked true');
    for (const tag of ['/H1', '/Table', '/TH', '/TD']) expect(raw).toContain(`/S ${tag}`);
  });
});
