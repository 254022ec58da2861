import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { captchaImage, isExpired, newChallenge } from '../../lib/captcha.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, formValues, type FieldError } from '../../lib/forms.js';
import { describePolicy } from '../../lib/passwords.js';
import { requireTown } from '../../middleware/town.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls, type SignupStep } from '../../routes.js';
import { registerAccount, type RegistrationInput, type ServiceContext } from '../accounts/accounts.service.js';
import { canReach, firstIncomplete, nextStep, previousStep, readDraft, saveStep, writableDraft, type SignupDraft } from './signup.draft.js';
import {
  ADRESSE_DEFAULTS,
  AUTHENTIFICATION_KEPT,
  CONTACT_DEFAULTS,
  CONTACT_MEANS,
  IDENTITE_FIELDS,
  STEP_FIELDS,
  dateErrorParts,
  parseAdresse,
  parseAuthentification,
  parseContact,
  parseIdentite,
  pickFields,
  type StepData,
} from './signup.schemas.js';
import {
  checkCaptcha,
  countPhotoUpload,
  countSignupAttempt,
  discardDraftPhoto,
  draftPhoto,
  keepDraftPhoto,
  type CaptchaOutcome,
} from './signup.service.js';

/** The five screens of the stepper, with the seed's icons. BIENVENUE counts as the first. */
export const WIZARD_SCREENS = [
  { key: 'bienvenue', label: 'Bienvenue', icon: 'home' },
  { key: 'identite', label: 'Identité', icon: 'person' },
  { key: 'adresse', label: 'Adresse', icon: 'envelope' },
  { key: 'contact', label: 'Moyens de contact', icon: 'phone' },
  { key: 'authentification', label: 'Authentification', icon: 'lock' },
] as const;

const DEFAULTS: Record<SignupStep, Record<string, string>> = {
  identite: {},
  adresse: ADRESSE_DEFAULTS,
  contact: CONTACT_DEFAULTS,
  authentification: {},
};

const CAPTCHA_MESSAGES: Record<Exclude<CaptchaOutcome, 'passed'>, string> = {
  failed: 'La réponse au contrôle de sécurité ne correspond pas : recopiez le nouveau texte ou répondez à la nouvelle question',
  expired: 'Le contrôle de sécurité a expiré : recopiez le nouveau texte ou répondez à la nouvelle question',
};

const PHOTO_MESSAGES = {
  tooLarge: 'La photo doit faire 1 Mo au maximum',
  wrongType: 'La photo doit être une image PNG ou JPEG',
};
export const PHOTO_MAX_BYTES = 1024 * 1024;
export const PHOTO_UPLOAD_OPTIONS = {
  field: 'photo',
  maxBytes: PHOTO_MAX_BYTES,
  types: ['image/png', 'image/jpeg'],
  messages: PHOTO_MESSAGES,
};

type Action = 'suivant' | 'precedent' | 'changer-controle';

function actionOf(body: Record<string, string>): Action {
  return body.action === 'precedent' || body.action === 'changer-controle' ? body.action : 'suivant';
}

function screenTitle(index: number): string {
  return `${WIZARD_SCREENS[index]!.label} – Étape ${index + 1} sur ${WIZARD_SCREENS.length} – Créer mon espace`;
}

