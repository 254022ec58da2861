import crypto from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { cleEnfanceTaken } from '../repositories/families.repository.js';

/** Letters and digits that cannot be mistaken for one another on a printed letter. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A Clé Enfance in the seeds' format (`18456-N0OBOES`): five digits, a dash, seven
 * characters. 32^7 × 10^5 possibilities: guessing one is hopeless, and the sign-up form
 * is rate-limited anyway.
 */
export function generateCleEnfance(): string {
  const digits = String(crypto.randomInt(100_000)).padStart(5, '0');
  const letters = Array.from({ length: 7 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
  return `${digits}-${letters}`;
}

export const CLE_ENFANCE_PATTERN = /^\d{5}-[A-Z0-9]{7}$/;

/** A key no family file of the town has yet. */
export async function uniqueCleEnfance(db: Queryable, townId: string): Promise<string> {
  for (;;) {
    const key = generateCleEnfance();
    if (!(await cleEnfanceTaken(db, townId, key))) return key;
  }
}
