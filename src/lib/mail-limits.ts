import type { Queryable } from '../db/pool.js';
import type { Clock } from './clock.js';
import { hit } from './rate-limit.js';

/**
 * Mails a stranger can make the portal send to someone else's address. Per-address limits
 * on the forms do not protect the recipient (20 requests from two addresses were 20 mails
 * to one parent), so each kind also has a budget per recipient. Over budget the caller sends
 * nothing and answers exactly as if it had sent: the page never says which happened.
 * docs/security-limits.md lists the numbers and why.
 */
export type StrangerMail = 'password-reset' | 'activation' | 'account-exists' | 'email-change' | 'sign-in-warning';

const HOUR = 3600;

export const MAILS_PER_RECIPIENT: Record<StrangerMail, { count: number; windowSeconds: number }> = {
  'password-reset': { count: 3, windowSeconds: HOUR },
  activation: { count: 3, windowSeconds: HOUR },
  'account-exists': { count: 3, windowSeconds: HOUR },
  'email-change': { count: 3, windowSeconds: HOUR },
  // Already one per burst of failures; this caps what repeated bursts can send.
  'sign-in-warning': { count: 3, windowSeconds: 24 * HOUR },
};

/**
 * Counts one mail of this kind to this address and says whether it may go. The key is the
 * address, not the account or the town: it is the mailbox that is protected. Call it with the
 * transaction that enqueues the mail, so a rolled-back request counts nothing.
 */
export async function mayMail(db: Queryable, clock: Clock, kind: StrangerMail, address: string): Promise<boolean> {
  const limit = MAILS_PER_RECIPIENT[kind];
  const recipient = address.normalize('NFC').trim().toLowerCase();
  const result = await hit(db, clock, `mail:${kind}:${recipient}`, limit.count, limit.windowSeconds);
  return result.allowed;
}