export function signupController(deps: AppDeps) {
  const ctx: ServiceContext = { pool: deps.pool, clock: deps.clock, config: deps.config };
  const today = () => parisDay(deps.clock.now());

  function render(
    req: Request,
    res: Response,
    step: SignupStep,
    options: { values: Record<string, string>; errors?: FieldError[]; status?: number },
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
      locals.dateErrorFields = errors.some((e) => e.field.startsWith('dateNaissance')) ? dateErrorParts(options.values, today()) : [];
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
      const values = { ...DEFAULTS[step], ...draft?.values[step] };
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
    const body = formValues(req.body);
    const draft = writableDraft(req, town);
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

  /**
   * The account from the draft: every step is checked again, so a draft changed since
   * (or forged) cannot reach the service. A step that no longer passes sends the user
   * back to it.
   */
  function accountFromDraft(draft: SignupDraft): { ok: true; input: Partial<RegistrationInput> } | { ok: false; step: SignupStep } {
    const parts: [SignupStep, (values: Record<string, string>) => ReturnType<typeof parseAdresse>][] = [
      ['identite', (v) => parseIdentite(v, today())],
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

  /** Ends the wizard the same way whether an account was created, already existed, or a bot was fooled. */
  async function finish(req: Request, res: Response, town: Town, draft: SignupDraft) {
    // A new account has taken the photo already; otherwise (address already known, honeypot) it goes now.
    if (draft.photo) await discardDraftPhoto(ctx, town, draft.photo.id);
    const email = draft.values.contact?.courriel ?? '';
    const withKey = Boolean(draft.values.authentification?.cleEnfance?.trim());
    delete req.session.signup;
    req.session.signupDone = { townId: town.id, email, withKey };
    res.redirect(303, urls.signupDone(town));
  }

  /** AUTHENTIFICATION: PRÉCÉDENT, "Changer le texte de contrôle", or VALIDER. */
  async function submitAuthentification(req: Request, res: Response) {
    const town = requireTown(req);
    const body = formValues(req.body);
    const draft = writableDraft(req, town);
    const action = actionOf(body);
    const now = deps.clock.now();

    if (action === 'precedent' || action === 'changer-controle') {
      saveStep(draft, 'authentification', body, AUTHENTIFICATION_KEPT, { stillValid: false });
      delete draft.captcha;
      res.redirect(303, urls.signupStep(town, action === 'precedent' ? 'contact' : 'authentification'));
      return;
    }

    const limit = await countSignupAttempt(ctx, req.ip ?? 'unknown');
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);

    // The honeypot: hidden from people, filled by bots. A bot gets what a person would see; nothing is created.
    if ((body.siteInternet ?? '').trim() !== '') {
      req.log.info('signup honeypot filled');
      await finish(req, res, town, draft);
      return;
    }

    const parsed = parseAuthentification(body, town.passwordPolicy);
    if (!parsed.ok) {
      saveStep(draft, 'authentification', parsed.values, AUTHENTIFICATION_KEPT, { stillValid: false });
      // The security check was not looked at: it stays, with what was typed in it, unless it expired.
      const values = { ...parsed.values };
      if (!draft.captcha || isExpired(draft.captcha, now)) {
        draft.captcha = newChallenge(now);
        values.texteControle = '';
        values.reponseQuestion = '';
      }
      render(req, res, 'authentification', { values, errors: parsed.errors, status: 400 });
      return;
    }
    const form = parsed.data;
    saveStep(draft, 'authentification', form, AUTHENTIFICATION_KEPT, { stillValid: false });
    const kept = { nomUtilisateur: form.nomUtilisateur, cleEnfance: form.cleEnfance };

    const outcome = await checkCaptcha(ctx, draft.captcha, { image: form.texteControle, question: form.reponseQuestion });
    // Used up, right or wrong.
    draft.captcha = newChallenge(now);
    if (outcome !== 'passed') {
      render(req, res, 'authentification', {
        values: kept,
        errors: [{ field: 'texteControle', message: CAPTCHA_MESSAGES[outcome] }],
        status: 400,
      });
      return;
    }

    const account = accountFromDraft(draft);
    if (!account.ok) {
      res.redirect(303, urls.signupStep(town, account.step));
      return;
    }
    const result = await registerAccount(ctx, town, {
      ...(account.input as Omit<RegistrationInput, 'photoId' | 'username' | 'password' | 'cleEnfance'>),
      photoId: draft.photo?.id ?? null,
      username: form.nomUtilisateur,
      password: form.motDePasse,
      cleEnfance: form.cleEnfance,
    });
    if (result.kind === 'username_taken') {
      render(req, res, 'authentification', {
        values: kept,
        errors: [{ field: 'nomUtilisateur', message: "Ce nom d'utilisateur est déjà pris : choisissez-en un autre" }],
        status: 400,
      });
      return;
    }
    if (result.kind === 'unknown_key') {
      render(req, res, 'authentification', {
        values: kept,
        errors: [{ field: 'cleEnfance', message: "Cette clé Enfance n'est pas reconnue : vérifiez le courrier reçu de la mairie" }],
        status: 400,
      });
      return;
    }
    await finish(req, res, town, draft);
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
    submitAuthentification,
    cancel,
    showDone,
    servePhoto,
  };
}
