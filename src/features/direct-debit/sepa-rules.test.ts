import { describe, expect, it } from 'vitest';
import { centsToEuros, checkBic, checkCreditorId, checkIban, debitSchedule, maskIban, newRum } from './sepa-rules.js';

describe('debitSchedule', () => {
  const base = { issuedOn: '2026-12-02', dueOn: '2026-12-15', mandateSignedOn: '2026-11-01', prenotificationDays: 14 };

  it('debits on the due date when the invoice told the family long enough before', () => {
    expect(debitSchedule({ ...base, prenotificationDays: 5 })).toEqual({ noticeOn: '2026-12-02', debitOn: '2026-12-15' });
  });

  it('waits the town’s pre-notification days after the invoice when the due date comes sooner', () => {
    expect(debitSchedule(base)).toEqual({ noticeOn: '2026-12-02', debitOn: '2026-12-16' });
  });

  it('counts the notice from the mandate’s signature when it was signed after the invoice', () => {
    expect(debitSchedule({ ...base, mandateSignedOn: '2026-12-20' })).toEqual({ noticeOn: '2026-12-20', debitOn: '2027-01-03' });
  });

  it('counts calendar days across a month and a year', () => {
    expect(
      debitSchedule({ issuedOn: '2026-12-25', dueOn: '2026-12-26', mandateSignedOn: '2026-01-01', prenotificationDays: 14 }).debitOn,
    ).toBe('2027-01-08');
  });
});

describe('checkIban', () => {
  it('accepts an IBAN typed with spaces and small letters, in its electronic form', () => {
    expect(checkIban('fr76 3000 6000 0112 3456 7890 189')).toEqual({ ok: true, iban: 'FR7630006000011234567890189' });
    expect(checkIban('DE89 3704 0044 0532 0130 00')).toEqual({ ok: true, iban: 'DE89370400440532013000' });
  });

  it('says which fault an IBAN has, in French', () => {
    expect(checkIban('')).toEqual({ ok: false, message: 'Saisissez l’IBAN du compte à débiter' });
    expect(checkIban('FR7630006000011234567890188')).toMatchObject({ ok: false, message: expect.stringContaining('clé de contrôle') });
    expect(checkIban('FR76300060000112345678')).toMatchObject({ ok: false, message: expect.stringContaining('nombre de caractères') });
    expect(checkIban('XX7630006000011234567890189')).toMatchObject({ ok: false, message: expect.stringContaining('« XX »') });
    expect(checkIban('BR1800360305000010009795493C1')).toMatchObject({
      ok: false,
      message: expect.stringContaining('hors de la zone SEPA'),
    });
    expect(checkIban('76FR30006000011234567890189')).toMatchObject({
      ok: false,
      message: expect.stringContaining('commence par 2 lettres'),
    });
  });
});

describe('checkCreditorId and checkBic', () => {
  it('accepts a French ICS whose check digits are right, spaces and case aside', () => {
    expect(checkCreditorId('fr72 zzz 123456')).toEqual({ ok: true, ics: 'FR72ZZZ123456' });
  });

  it('refuses a wrong check digit and a wrong length', () => {
    expect(checkCreditorId('FR73ZZZ123456')).toMatchObject({ ok: false, message: expect.stringContaining('chiffres de contrôle') });
    expect(checkCreditorId('FR72ZZZ12345')).toMatchObject({ ok: false, message: expect.stringContaining('13 caractères') });
  });

  it('takes an empty BIC as none, and refuses a malformed one', () => {
    expect(checkBic(' ')).toEqual({ ok: true, bic: null });
    expect(checkBic('agrifrpp')).toEqual({ ok: true, bic: 'AGRIFRPP' });
    expect(checkBic('AGRI')).toMatchObject({ ok: false });
  });
});

describe('maskIban, newRum, centsToEuros', () => {
  it('shows only the country, the check digits and the last four characters', () => {
    expect(maskIban('FR7630006000011234567890189')).toBe('FR76 **** … 0189');
  });

  it('makes a RUM of at most 35 characters of the SEPA set, with the town in it', () => {
    const rum = newRum('saint-martin-de-la-grande-ville-sur-mer');
    expect(rum).toMatch(/^ENF-SAINTMARTINDELAGRAND-[A-Z0-9]{10}$/);
    expect(rum.length).toBeLessThanOrEqual(35);
    expect(newRum('bayeux')).not.toBe(newRum('bayeux'));
  });

  it('converts cents to euros without a float error (Noethys#74: 17 × 4,15 €)', () => {
    expect(centsToEuros(17 * 415)).toBe(70.55);
    expect(centsToEuros(5)).toBe(0.05);
    expect(() => centsToEuros(0)).toThrow();
  });
});
