import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * The overseas departments and collectivities share the French "0X XX XX XX XX" way of
 * writing numbers but have their own country codes: "0692 12 34 56" (La Réunion) is not
 * a metropolitan number, so a number that is not valid in France is tried there too.
 */
const FRENCH_OVERSEAS: CountryCode[] = ['RE', 'GP', 'MQ', 'GF', 'YT', 'PM', 'BL', 'MF', 'NC', 'PF', 'WF'];

/** Digits and the separators people type; anything else (letters, text around the number) is refused. */
const PHONE_CHARACTERS = /^[0-9+().\-/\s]+$/;

export type PhoneResult = { ok: true; value: string } | { ok: false };

/**
 * A phone number as typed, checked with libphonenumber's full metadata and normalised:
 * metropolitan numbers in the national form everyone here reads ("05 34 25 86 15"),
 * every other number in the international form ("+262 692 12 34 56", "+44 20 7946 0958"),
 * so the stored value is never ambiguous. An empty field is valid and stays empty.
 */
export function normalisePhone(input: string): PhoneResult {
  const typed = input.trim();
  if (typed === '') return { ok: true, value: '' };
  if (typed.length > 30 || !PHONE_CHARACTERS.test(typed) || !/\d/.test(typed)) return { ok: false };
  const french = parsePhoneNumberFromString(typed, 'FR');
  if (french?.isValid()) {
    return { ok: true, value: french.country === 'FR' ? french.formatNational() : french.formatInternational() };
  }
  if (typed.startsWith('0') && !typed.startsWith('00')) {
    for (const country of FRENCH_OVERSEAS) {
      const overseas = parsePhoneNumberFromString(typed, country);
      if (overseas?.isValid()) return { ok: true, value: overseas.formatInternational() };
    }
  }
  return { ok: false };
}
