import crypto from 'node:crypto';

/**
 * The verification code printed on a document a family produces itself: 12 characters of
 * Crockford's base 32 (60 random bits: unguessable, the more so as the public page is
 * rate-limited), printed in groups of four ("7KQ2-M9XA-3DPF"). What a person types back is
 * read generously: case, spaces and dashes do not matter, and O, I and L read as 0, 1, 1.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVerificationCode(): string {
  const bytes = crypto.randomBytes(12);
  let code = '';
  // 12 bytes, 5 bits of each: 60 random bits, no modulo bias (32 divides 256).
  for (const b of bytes) code += ALPHABET[b % 32];
  return code;
}

/** "7KQ2M9XA3DPF" → "7KQ2-M9XA-3DPF" */
export function printedCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}`;
}

/** What a person typed, as stored; undefined when it cannot be a code. */
export function readCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(code) ? code : undefined;
}
