import type { Request, Response } from 'express';
import { captchaImage } from '../../lib/captcha.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { describePolicy } from '../../lib/passwords.js';
import { requireTown } from '../../middleware/town.js';
import { urls, type SignupStep } from '../../routes.js';
import { screenTitle, WIZARD_SCREENS } from './signup-screens.js';
import { previousStep, readDraft } from './signup.draft.js';
import { CONTACT_MEANS, dateErrorParts } from './signup.schemas.js';

/** A step of the wizard, with its stepper, what was typed, its errors and what the step needs (the photo, the security check). */
export function renderStep(
  req: Request,
  res: Response,
  step: SignupStep,
  options: { values: Record<string, string>; errors?: FieldError[]; status?: number },
  today: string,
): void {
  const town = requireTown(req);
  const draft = readDraft(req, town);
  const index = WIZARD_SCREENS.findIndex((s) => s.key === step);
  const errors = options.errors ?? [];
  const locals: Record<string, unknown> = {
    title: screenTitle(index),
    stepper: { screens: WIZARD_SCREENS, current: index },
    values: options.values,
    errors,
    fieldErrors: errorMap(errors),
    previousUrl: previousStep(step) ? urls.signupStep(town, previousStep(step)!) : urls.signupStart(town),
  };
  if (step === 'identite') {
    locals.photoUrl = draft?.photo ? urls.signupPhoto(town) : null;
    locals.franceConnect = draft?.franceConnect?.locked ?? null;
    locals.dateErrorFields = errors.some((e) => e.field.startsWith('dateNaissance')) ? dateErrorParts(options.values, today) : [];
  }
  if (step === 'contact') locals.contactMeans = CONTACT_MEANS;
  if (step === 'authentification') {
    const challenge = draft?.captcha;
    if (!challenge) throw new Error('the AUTHENTIFICATION step is rendered without a security check');
    locals.policy = describePolicy(town.passwordPolicy);
    locals.captcha = { image: captchaImage(challenge), question: challenge.question };
    locals.delayHours = town.activationDelayHours;
  }
  res.status(options.status ?? 200).render(`signup/${step}`, locals);
}

/** `renderStep` with today's date (Paris) taken when the page is rendered. */
export function stepRenderer(today: () => string) {
  return (
    req: Request,
    res: Response,
    step: SignupStep,
    options: { values: Record<string, string>; errors?: FieldError[]; status?: number },
  ) => renderStep(req, res, step, options, today());
}
