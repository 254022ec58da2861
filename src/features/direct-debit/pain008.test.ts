import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { pain008Xml, sepaText } from './pain008.js';

const XSD = fs.readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/sepa/pain.008.001.02.xsd'), 'utf8');

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

  it('marks the debit of a mandate signed under the town’s former ICS as amended, and still validates', async () => {
    const xml = pain008Xml({
      ...base,
      transactions: [{ ...tx, endToEndId: 'PRLC', sequenceType: 'RCUR', originalCreditorId: 'DE98ZZZ09999999999' }],
    });
    expect(xml).toContain('<AmdmntInd>true</AmdmntInd>');
    expect(xml).toContain('<OrgnlCdtrSchmeId><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id>');
    const same = pain008Xml({
      ...base,
      transactions: [{ ...tx, endToEndId: 'PRLD', sequenceType: 'RCUR', originalCreditorId: 'FR72ZZZ123456' }],
    });
    expect(same).toContain('<AmdmntInd>false</AmdmntInd>');
    const result = await validateXML({
      xml: [{ fileName: 'a.xml', contents: xml }],
      schema: [{ fileName: 'pain.008.001.02.xsd', contents: XSD }],
    });
    expect(result.errors.map((e) => e.message)).toEqual([]);
  });
});
