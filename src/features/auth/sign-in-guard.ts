import crypto from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import type { CaptchaAnswer, CaptchaChallenge } from '../../lib/captcha.js';
import {
  CHALLENGE_AFTER,
  DEVICE_FAILURES,
  DEVICE_WINDOW_MS,
  IP_WINDOW_MS,
  isLocked,
  LOCK_AFTER,
  LOCK_MS,
  needsChallenge,
  OBSERVATION_MS,
  WARN_AT,
} from '../../lib/lockout.js';
import { hit, peek } from '../../lib/rate-limit.js';
import * as throttle from '../../repositories/sign-in-throttle.repository.js';
import type { ServiceContext } from '../parent-accounts/parent-accounts.service.js';
import { checkCaptcha, type CaptchaOutcome } from '../signup/signup.service.js';

/**
 * The throttling around one sign-in attempt, shared by parents and agents (rules in
 * src/lib/lockout.ts). The services call `admit` before checking the password; then
 * `failed` for a wrong one, `notFailed` for a right one on an account that may not sign in,
 * or `clearFailures` with the successful sign-in.
 */
export type SignInKind = 'parent' | 'agent';

export interface SignInSource {
  ip: string;
  /** The nonce of this browser's device cookie for the account typed, if it holds one (lib/device-cookie.ts). */
  deviceNonce: (subjectId: string) => string | undefined;
  /** The CAPTCHA shown with the form, and what was typed in it. */
  challenge: CaptchaChallenge | undefined;
  answer: CaptchaAnswer;
}

export interface Attempt {
  townId: string;
  kind: SignInKind;
  /** The account or agent the identifier names, if any. */
  subjectId: string | undefined;
  identifier: string;
  source: SignInSource;
}

export type Admission =
  | {
      admitted: true;
      trusted: boolean;
      locked: boolean;
      key: string;
      deviceNonce: string | undefined;
      /** The burst's count with this attempt counted in advance (browsers without the device cookie). */
      reserved: number | undefined;
    }
  | { admitted: false; challenge: Exclude<CaptchaOutcome, 'passed'> | 'missing' };

/** An identifier matching nobody has its own key, so it is throttled exactly like a real account. */
export function throttleKey(attempt: Pick<Attempt, 'townId' | 'kind' | 'subjectId' | 'identifier'>): string {
  if (attempt.subjectId) return `${attempt.kind}:${attempt.subjectId}`;
  const typed = crypto.createHash('sha256').update(attempt.identifier.normalize('NFC').trim().toLowerCase()).digest('hex');
  return `unknown:${attempt.townId}:${attempt.kind}:${typed}`;
}

const ipKey = (a: Attempt) => `signin-failures:${a.kind}:${a.townId}:${a.source.ip}`;
const deviceKey = (nonce: string) => `signin-device-failures:${nonce}`;

async function trustedNonce(ctx: ServiceContext, attempt: Attempt): Promise<string | undefined> {
  if (!attempt.subjectId) return undefined;
  const nonce = attempt.source.deviceNonce(attempt.subjectId);
  if (!nonce) return undefined;
  return (await peek(ctx.pool, ctx.clock, deviceKey(nonce))) < DEVICE_FAILURES ? nonce : undefined;
}

/**
 * Whether the password may be checked at all. A trusted browser always may. Another one
 * must first pass the CAPTCHA once the account's failures or the address's call for it; a
 * challenge is used up by the check, right or wrong. `locked` tells the caller to refuse
 * without looking at the password (after a dummy hash, for the timing).
 *
 * An admitted attempt from an untrusted browser is counted as a failure BEFORE the password
 * is checked, in one atomic upsert, and taken back if it was not one: attempts sent in
 * parallel each get their own number, so none slips past the CAPTCHA or the lock because
 * the others had not been counted yet.
 */
