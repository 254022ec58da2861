/**
 * Street names as people write them — "Av. de la République", "12 bis avenue de la
 * republique", "AVENUE DE LA RÉPUBLIQUE" — reduced to one key, so that the sector table and a
 * family's address meet: lower case, no accents, abbreviations spelled out, the little words
 * (de, la, du…) and punctuation dropped.
 */

const ABBREVIATIONS: Record<string, string> = {
  av: 'avenue',
  ave: 'avenue',
  bd: 'boulevard',
  bld: 'boulevard',
  blvd: 'boulevard',
  boul: 'boulevard',
  r: 'rue',
  pl: 'place',
  ch: 'chemin',
  chem: 'chemin',
  imp: 'impasse',
  all: 'allee',
  rte: 'route',
  sq: 'square',
  fg: 'faubourg',
  fbg: 'faubourg',
  crs: 'cours',
  qu: 'quai',
  res: 'residence',
  lot: 'lotissement',
  st: 'saint',
  ste: 'sainte',
  pte: 'porte',
  prom: 'promenade',
};

const LITTLE_WORDS = new Set(['de', 'du', 'des', 'la', 'le', 'les', 'l', 'd', 'a', 'au', 'aux', 'et']);

/** Spelled-out abbreviations lengthen a name ("av" → "avenue"): the key keeps to its column's 200 characters. */
const KEY_MAX = 200;

/** The street's key: '' when nothing is left (a name of little words only). */
export function streetKey(name: string): string {
  const words = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => ABBREVIATIONS[w] ?? w)
    .filter((w) => !LITTLE_WORDS.has(w));
  // Cut the same way on both sides (the table's line, the family's address), so they still meet.
  return words.join(' ').slice(0, KEY_MAX);
}

/**
 * An address line's house number and street: "12 bis, av. de la République" → 12 and
 * "avenue republique". No leading number: the number is null (the whole street is asked).
 */
export function parseAddressLine(line: string): { number: number | null; key: string } {
  const m = /^\s*(\d{1,5})\s*(?:(?:bis|ter|quater|[a-d])\b)?[\s,]*(.*)$/i.exec(line);
  if (!m) return { number: null, key: streetKey(line) };
  return { number: Number(m[1]), key: streetKey(m[2] ?? '') };
}
