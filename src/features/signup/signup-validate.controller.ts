import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { isExpired, newChallenge } from '../../lib/captcha.js';
import { parisDay } from '../../lib/calendar/index.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { formValues } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { registerAccount, type RegistrationInput } from '../parent-accounts/parent-accounts.service.js';
import type { ServiceContext } from '../../deps.js';
import { accountFromDraft } from './signup-account.js';
import { actionOf, CAPTCHA_MESSAGES } from './signup-screens.js';
import { stepRenderer } from './signup-view.js';
import { saveStep, writableDraft, type SignupDraft } from './signup.draft.js';
import { AUTHENTIFICATION_KEPT, parseAuthentification } from './signup.schemas.js';
import { checkCaptcha, countSignupAttempt, discardDraftPhoto } from './signup.service.js';

/** The account refused for what was typed on this step: the field to fix and what to do. */
const REGISTRATION_REFUSALS = {
  username_taken: { field: 'nomUtilisateur', message: "Ce nom d'utilisateur est déjà pris : choisissez-en un autre" },
  unknown_key: { field: 'cleEnfance', message: "Cette clé Enfance n'est pas reconnue : vérifiez le courrier reçu de la mairie" },
} as const;

/**
 * AUTHENTIFICATION's VALIDER, the wizard's last step: the security check, the honeypot, the
 * rate limit, every step checked again, then the account; or PRÉCÉDENT, or a new check.
 */
export function signupValidateController(deps: AppDeps) {
  const ctx: ServiceContext = { pool: deps.pool, clock: deps.clock, config: deps.config };
  const today = () => parisDay(deps.clock.now());
  const render = stepRenderer(today);

  /** Ends the wizard the same way whether an account was created, already existed, or a bot was fooled. */
  async function finish(req: Request, res: Response, town: Town, draft: SignupDraft) {
    // A new account has taken the photo already; otherwise (address already known, honeypot) it goes now.
    if (draft.photo) await discardDraftPhoto(ctx, town, draft.photo.id);
    const email = draft.values.contact?.courriel ?? '';
    const withKey = Boolean(draft.values.authentification?.cleEnfance?.trim());
    delete req.session.signup;
    delete req.session.franceConnectIdentity;
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
    // The step again with what the parent typed, the one field to fix said in words.
    const refuse = (field: string, message: string) =>
      render(req, res, 'authentification', { values: kept, errors: [{ field, message }], status: 400 });

    const outcome = await checkCaptcha(ctx, draft.captcha, { image: form.texteControle, question: form.reponseQuestion });
    // Used up, right or wrong.
    draft.captcha = newChallenge(now);
    if (outcome !== 'passed') {
      refuse('texteControle', CAPTCHA_MESSAGES[outcome]);
      return;
    }

    const account = accountFromDraft(draft, today());
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
      ...(draft.franceConnect ? { franceConnectSub: draft.franceConnect.sub } : {}),
    });
    if (result.kind !== 'created') {
      const refusal = REGISTRATION_REFUSALS[result.kind];
      refuse(refusal.field, refusal.message);
      return;
    }
    await finish(req, res, town, draft);
  }

  return { submitAuthentification };
}
