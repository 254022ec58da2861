import type { SignupStep } from '../../routes.js';
import type { RegistrationInput } from '../parent-accounts/parent-accounts.service.js';
import type { SignupDraft } from './signup.draft.js';
import { parseAdresse, parseContact, parseIdentite, type StepData } from './signup.schemas.js';

/**
 * The account from the draft: every step is checked again, so a draft changed since (or
 * forged) cannot reach the service. A step that no longer passes leaves the completed
 * ones, and is named so the user goes back to it. Pure: changes the draft in place.
 */
export function accountFromDraft(
  draft: SignupDraft,
  today: string,
): { ok: true; input: Partial<RegistrationInput> } | { ok: false; step: SignupStep } {
  const parts: [SignupStep, (values: Record<string, string>) => ReturnType<typeof parseAdresse>][] = [
    ['identite', (v) => parseIdentite(v, today)],
    ['adresse', parseAdresse],
    ['contact', parseContact],
  ];
  let input: Partial<RegistrationInput> = {};
  for (const [step, parse] of parts) {
    const result = parse(draft.values[step] ?? {});
    if (!result.ok) {
      draft.completed = draft.completed.filter((s) => s !== step);
      return { ok: false, step };
    }
    input = { ...input, ...(result.data as StepData).input };
  }
  return { ok: true, input };
}
