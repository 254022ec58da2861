import SEPA from 'sepa';
import { centsToEuros } from './sepa-rules.js';

/**
 * The pain.008.001.02 file a town sends its bank: one group header, one PmtInf per sequence
 * type (FRST, then RCUR) on the collection date, one transaction per invoice. Written by the
 * npm `sepa` package; amounts leave integer cents only here (centsToEuros).
 */

export interface Pain008Creditor {
  name: string;
  creditorId: string;
  iban: string;
  bic: string | null;
}

export interface Pain008Transaction {
  endToEndId: string;
  amountCents: number;
  sequenceType: 'FRST' | 'RCUR';
  rum: string;
  mandateSignedOn: string;
  debtorName: string;
  debtorIban: string;
  debtorBic: string | null;
  remittance: string;
  /** The ICS the mandate was signed under, when the town's has changed since: the debit carries the amendment (SEPA rulebook). */
  originalCreditorId?: string | null;
}

/**
 * Names and texts in the SEPA basic character set (EPC guidance: banks may refuse others):
 * accents dropped ("LÉVÊQUE" → "LEVEQUE"), anything else outside the set becomes a space.
 */
const LIGATURES: Record<string, string> = { Œ: 'OE', œ: 'oe', Æ: 'AE', æ: 'ae', ß: 'ss', Ł: 'L', ł: 'l', Ø: 'O', ø: 'o', Đ: 'D', đ: 'd' };

export function sepaText(text: string, max: number): string {
  const basic = text
    .replace(/[ŒœÆæßŁłØøĐđ]/g, (c) => LIGATURES[c] ?? ' ')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’‘]/g, "'")
    .replace(/[^A-Za-z0-9/?:().,'+ -]/g, ' ')
    .replace(/ +/g, ' ')
    .trim();
  return basic.slice(0, max) || '-';
}

/** A day 'YYYY-MM-DD' as the Date the library formats back to the same day (it reads UTC parts). */
function dayAsDate(day: string): Date {
  return new Date(`${day}T12:00:00Z`);
}

export function pain008Xml(o: {
  messageId: string;
  createdAt: Date;
  initiatorName: string;
  collectionDate: string;
  creditor: Pain008Creditor;
  transactions: Pain008Transaction[];
}): string {
  const doc = new SEPA.Document('pain.008.001.02');
  doc.grpHdr.id = o.messageId;
  doc.grpHdr.created = o.createdAt;
  doc.grpHdr.initiatorName = sepaText(o.initiatorName, 70);
  for (const sequenceType of ['FRST', 'RCUR'] as const) {
    const transactions = o.transactions.filter((t) => t.sequenceType === sequenceType);
    if (transactions.length === 0) continue;
    const info = doc.createPaymentInfo();
    info.collectionDate = dayAsDate(o.collectionDate);
    info.creditorName = sepaText(o.creditor.name, 70);
    info.creditorId = o.creditor.creditorId;
    info.creditorIBAN = o.creditor.iban;
    if (o.creditor.bic) info.creditorBIC = o.creditor.bic;
    info.batchBooking = true;
    info.localInstrumentation = 'CORE';
    info.sequenceType = sequenceType;
    doc.addPaymentInfo(info);
    for (const t of transactions) {
      const tx = info.createTransaction();
      tx.end2endId = t.endToEndId;
      tx.amount = centsToEuros(t.amountCents);
      tx.currency = 'EUR';
      tx.mandateId = t.rum;
      tx.mandateSignatureDate = dayAsDate(t.mandateSignedOn);
      tx.debtorName = sepaText(t.debtorName, 70);
      tx.debtorIBAN = t.debtorIban;
      if (t.debtorBic) tx.debtorBIC = t.debtorBic;
      tx.remittanceInfo = sepaText(t.remittance, 140);
      if (t.originalCreditorId && t.originalCreditorId !== o.creditor.creditorId)
        tx.amendment = { originalCreditorSchemeId: t.originalCreditorId };
      info.addTransaction(tx);
    }
  }
  // toString normalises the document (control sums, counts) and numbers the ids from the
  // message id: PmtInfId "<MsgId>.0", InstrId "<MsgId>.0.0", within the 35 characters.
  return doc.toString();
}