export async function admit(ctx: ServiceContext, attempt: Attempt): Promise<Admission> {
  const now = ctx.clock.now();
  const key = throttleKey(attempt);
  const nonce = await trustedNonce(ctx, attempt);
  if (nonce) return { admitted: true, trusted: true, locked: false, key, deviceNonce: nonce, reserved: undefined };
  const [state, ipFailures] = await Promise.all([
    throttle.readThrottle(ctx.pool, key, now, OBSERVATION_MS),
    peek(ctx.pool, ctx.clock, ipKey(attempt)),
  ]);
  const challenged = needsChallenge(state, ipFailures, now);
  if (challenged) {
    const { answer } = attempt.source;
    if (!answer.image.trim() && !answer.question.trim()) return { admitted: false, challenge: 'missing' };
    const outcome = await checkCaptcha(ctx, attempt.source.challenge, answer);
    if (outcome !== 'passed') return { admitted: false, challenge: outcome };
  }
  // Attempts during a lock are not counted: they neither extend it nor warn again.
  if (isLocked(state, now)) return { admitted: true, trusted: false, locked: true, key, deviceNonce: undefined, reserved: undefined };
  const reserved = await throttle.recordFailure(ctx.pool, key, now, OBSERVATION_MS);
  if (!challenged && reserved > CHALLENGE_AFTER) {
    // Others in parallel used up the attempts allowed without the CAPTCHA.
    await throttle.undoFailure(ctx.pool, key);
    return { admitted: false, challenge: 'missing' };
  }
  if (reserved > LOCK_AFTER) {
    // Others in parallel reached the lock first.
    await throttle.undoFailure(ctx.pool, key);
    return { admitted: true, trusted: false, locked: true, key, deviceNonce: undefined, reserved: undefined };
  }
  return { admitted: true, trusted: false, locked: false, key, deviceNonce: undefined, reserved };
}

/**
 * A wrong password (or any attempt on an identifier matching nobody). Returns whether the
 * owner must now be warned: once per burst, at its WARN_AT-th failure.
 */
export async function failed(
  ctx: ServiceContext,
  attempt: Attempt,
  admission: Extract<Admission, { admitted: true }>,
): Promise<{ warn: boolean }> {
  await hit(ctx.pool, ctx.clock, ipKey(attempt), Number.MAX_SAFE_INTEGER, IP_WINDOW_MS / 1000);
  if (admission.trusted && admission.deviceNonce) {
    await hit(ctx.pool, ctx.clock, deviceKey(admission.deviceNonce), DEVICE_FAILURES, DEVICE_WINDOW_MS / 1000);
    return { warn: false };
  }
  // Already counted by `admit`; only a failure confirmed as one locks (never a count in advance).
  if (admission.reserved !== undefined && admission.reserved >= LOCK_AFTER) {
    await throttle.lock(ctx.pool, admission.key, new Date(ctx.clock.now().getTime() + LOCK_MS));
  }
  return { warn: Boolean(attempt.subjectId) && admission.reserved === WARN_AT };
}

/** The right password on an account that may not sign in (not activated, disabled…): not a guessing failure. */
export async function notFailed(ctx: ServiceContext, admission: Extract<Admission, { admitted: true }>): Promise<void> {
  if (admission.reserved !== undefined) await throttle.undoFailure(ctx.pool, admission.key);
}

/** Whether the next attempt from this browser will need the CAPTCHA, so the form can show it at once. */
export async function challengeNext(ctx: ServiceContext, attempt: Attempt): Promise<boolean> {
  if (await trustedNonce(ctx, attempt)) return false;
  const now = ctx.clock.now();
  const [state, ipFailures] = await Promise.all([
    throttle.readThrottle(ctx.pool, throttleKey(attempt), now, OBSERVATION_MS),
    peek(ctx.pool, ctx.clock, ipKey(attempt)),
  ]);
  return needsChallenge(state, ipFailures, now);
}

/** A successful sign-in or a new password: the burst is over, the lock lifted. */
export async function clearFailures(db: Queryable, kind: SignInKind, subjectId: string): Promise<void> {
  await throttle.clearThrottle(db, `${kind}:${subjectId}`);
}
