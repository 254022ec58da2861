import { describe, expect, it } from 'vitest';
import { pain008Xml, sepaText } from './pain008.js';

describe('sepaText', () => {
  it('folds names to the SEPA basic character set', () => {
    expect(sepaText('Marie-Bénédicte D’Aubigné-Lévêque', 70)).toBe("Marie-Benedicte D'Aubigne-Leveque");
    expect(sepaText('Régie « Enfance » & Jeunesse', 70)).toBe('Regie Enfance Jeunesse');
    expect(sepaText('Łódź Œuvre', 70)).toBe('Lodz OEuvre');
    expect(sepaText('Anne Albert', 4)).toBe('Anne');
  });
});

describe('pain008Xml', () => {
  const base = {
    messageId: 'PRL-20261220-ABCDEFGH',
    createdAt: new Date('2026-12-02T09:00:00Z'),
    initiatorName: 'Ville de Bayeux',
    collectionDate: '2026-12-20',
    creditor: { name: 'Régie Enfance', creditorId: 'FR72ZZZ123456', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' },
  };
  const tx = {
    amountCents: 7055,
    rum: 'ENF-BAYEUX-ABCDEFGHJK',
    mandateSignedOn: '2026-11-30',
    debtorName: 'Anne Albert',
    debtorIban: 'DE89370400440532013000',
    debtorBic: null,
    remittance: 'Facture R1-2026-000001',
  };

  it('writes one PmtInf per sequence type, first then recurrent, with exact amounts and the day of collection', () => {
    const xml = pain008Xml({
      ...base,
      transactions: [
        { ...tx, endToEndId: 'PRLA', sequenceType: 'RCUR' },
        { ...tx, endToEndId: 'PRLB', sequenceType: 'FRST', amountCents: 5 },
      ],
    });
    expect(xml.match(/<SeqTp>[A-Z]+<\/SeqTp>/g)).toEqual(['<SeqTp>FRST</SeqTp>', '<SeqTp>RCUR</SeqTp>']);
    expect(xml).toContain('<CtrlSum>70.60</CtrlSum>');
    expect(xml).toContain('<ReqdColltnDt>2026-12-20</ReqdColltnDt>');
    expect(xml).toContain('<DtOfSgntr>2026-11-30</DtOfSgntr>');
    expect(xml).toContain('<Nm>Regie Enfance</Nm>');
  });
});
