import type { Request } from 'express';
import type { CaptchaChallenge } from '../../lib/captcha.js';
import type { Town } from '../../repositories/towns.repository.js';
import { SIGNUP_STEPS, type SignupStep } from '../../routes.js';
import { clip } from '../../lib/forms.js';

/**
 * The wizard's state, kept in the server-side session (never in hidden fields) until
 * VALIDER creates the account. It holds what was typed on each step — as typed when the
 * user went back or made a mistake, normalised once the step was accepted — which steps
 * were accepted with SUIVANT, the id of the chosen photo and the current security check.
 * Never a password.
 */
export interface SignupDraft {
  /** A draft belongs to the town it was started in. */
  townId: string;
  values: Partial<Record<SignupStep, Record<string, string>>>;
  /** Steps accepted with SUIVANT and still valid. */
  completed: SignupStep[];
  photo?: { id: string; type: string };
  captcha?: CaptchaChallenge;
  /**
   * Started from FranceConnect (issue 18): the verified identity to link to the new account,
   * and IDENTITÉ's fields it filled, which the parent cannot change (posted values are ignored).
   */
  franceConnect?: { sub: string; locked: Record<string, string> };
}

/** IDENTITÉ's values with FranceConnect's over whatever was posted for them. */
export function withLockedIdentity(draft: SignupDraft | undefined, values: Record<string, string>): Record<string, string> {
  return draft?.franceConnect ? { ...values, ...draft.franceConnect.locked } : values;
}

declare module 'express-session' {
  interface SessionData {
    signup: SignupDraft;
    /** One-shot: what the confirmation page shows once, right after VALIDER. */
    signupDone: { townId: string; email: string; withKey: boolean };
  }
}

/** The steps a later one needs: all before it. AUTHENTIFICATION is never "completed" — it ends the wizard. */
export function firstIncomplete(draft: SignupDraft | undefined): SignupStep {
  return SIGNUP_STEPS.find((step) => step !== 'authentification' && !draft?.completed.includes(step)) ?? 'authentification';
}

export function canReach(draft: SignupDraft | undefined, step: SignupStep): boolean {
  return SIGNUP_STEPS.indexOf(step) <= SIGNUP_STEPS.indexOf(firstIncomplete(draft));
}

export function previousStep(step: SignupStep): SignupStep | undefined {
  return SIGNUP_STEPS[SIGNUP_STEPS.indexOf(step) - 1];
}

export function nextStep(step: SignupStep): SignupStep | undefined {
  return SIGNUP_STEPS[SIGNUP_STEPS.indexOf(step) + 1];
}

/** The session's draft for this town; a draft started in another town is ignored. */
export function readDraft(req: Request, town: Town): SignupDraft | undefined {
  const draft = req.session.signup;
  return draft && draft.townId === town.id ? draft : undefined;
}

/** The draft to change, created on the first POST. */
export function writableDraft(req: Request, town: Town): SignupDraft {
  const existing = readDraft(req, town);
  if (existing) return existing;
  const draft: SignupDraft = { townId: town.id, values: {}, completed: [] };
  req.session.signup = draft;
  return draft;
}

/** Typed values are kept as typed, but bounded: an unvalidated PRÉCÉDENT must not bloat the session. */
const MAX_KEPT_LENGTH = 500;

/**
 * Saves a step's values. `accepted`: the step passed its checks with SUIVANT (it becomes
 * completed); `false`: what was typed failed them (the step is completed no more, so the
 * later steps wait until it is fixed); `undefined`: PRÉCÉDENT, saved as it is — a step
 * already completed stays so only if its new values still pass (`stillValid`).
 */
export function saveStep(
  draft: SignupDraft,
  step: SignupStep,
  values: Record<string, string>,
  fields: readonly string[],
  status: { accepted: true } | { accepted: false } | { stillValid: boolean },
): void {
  const kept: Record<string, string> = {};
  for (const field of fields) kept[field] = clip(values[field] ?? '', MAX_KEPT_LENGTH);
  draft.values[step] = kept;
  const completed = 'accepted' in status ? status.accepted : status.stillValid && draft.completed.includes(step);
  draft.completed = draft.completed.filter((s) => s !== step);
  if (completed) draft.completed.push(step);
}
