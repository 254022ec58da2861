import crypto from 'node:crypto';
import { electronicFormatIBAN, isSEPACountry, validateBIC, validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import SEPA from 'sepa';
import { addDays } from '../../lib/calendar/index.js';

/**
 * The rules of SEPA direct debit that are not HTTP and not SQL (reference
 * billing-payments.md §5): when an invoice is debited, how an IBAN, a BIC and an ICS are
 * checked (in French words a parent understands), how a mandate's RUM is made, how an
 * account is shown masked, and the R-transaction reason codes an agent records.
 */

export interface DebitSchedule {
  /** The day the family was told of the debit ("avis de prélèvement"): the invoice's issue, or the mandate's signature if later. */
  noticeOn: string;
  /** The earliest day the invoice may be debited: its due date, but never before the notice plus the town's pre-notification days. */
  debitOn: string;
}

/**
 * The invoice is the pre-notification: it says the amount and the date. A mandate signed
 * after the invoice was issued tells the family on the day it is signed, so the notice
 * period runs from then.
 */
export function debitSchedule(o: { issuedOn: string; dueOn: string; mandateSignedOn: string; prenotificationDays: number }): DebitSchedule {
  const noticeOn = o.mandateSignedOn > o.issuedOn ? o.mandateSignedOn : o.issuedOn;
  const earliest = addDays(noticeOn, o.prenotificationDays);
  return { noticeOn, debitOn: earliest > o.dueOn ? earliest : o.dueOn };
}

/** "FR76 **** **** **** **** **** 189": the country, check digits and last four characters only. */
export function maskIban(iban: string): string {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  if (compact.length < 9) return compact;
  return `${compact.slice(0, 4)} **** … ${compact.slice(-4)}`;
}

export type IbanCheck = { ok: true; iban: string } | { ok: false; message: string };

/** An IBAN as typed (spaces, small letters) checked for a SEPA debit, with the French message of its first fault. */
export function checkIban(typed: string): IbanCheck {
  const iban = electronicFormatIBAN(typed) ?? '';
  if (iban === '') return { ok: false, message: 'Saisissez l’IBAN du compte à débiter' };
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(iban)) {
    return {
      ok: false,
      message:
        'L’IBAN commence par 2 lettres (le pays) et 2 chiffres, suivis de lettres et de chiffres, par exemple FR76 3000 6000 0112 3456 7890 189',
    };
  }
  const result = validateIBAN(iban);
  if (!result.valid) {
    const codes = result.errorCodes;
    if (codes.includes(ValidationErrorsIBAN.NoIBANCountry)) {
      return { ok: false, message: `Le code pays « ${iban.slice(0, 2)} » de l’IBAN n’existe pas : vérifiez les deux premières lettres` };
    }
    if (codes.includes(ValidationErrorsIBAN.WrongBBANLength)) {
      return {
        ok: false,
        message:
          'L’IBAN n’a pas le bon nombre de caractères pour son pays : il en manque ou il y en a en trop (un IBAN français en compte 27)',
      };
    }
    return {
      ok: false,
      message: 'L’IBAN n’est pas valide : sa clé de contrôle ne correspond pas. Recopiez-le depuis votre relevé d’identité bancaire (RIB)',
    };
  }
  if (!isSEPACountry(iban.slice(0, 2))) {
    return {
      ok: false,
      message: 'Ce compte est tenu dans un pays hors de la zone SEPA : le prélèvement n’est possible que sur un compte de la zone SEPA',
    };
  }
  return { ok: true, iban };
}

/** A BIC as typed (empty allowed: banks of the SEPA zone find it from the IBAN). */
export function checkBic(typed: string): { ok: true; bic: string | null } | { ok: false; message: string } {
  const bic = typed.replace(/\s+/g, '').toUpperCase();
  if (bic === '') return { ok: true, bic: null };
  if (!validateBIC(bic).valid)
    return { ok: false, message: 'Le BIC compte 8 ou 11 lettres et chiffres, par exemple AGRIFRPP ou AGRIFRPPXXX' };
  return { ok: true, bic };
}

/** The town's creditor identifier (ICS): its layout (FRkk ZZZ nnnnnn) and its check digits. */
export function checkCreditorId(typed: string): { ok: true; ics: string } | { ok: false; message: string } {
  const ics = typed.replace(/\s+/g, '').toUpperCase();
  if (ics === '') return { ok: false, message: 'Saisissez l’identifiant créancier SEPA (ICS) de la commune' };
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(ics) || (ics.startsWith('FR') && ics.length !== 13)) {
    return {
      ok: false,
      message:
        'L’ICS compte 13 caractères pour la France : FR, 2 chiffres de contrôle, 3 caractères puis 6 chiffres, par exemple FR72ZZZ123456',
    };
  }
  if (!SEPA.validateCreditorID(ics)) {
    return {
      ok: false,
      message:
        'L’ICS n’est pas valide : ses chiffres de contrôle (3e et 4e caractères) ne correspondent pas. Recopiez-le depuis le courrier de la banque',
    };
  }
  return { ok: true, ics };
}

const RUM_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A mandate's unique reference (RUM), assigned by the town: "ENF-<town>-<10 random
 * characters>", at most 35 characters of the SEPA set. The random part (50 bits) makes a
 * clash unlikely; the unique index (town, rum) refuses one anyway.
 */
export function newRum(townSlug: string, random: (n: number) => Buffer = crypto.randomBytes): string {
  const town =
    townSlug
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 20) || 'VILLE';
  const bytes = random(10);
  const suffix = Array.from(bytes, (b) => RUM_ALPHABET[b % RUM_ALPHABET.length]).join('');
  return `ENF-${town}-${suffix}`;
}

/** A reference of our own for a payment, a message or a transaction: letters and digits only. */
export function newReference(prefix: string, length = 16, random: (n: number) => Buffer = crypto.randomBytes): string {
  return prefix + Array.from(random(length), (b) => RUM_ALPHABET[b % RUM_ALPHABET.length]).join('');
}

/** The R-transaction reasons an agent records from the bank's report (reference §5). */
export const REJECT_REASONS = {
  AC01: 'Numéro de compte incorrect',
  AC04: 'Compte clôturé',
  AC06: 'Compte bloqué',
  AM04: 'Provision insuffisante',
  AM05: 'Prélèvement en double',
  MD01: 'Pas de mandat valable',
  MD02: 'Données du mandat manquantes ou erronées',
  MD06: 'Remboursement demandé par le titulaire du compte',
  MD07: 'Titulaire du compte décédé',
  MS02: 'Refusé par le titulaire du compte',
  MS03: 'Motif non communiqué par la banque',
} as const;

export type RejectCode = keyof typeof REJECT_REASONS;

/**
 * Codes after which debiting the same account again is pointless or wrong (reference §5:
 * "do not re-present blindly after AC04/MD01/MD07"): the mandate is ended with the reject.
 */
export const MANDATE_ENDING_CODES: readonly RejectCode[] = ['AC01', 'AC04', 'AC06', 'MD01', 'MD07'];

export function isRejectCode(code: string): code is RejectCode {
  return Object.hasOwn(REJECT_REASONS, code);
}

/** Integer cents to the euros the pain.008 file writes, at the last moment and exactly (1234 → 12.34). */
export function centsToEuros(cents: number): number {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new Error('a debit is a positive whole number of cents');
  return Number(`${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`);
}
