import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { captchaImage, isExpired, newChallenge, type CaptchaChallenge } from '../../lib/captcha.js';
import { deviceNonce } from '../../lib/device-cookie.js';
import type { FieldError } from '../../lib/forms.js';
import type { SignInKind, SignInSource } from './sign-in-guard.js';

/**
 * What the parents' and the agents' sign-in forms share: the CAPTCHA they show once the
 * browser must pass it (sign-in-guard.ts), and the source of an attempt.
 */
declare module 'express-session' {
  interface SessionData {
    /** The sign-in form's current CAPTCHA; its answers never leave the server. */
    signInChallenge: CaptchaChallenge;
  }
}

/** The CAPTCHA's two fields, optional: the form shows them only when they are needed. */
export const challengeFields = {
  texteControle: z.string().trim().max(50, 'La réponse au contrôle de sécurité doit contenir 50 caractères au maximum').default(''),
  reponseQuestion: z.string().trim().max(50, 'La réponse à la question doit contenir 50 caractères au maximum').default(''),
};

const CHALLENGE_MESSAGES = {
  missing:
    "Plusieurs connexions ont échoué : pour continuer, recopiez le texte de l'image ou répondez à la question, puis saisissez de nouveau votre mot de passe",
  failed: 'La réponse au contrôle de sécurité ne correspond pas : recopiez le nouveau texte ou répondez à la nouvelle question',
  expired: 'Le contrôle de sécurité a expiré : recopiez le nouveau texte ou répondez à la nouvelle question',
} as const;

/** The attempt stopped at the CAPTCHA (missing, wrong or expired): said on its field, for both sign-in forms. */
export function challengeErrors(kind: keyof typeof CHALLENGE_MESSAGES): FieldError[] {
  return [{ field: 'texteControle', message: CHALLENGE_MESSAGES[kind] }];
}

export interface ChallengeView {
  image: string;
  question: string;
}

function view(challenge: CaptchaChallenge): ChallengeView {
  return { image: captchaImage(challenge), question: challenge.question };
}

/** After an attempt: a new CAPTCHA if the next one needs it (the last was used up, right or wrong), none otherwise. */
export function nextChallenge(req: Request, now: Date, needed: boolean): ChallengeView | undefined {
  if (!needed) {
    delete req.session.signInChallenge;
    return undefined;
  }
  const challenge = newChallenge(now);
  req.session.signInChallenge = challenge;
  return view(challenge);
}

/** A form sent back for its own mistakes: the CAPTCHA it showed stays, unless it expired. */
export function currentChallenge(req: Request, now: Date): ChallengeView | undefined {
  const challenge = req.session.signInChallenge;
  if (!challenge) return undefined;
  return isExpired(challenge, now) ? nextChallenge(req, now, true) : view(challenge);
}

export function signInSource(
  req: Request,
  config: Config,
  kind: SignInKind,
  answer: { texteControle: string; reponseQuestion: string },
  now: Date,
): SignInSource {
  return {
    ip: req.ip ?? 'unknown',
    deviceNonce: (id) => deviceNonce(req, config, `${kind}-${id}`, now),
    challenge: req.session.signInChallenge,
    answer: { image: answer.texteControle, question: answer.reponseQuestion },
  };
}

/** "Changer le texte de contrôle": a new CAPTCHA, nothing else attempted. */
export function wantsNewChallenge(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>).action === 'changer-controle';
}
