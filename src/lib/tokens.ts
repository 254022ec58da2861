import crypto from 'node:crypto';

/** A random token for a mailed link: 256 bits, URL-safe. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Tokens are stored hashed: a leaked table does not open anyone's account. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
