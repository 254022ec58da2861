import crypto from 'node:crypto';
import svgCaptchaModule from 'svg-captcha';

/**
 * CONTRÔLE DE SÉCURITÉ of the sign-up wizard: an image to copy (the seed's svg-captcha)
 * and, for anyone who cannot see it, a simple question in text (RGAA 1.5: a non-graphical
 * alternative; DINUM recommends exactly this). Either answer passes. The answers live
 * only in the server-side session; the page carries the image and the question.
 *
 * This module is pure: making challenges, drawing them, comparing answers. Using a
 * challenge only once across parallel requests is the caller's job (signup.service.ts).
 */
export const CAPTCHA_TTL_MS = 15 * 60 * 1000;
export const CAPTCHA_LENGTH = 6;

/**
 * Upper case and digits without look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B): the text is
 * compared without case anyway. svg-captcha's own generator uses Math.random, so the
 * text comes from crypto and svg-captcha only draws it.
 */
const ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
const LOOK_ALIKES = '0oO1iIlL2zZ5sS8bB';
/** svg-captcha's CommonJS export is itself a function drawing a given text; its typings omit it. */
const drawText = svgCaptchaModule as unknown as (text: string, options: object) => string;
// No `background`: svg-captcha then switches to random light colours, unreadable for many. Without it the glyphs
// are near-black on the white the stylesheet gives the image.
const IMAGE_OPTIONS = { width: 240, height: 80, fontSize: 70, noise: 3, color: false, ignoreChars: LOOK_ALIKES };

export interface CaptchaChallenge {
  /** Names the challenge for the single-use check. */
  id: string;
  /** The text drawn in the image. */
  text: string;
  question: string;
  /** Accepted answers to the question, normalised. */
  answers: string[];
  /** Epoch milliseconds. */
  issuedAt: number;
}

export interface CaptchaAnswer {
  image: string;
  question: string;
}

const NUMBER_WORDS = [
  'zero',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
  'dix sept',
  'dix huit',
  'dix neuf',
  'vingt',
];
const SPOKEN = NUMBER_WORDS.map((w) => w.replace('zero', 'zéro').replace(/^dix /, 'dix-'));
const DAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];

/** Lower case, no accents, no punctuation around, words as digits: "Dix-sept." → "17". */
export function normaliseAnswer(answer: string): string {
  const folded = answer
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[-'’]/g, ' ')
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(le|la|l) /, '');
  const asNumber = NUMBER_WORDS.indexOf(folded);
  return asNumber >= 0 ? String(asNumber) : folded;
}

const pick = <T>(list: readonly T[]): T => list[crypto.randomInt(list.length)]!;
const between = (min: number, max: number) => crypto.randomInt(min, max + 1);

/** A question anyone can answer without seeing anything, in varied forms so a bot cannot learn one sentence. */
export function newQuestion(): { question: string; answers: string[] } {
  const kind = crypto.randomInt(4);
  if (kind === 0) {
    const a = between(1, 9);
    const b = between(1, 9);
    return { question: `Combien font ${SPOKEN[a]} plus ${SPOKEN[b]} ? Répondez en chiffres.`, answers: [String(a + b)] };
  }
  if (kind === 1) {
    const a = between(6, 15);
    const b = between(1, 5);
    return { question: `Combien font ${SPOKEN[a]} moins ${SPOKEN[b]} ? Répondez en chiffres.`, answers: [String(a - b)] };
  }
  if (kind === 2) {
    const n = between(11, 20);
    return { question: `Écrivez en chiffres le nombre ${SPOKEN[n]}.`, answers: [String(n)] };
  }
  const i = crypto.randomInt(DAYS.length);
  return { question: `Quel jour de la semaine vient juste après le ${DAYS[i]} ?`, answers: [DAYS[(i + 1) % DAYS.length]!] };
}

export function newChallenge(now: Date): CaptchaChallenge {
  const text = Array.from({ length: CAPTCHA_LENGTH }, () => pick([...ALPHABET])).join('');
  return { id: crypto.randomBytes(16).toString('base64url'), text, ...newQuestion(), issuedAt: now.getTime() };
}

/** The image as a data: URI (the CSP allows img-src data:). The SVG is paths only: its text is not in the markup. */
export function captchaImage(challenge: CaptchaChallenge): string {
  const svg = drawText(challenge.text, IMAGE_OPTIONS);
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export function isExpired(challenge: CaptchaChallenge, now: Date): boolean {
  return now.getTime() - challenge.issuedAt >= CAPTCHA_TTL_MS;
}

export function hasAnswer(answer: CaptchaAnswer): boolean {
  return answer.image.trim() !== '' || answer.question.trim() !== '';
}

/**
 * True when the image text or the question's answer is right. `testSolution`
 * (CAPTCHA_TEST_SOLUTION, refused in production by the config) stands for any image
 * text so automated tests can get through.
 */
export function isRightAnswer(challenge: CaptchaChallenge, answer: CaptchaAnswer, testSolution?: string): boolean {
  const image = answer.image.replace(/\s+/g, '').toUpperCase();
  if (image !== '') {
    if (safeEqual(image, challenge.text.toUpperCase())) return true;
    if (testSolution && safeEqual(image, testSolution.toUpperCase())) return true;
  }
  const question = normaliseAnswer(answer.question);
  return question !== '' && challenge.answers.includes(question);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
