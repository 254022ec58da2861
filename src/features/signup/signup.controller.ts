import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { newChallenge } from '../../lib/captcha.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { formValues } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls, type SignupStep } from '../../routes.js';
import type { ServiceContext } from '../../deps.js';
import { actionOf, screenTitle, STEP_DEFAULTS, WIZARD_SCREENS } from './signup-screens.js';
import { signupValidateController } from './signup-validate.controller.js';
import { stepRenderer } from './signup-view.js';
import {
  canReach,
  firstIncomplete,
  nextStep,
  previousStep,
  readDraft,
  saveStep,
  withLockedIdentity,
  writableDraft,
  type SignupDraft,
} from './signup.draft.js';
import { IDENTITE_FIELDS, STEP_FIELDS, parseAdresse, parseContact, parseIdentite, pickFields } from './signup.schemas.js';
import { countPhotoUpload, discardDraftPhoto, draftPhoto, keepDraftPhoto } from './signup.service.js';

/**
 * Créer mon espace: BIENVENUE, the steps IDENTITÉ, ADRESSE and MOYENS DE CONTACT with their
 * guard, ANNULER, the confirmation and the draft's photo. AUTHENTIFICATION's VALIDER is in
 * signup-validate.controller.ts.
 */
export function signupController(deps: AppDeps) {
  const ctx: ServiceContext = { pool: deps.pool, clock: deps.clock, config: deps.config };
  const today = () => parisDay(deps.clock.now());
  const render = stepRenderer(today);
  const validate = signupValidateController(deps);

  /** A step that needs earlier ones not done yet: back to the first of them (GOV.UK One Login's journey guard). */
  function guard(step: SignupStep) {
    return (req: Request, res: Response, next: NextFunction) => {
      const town = requireTown(req);
      const draft = readDraft(req, town);
      if (!canReach(draft, step)) {
        req.log.info({ step, allowed: firstIncomplete(draft) }, 'signup step out of order');
        res.redirect(303, urls.signupStep(town, firstIncomplete(draft)));
        return;
      }
      next();
    };
  }

  function showWelcome(req: Request, res: Response) {
    requireTown(req);
    res.render('signup/bienvenue', {
      title: screenTitle(0),
      stepper: { screens: WIZARD_SCREENS, current: 0 },
      firstStepUrl: urls.signupStep(requireTown(req), 'identite'),
    });
  }

  function showStep(step: SignupStep) {
    return (req: Request, res: Response) => {
      const town = requireTown(req);
      const draft = readDraft(req, town);
      const typed = { ...STEP_DEFAULTS[step], ...draft?.values[step] };
      const values = step === 'identite' ? withLockedIdentity(draft, typed) : typed;
      // Every display of AUTHENTIFICATION brings a new security check; the previous one is dropped.
      if (step === 'authentification') writableDraft(req, town).captcha = newChallenge(deps.clock.now());
      render(req, res, step, { values });
    };
  }

  async function storePhoto(req: Request, town: Town, draft: SignupDraft): Promise<void> {
    const file = req.upload?.file;
    if (!file) return;
    const limit = await countPhotoUpload(ctx, req.ip ?? 'unknown');
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const id = await keepDraftPhoto(ctx, town, { content: file.buffer, type: file.mime }, draft.photo?.id);
    draft.photo = { id, type: file.mime };
  }

  /** IDENTITÉ: multipart (the photo), after `uploadSingle` has checked the file. */
  async function submitIdentite(req: Request, res: Response) {
    const town = requireTown(req);
    const draft = writableDraft(req, town);
    const body = withLockedIdentity(draft, formValues(req.body));
    const parsed = parseIdentite(body, today());
    const typed = parsed.ok ? parsed.data.display : pickFields(body, IDENTITE_FIELDS);
    // A chosen photo is kept even when other fields are wrong: a file input cannot be filled again.
    await storePhoto(req, town, draft);

    if (actionOf(body) === 'precedent') {
      saveStep(draft, 'identite', typed, IDENTITE_FIELDS, { stillValid: parsed.ok });
      res.redirect(303, urls.signupStart(town));
      return;
    }
    const problem = req.upload?.problem;
    if (!parsed.ok || problem) {
      saveStep(draft, 'identite', typed, IDENTITE_FIELDS, { accepted: false });
      const errors = parsed.ok ? [] : [...parsed.errors];
      if (problem) errors.push({ field: problem.field, message: problem.message });
      render(req, res, 'identite', { values: typed, errors, status: problem?.status ?? 400 });
      return;
    }
    saveStep(draft, 'identite', typed, IDENTITE_FIELDS, { accepted: true });
    res.redirect(303, urls.signupStep(town, 'adresse'));
  }

  /** ADRESSE and MOYENS DE CONTACT: plain forms. */
  function submitStep(step: 'adresse' | 'contact', parse: (body: Record<string, string>) => ReturnType<typeof parseAdresse>) {
    return (req: Request, res: Response) => {
      const town = requireTown(req);
      const body = formValues(req.body);
      const draft = writableDraft(req, town);
      const fields = STEP_FIELDS[step];
      const parsed = parse(body);
      const typed = parsed.ok ? parsed.data.display : pickFields(body, fields);
      if (actionOf(body) === 'precedent') {
        saveStep(draft, step, typed, fields, { stillValid: parsed.ok });
        res.redirect(303, urls.signupStep(town, previousStep(step)!));
        return;
      }
      if (!parsed.ok) {
        saveStep(draft, step, typed, fields, { accepted: false });
        render(req, res, step, { values: typed, errors: parsed.errors, status: 400 });
        return;
      }
      saveStep(draft, step, typed, fields, { accepted: true });
      res.redirect(303, urls.signupStep(town, nextStep(step)!));
    };
  }

  /** ANNULER: the draft and its photo are dropped. */
  async function cancel(req: Request, res: Response) {
    const town = requireTown(req);
    const draft = readDraft(req, town);
    if (draft?.photo) await discardDraftPhoto(ctx, town, draft.photo.id);
    delete req.session.signup;
    res.redirect(303, urls.townHome(town));
  }

  /** CONFIRMATION: shown once, from the one-shot flash VALIDER left. */
  function showDone(req: Request, res: Response) {
    const town = requireTown(req);
    const done = req.session.signupDone;
    if (!done || done.townId !== town.id) {
      res.redirect(303, urls.townHome(town));
      return;
    }
    delete req.session.signupDone;
    res.render('signup/confirmation', {
      title: 'Votre espace a bien été créé – Créer mon espace',
      email: done.email,
      withKey: done.withKey,
      delayHours: town.activationDelayHours,
    });
  }

  /** The draft's photo, to the session that chose it only (its id never leaves the session). */
  async function servePhoto(req: Request, res: Response) {
    const town = requireTown(req);
    const id = readDraft(req, town)?.photo?.id;
    const photo = id ? await draftPhoto(ctx, town, id) : undefined;
    if (!photo) throw new NotFoundError('no draft photo');
    res.setHeader('Content-Type', photo.type);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Disposition', 'inline');
    // Even if a browser were tricked into rendering it as a document, it could run nothing.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.send(photo.content);
  }

  return {
    guard,
    showWelcome,
    showStep,
    submitIdentite,
    submitAdresse: submitStep('adresse', parseAdresse),
    submitContact: submitStep('contact', parseContact),
    submitAuthentification: validate.submitAuthentification,
    cancel,
    showDone,
    servePhoto,
  };
}
