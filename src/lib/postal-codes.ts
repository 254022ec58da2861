/**
 * French postal codes: five digits whose first two name a département (01–95; Corsica's
 * 2A and 2B are written 20 in postal codes) or, with the third, an overseas territory
 * (971–978, and 980 Monaco, 984 TAAF, 986 Wallis-et-Futuna, 987 Polynésie, 988
 * Nouvelle-Calédonie). Spaces are tolerated ("14 400"), since people type them.
 */
export type PostalCodeResult = { ok: true; value: string } | { ok: false; reason: 'format' | 'departement' };

export function checkFrenchPostalCode(input: string): PostalCodeResult {
  const code = input.replace(/\s+/g, '');
  if (!/^\d{5}$/.test(code)) return { ok: false, reason: 'format' };
  const dept = Number(code.slice(0, 2));
  const third = code[2]!;
  const valid =
    (dept >= 1 && dept <= 95) ||
    (dept === 97 && third >= '1' && third <= '8') ||
    (dept === 98 && ['0', '4', '6', '7', '8'].includes(third));
  return valid ? { ok: true, value: code } : { ok: false, reason: 'departement' };
}

/** "France", "FRANCE", "france ", "FR" or nothing at all: the address is French. */
export function isFrance(country: string): boolean {
  const c = country.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
  return c === '' || c === 'france' || c === 'fr';
}
