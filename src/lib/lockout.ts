/**
 * The rules against guessing passwords online, the same for parents and agents (OWASP
 * Authentication Cheat Sheet, "Slow Down Online Guessing Attacks with Device Cookies").
 * They slow down and challenge the SOURCE that fails, never the owner:
 *
 * - A browser holding the account's device cookie (set at each successful sign-in and at a
 *   password reset) is trusted: no CAPTCHA, no lock. Its own failures are counted, and after
 *   DEVICE_FAILURES in DEVICE_WINDOW_MS it is treated like any unknown browser (a stolen
 *   cookie buys a handful of guesses, not more).
 * - Other browsers: failures are counted per account (or per identifier that matches no
 *   account, so both behave alike). From CHALLENGE_AFTER failures of a burst, every attempt
 *   first needs the CAPTCHA of the sign-up wizard (or its text question); at LOCK_AFTER, such
 *   browsers are refused for LOCK_MS. The owner still signs in from a known browser, or
 *   after a password reset, which clears the count.
 * - An address that failed IP_CHALLENGE_AFTER times in IP_WINDOW_MS, whatever the accounts,
 *   gets the CAPTCHA for every account it tries without a device cookie (spraying one
 *   password over many accounts).
 * - The owner is mailed once per burst, at the WARN_AT-th failure.
 *
 * A burst is a run of failures less than OBSERVATION_MS apart.
 */
export const OBSERVATION_MS = 30 * 60 * 1000;
export const CHALLENGE_AFTER = 3;
export const WARN_AT = 5;
export const LOCK_AFTER = 10;
export const LOCK_MS = 30 * 60 * 1000;
export const IP_CHALLENGE_AFTER = 5;
export const IP_WINDOW_MS = 15 * 60 * 1000;
export const DEVICE_FAILURES = 5;
export const DEVICE_WINDOW_MS = 30 * 60 * 1000;

export interface ThrottleState {
  /** Failures of the current burst (0 once it is over). */
  failures: number;
  lockedUntil: Date | null;
}

export function isLocked(state: ThrottleState, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
}

/** Whether an attempt from a browser without the device cookie must first pass the CAPTCHA. */
export function needsChallenge(state: ThrottleState, ipFailures: number, now: Date): boolean {
  return state.failures >= CHALLENGE_AFTER || ipFailures >= IP_CHALLENGE_AFTER || isLocked(state, now);
}
