import { withTransaction } from '../../db/pool.js';
import { CAPTCHA_TTL_MS, isExpired, isRightAnswer, type CaptchaAnswer, type CaptchaChallenge } from '../../lib/captcha.js';
import { hit, type RateLimitResult } from '../../lib/rate-limit.js';
import * as accounts from '../../repositories/accounts.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { ServiceContext } from '../parent-accounts/parent-accounts.service.js';

/**
 * What the wizard needs besides `registerAccount`: its photo, kept in the database until
 * the account exists (the session stays small), the single use of a security check, and
 * the per-IP limits shared by every instance.
 */

/** VALIDER attempts per IP and hour: a family, even behind a shared address, needs a handful. */
export const SIGNUP_ATTEMPTS_PER_HOUR = 20;
/** Photos chosen per IP and hour: each one is a row until the account is created. */
export const PHOTO_UPLOADS_PER_HOUR = 30;

export function countSignupAttempt(ctx: ServiceContext, ip: string): Promise<RateLimitResult> {
  return hit(ctx.pool, ctx.clock, `signup:${ip}`, SIGNUP_ATTEMPTS_PER_HOUR, 3600);
}

export function countPhotoUpload(ctx: ServiceContext, ip: string): Promise<RateLimitResult> {
  return hit(ctx.pool, ctx.clock, `signup-photo:${ip}`, PHOTO_UPLOADS_PER_HOUR, 3600);
}

/** Stores the chosen photo and forgets the one it replaces; returns the new id for the draft. */
export async function keepDraftPhoto(
  ctx: ServiceContext,
  town: Town,
  photo: { content: Buffer; type: string },
  replacing: string | undefined,
): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    if (replacing) await accounts.takeSignupPhoto(db, town.id, replacing);
    return accounts.insertSignupPhoto(db, town.id, photo.content, photo.type);
  });
}

export function draftPhoto(ctx: ServiceContext, town: Town, id: string) {
  return accounts.getSignupPhoto(ctx.pool, town.id, id);
}

/** ANNULER: the photo goes with the draft. */
export async function discardDraftPhoto(ctx: ServiceContext, town: Town, id: string): Promise<void> {
  await accounts.takeSignupPhoto(ctx.pool, town.id, id);
}

export type CaptchaOutcome = 'passed' | 'failed' | 'expired';

/**
 * Checks an answer once. The session alone cannot make a challenge single-use: two
 * requests sent together both read it before either saves. A counter keyed by the
 * challenge's id in Postgres (the rate-limit table, one atomic upsert) lets only the
 * first check through, whatever the instance; later ones fail like a wrong answer.
 */
export async function checkCaptcha(
  ctx: ServiceContext,
  challenge: CaptchaChallenge | undefined,
  answer: CaptchaAnswer,
): Promise<CaptchaOutcome> {
  if (!challenge || isExpired(challenge, ctx.clock.now())) return 'expired';
  const first = await hit(ctx.pool, ctx.clock, `captcha:${challenge.id}`, 1, CAPTCHA_TTL_MS / 1000);
  if (!first.allowed) return 'failed';
  return isRightAnswer(challenge, answer, ctx.config.captchaTestSolution) ? 'passed' : 'failed';
}
