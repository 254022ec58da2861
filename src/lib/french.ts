import { WEEKDAY_NAMES } from './calendar/labels.js';

/**
 * French wording for generated text: elision, plurals, upper-cased names and day labels.
 * Every sentence built from a count, a name or a day goes through these, so "de Élodie",
 * "1 heures" or "vendredi 1 janvier" cannot come back one page at a time.
 */

// Words starting with an aspirated h take no elision ("le héros", "de Hollande"); the
// others, names included ("d'Hélène"), do. The list holds the ones our pages may meet.
const ASPIRATED_H = new Set(
  [
    'hache',
    'haie',
    'hall',
    'halte',
    'hameau',
    'hanche',
    'handicap',
    'hangar',
    'haricot',
    'hasard',
    'hausse',
    'haut',
    'haute',
    'hauteur',
    'héros',
    'hibou',
    'hockey',
    'hollande',
    'homard',
    'hongrie',
    'honte',
    'hors',
    'huit',
    'huitième',
    'hutte',
  ].map((w) => w.normalize('NFC')),
);

/**
 * Whether a word is said starting with a vowel, so "de", "le", "que"… lose their vowel before it.
 * A "y" before a consonant is a vowel (Yvonne), before a vowel it is not (yaourt).
 */
export function startsWithVowelSound(word: string): boolean {
  const w = word.trim().normalize('NFC');
  const lower = w.toLocaleLowerCase('fr-FR');
  const first = lower.normalize('NFD').replace(/\p{M}/gu, '').charAt(0);
  if ('aeiouæœ'.includes(first) && first !== '') return true;
  if (first === 'y') return !/^y[aeiouy]/.test(lower.normalize('NFD').replace(/\p{M}/gu, ''));
  if (first === 'h') {
    const head = lower.split(/[\s\-'’]/)[0] ?? '';
    return !ASPIRATED_H.has(head);
  }
  return false;
}

const ELIDING = new Set(['de', 'le', 'la', 'que', 'ne', 'je', 'me', 'te', 'se', 'jusque', 'lorsque', 'puisque']);

/**
 * The particle before `next`, elided when French wants it: ("de", "Élodie") → "d'Élodie",
 * ("de", "Jean") → "de Jean", ("Le", "enfant") → "L'enfant" (the particle's case is kept).
 */
export function elide(particle: string, next: string): string {
  if (!ELIDING.has(particle.toLocaleLowerCase('fr-FR')) || !startsWithVowelSound(next)) return `${particle} ${next}`;
  return `${particle.slice(0, -1)}'${next}`;
}

/** "de Jean Dupont" / "d'Élodie Martin" */
export const de = (next: string): string => elide('de', next);

/** "jour" → "jours", "repas" → "repas", "travail" stays for callers that give the plural. */
export function pluralWord(word: string): string {
  return /[sxz]$/i.test(word) ? word : `${word}s`;
}

/**
 * A count and its noun agreed: 0 and 1 take the singular in French. "1 jour", "8 jours",
 * "0 demande"; give `many` when the plural is not the word plus "s" ("1 heure ouvrée",
 * "3 heures ouvrées"). The number is written the French way (12 000).
 */
export function count(n: number, one: string, many: string = pluralWord(one)): string {
  return `${n.toLocaleString('fr-FR')} ${Math.abs(n) >= 2 ? many : one}`;
}

/** The activation promise: "dans les 48 heures ouvrées", "dans l'heure ouvrée" (a town may set 1). */
export function withinBusinessHours(hours: number): string {
  return hours === 1 ? "dans l'heure ouvrée" : `dans les ${count(hours, 'heure ouvrée', 'heures ouvrées')}`;
}

/** "1 heure ouvrée", "48 heures ouvrées" */
export const businessHours = (hours: number): string => count(hours, 'heure ouvrée', 'heures ouvrées');

/** "a", "a et b", "a, b et c" */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]!}`;
}

/** A last name as the back-office and letters write it: upper case, accents kept ("D'AUBIGNÉ"). */
export function upperName(name: string): string {
  return name.toLocaleUpperCase('fr-FR');
}

/** The first line of a mail: "Bonjour Mme D'AUBIGNÉ," */
export function greeting(person: { civility: 'M' | 'Mme'; lastName: string }): string {
  return `Bonjour ${person.civility === 'M' ? 'M.' : 'Mme'} ${upperName(person.lastName)},`;
}

/** "Marie-Bénédicte D'AUBIGNÉ-LÉVÊQUE" */
export function personName(firstNames: string, lastName: string): string {
  return `${firstNames} ${upperName(lastName)}`;
}

export interface PersonNames {
  firstNames: string;
  lastName: string;
}

/**
 * People as the back-office lists them ("Marie-Bénédicte D'AUBIGNÉ"), each once, in order.
 * The upper-casing is done here, not by SQL's upper(), which follows the database's locale:
 * under the C locale it leaves accented letters small ("D'AUBIGNé").
 */
export function personLabels(people: readonly PersonNames[], sort = true): string[] {
  const labels = [...new Set(people.map((p) => personName(p.firstNames, p.lastName)))];
  return sort ? labels.sort((a, b) => a.localeCompare(b, 'fr')) : labels;
}

/** The ISO weekdays 1–7 as a repeated event says them: [1, 4] → "lundis et jeudis". */
export function weekdaysPlural(isoWeekdays: readonly number[]): string {
  return listWords(isoWeekdays.map((n) => `${WEEKDAY_NAMES[n - 1]!}s`));
}
