import crypto from 'node:crypto';
import argon2 from 'argon2';
import pLimit, { type LimitFunction } from 'p-limit';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { PasswordPolicy } from '../repositories/towns.repository.js';

/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane). Hashing is bounded by a
 * semaphore: 200 parallel sign-ins queue up instead of asking for 200 × 19 MiB at once.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MAX_LENGTH = 128;

let limit: LimitFunction = pLimit(4);
export function setHashConcurrency(n: number): void {
  limit = pLimit(n);
}

export function hashPassword(password: string): Promise<string> {
  return limit(() => argon2.hash(password, ARGON2_OPTIONS));
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return limit(() => argon2.verify(hash, password).catch(() => false));
}

export function needsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, ARGON2_OPTIONS);
}

/**
 * Verifying against this hash when no account matches keeps the time of a failed
 * sign-in the same whether or not the identifier exists (ASVS 5 6.3.8).
 */
let dummyHash: Promise<string> | undefined;
export async function verifyDummy(password: string): Promise<false> {
  dummyHash ??= argon2.hash(crypto.randomBytes(16).toString('hex'), ARGON2_OPTIONS);
  await verifyPassword(await dummyHash, password);
  return false;
}

const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/** The policy in one French sentence, stated before the user types. */
export function describePolicy(policy: PasswordPolicy): string {
  const parts = [`au moins ${policy.minLength} caractères`];
  const among: string[] = [];
  if (policy.upper) among.push('1 majuscule');
  if (policy.lower) among.push('1 minuscule');
  if (policy.digit) among.push('1 chiffre');
  const rules = among.length ? `${parts[0]} dont ${among.join(', ').replace(/, ([^,]*)$/, ' et $1')}` : parts[0]!;
  return `Votre mot de passe doit contenir ${rules}, sans dépasser ${PASSWORD_MAX_LENGTH} caractères. Il ne doit pas contenir votre nom d'utilisateur ni être un mot de passe courant.`;
}

/** The first rule the password breaks, as a French message, or undefined when it is acceptable. */
export function passwordProblem(password: string, policy: PasswordPolicy, username?: string): string | undefined {
  if (password.length === 0) return 'Saisissez un mot de passe';
  if ([...password].length < policy.minLength) return `Le mot de passe doit contenir au moins ${policy.minLength} caractères`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Le mot de passe doit contenir ${PASSWORD_MAX_LENGTH} caractères au maximum`;
  if (policy.upper && !/\p{Lu}/u.test(password)) return 'Le mot de passe doit contenir au moins une majuscule';
  if (policy.lower && !/\p{Ll}/u.test(password)) return 'Le mot de passe doit contenir au moins une minuscule';
  if (policy.digit && !/\d/.test(password)) return 'Le mot de passe doit contenir au moins un chiffre';
  if (username && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    return "Le mot de passe ne doit pas contenir votre nom d'utilisateur";
  }
  if (COMMON.has(password.toLowerCase())) return 'Ce mot de passe est trop courant : choisissez-en un autre';
  return undefined;
}

/**
 * A temporary password that satisfies the town's policy: at least 12 characters (more if the town asks) from an alphabet
 * without look-alikes (0/O, 1/l/I), with at least one upper, one lower and one digit.
 */
export function generateTemporaryPassword(minLength = 12): string {
  const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const lower = 'abcdefghijkmnopqrstuvwxyz';
  const digits = '23456789';
  const all = upper + lower + digits;
  const pick = (set: string) => set[crypto.randomInt(set.length)]!;
  const length = Math.max(12, minLength);
  const chars = [pick(upper), pick(lower), pick(digits), ...Array.from({ length: length - 3 }, () => pick(all))];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
