/**
 * Failed sign-ins slow an account down, then lock it: the same rule for parents and
 * agents. After SLOW_DOWN_AFTER failures each new try must wait (30 s, then doubling);
 * at LOCK_AFTER the account is locked for LOCK_MS (or until a password reset).
 */
export const SLOW_DOWN_AFTER = 5;
export const LOCK_AFTER = 10;
export const LOCK_MS = 30 * 60 * 1000;

export interface FailureRecord {
  failedSignIns: number;
  lastFailedSignInAt: Date | null;
  lockedUntil: Date | null;
}

export function slowDownMs(failures: number): number {
  if (failures < SLOW_DOWN_AFTER) return 0;
  return 30_000 * 2 ** (failures - SLOW_DOWN_AFTER);
}

/** True when a try now must be refused without even looking at the password. */
export function isBlocked(record: FailureRecord, now: Date): boolean {
  if (record.lockedUntil && record.lockedUntil.getTime() > now.getTime()) return true;
  if (record.failedSignIns >= SLOW_DOWN_AFTER && record.lastFailedSignInAt) {
    return record.lastFailedSignInAt.getTime() + slowDownMs(record.failedSignIns) > now.getTime();
  }
  return false;
}

/** The lock to set after one more failure, if this failure reaches LOCK_AFTER. */
export function lockAfterFailure(record: FailureRecord, now: Date): Date | null {
  return record.failedSignIns + 1 >= LOCK_AFTER ? new Date(now.getTime() + LOCK_MS) : null;
}
