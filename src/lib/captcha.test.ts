import { describe, expect, it } from 'vitest';
import {
  CAPTCHA_LENGTH,
  CAPTCHA_TTL_MS,
  captchaImage,
  hasAnswer,
  isExpired,
  isRightAnswer,
  newChallenge,
  newQuestion,
  normaliseAnswer,
} from './captcha.js';

const now = new Date('2026-11-21T10:00:00Z');

describe('newChallenge', () => {
  it('draws six characters without look-alikes and a question', () => {
    const texts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = newChallenge(now);
      expect(c.text).toMatch(new RegExp(`^[A-Z0-9]{${CAPTCHA_LENGTH}}$`));
      expect(c.text).not.toMatch(/[0O1IL2Z5S8B]/);
      expect(c.question).toMatch(/\?|\.$/);
      expect(c.answers.length).toBeGreaterThan(0);
      texts.add(c.text);
    }
    expect(texts.size).toBeGreaterThan(190);
  });

  it('varies its questions', () => {
    const questions = new Set(Array.from({ length: 200 }, () => newQuestion().question.split(' ').slice(0, 2).join(' ')));
    expect(questions.size).toBeGreaterThanOrEqual(3);
  });

  it('asks questions whose stored answer is right', () => {
    for (let i = 0; i < 300; i++) {
      const { question, answers } = newQuestion();
      const plus = /Combien font (\S+) plus (\S+) \?/.exec(question);
      const minus = /Combien font (\S+) moins (\S+) \?/.exec(question);
      const digits = /Écrivez en chiffres le nombre (\S+)\./.exec(question);
      const day = /vient juste après le (\S+) \?/.exec(question);
      const n = (w: string) => Number(normaliseAnswer(w));
      if (plus) expect(answers).toEqual([String(n(plus[1]!) + n(plus[2]!))]);
      else if (minus) expect(answers).toEqual([String(n(minus[1]!) - n(minus[2]!))]);
      else if (digits) expect(answers).toEqual([String(n(digits[1]!))]);
      else if (day) expect(answers[0]).toMatch(/^(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)$/);
      else throw new Error(`unexpected question ${question}`);
    }
  });
});

describe('captchaImage', () => {
  it('is an SVG data URI whose markup does not contain the answer', () => {
    const c = newChallenge(now);
    const uri = captchaImage(c);
    expect(uri).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(uri.split(',')[1]!, 'base64').toString('utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('<path');
    expect(svg).not.toContain('<text');
    expect(svg.toUpperCase()).not.toContain(c.text);
  });

  it('draws dark glyphs, readable on the white behind the image', () => {
    const svg = Buffer.from(captchaImage(newChallenge(now)).split(',')[1]!, 'base64').toString('utf8');
    const fills = [...svg.matchAll(/<path fill="(#[0-9a-f]{3,6})"/gi)].map((m) => m[1]!);
    expect(fills.length).toBe(CAPTCHA_LENGTH);
    for (const fill of fills) {
      const hex = fill.length === 4 ? [...fill.slice(1)].map((d) => d + d).join('') : fill.slice(1);
      const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      expect(Math.max(r!, g!, b!)).toBeLessThanOrEqual(0x55);
    }
  });
});

describe('answers', () => {
  const challenge = { id: 'x', text: 'AC3DE4', question: 'Combien font trois plus quatre ?', answers: ['7'], issuedAt: now.getTime() };

  it('accepts the image text without case or spaces', () => {
    expect(isRightAnswer(challenge, { image: 'ac3 de4', question: '' })).toBe(true);
    expect(isRightAnswer(challenge, { image: 'AC3DE5', question: '' })).toBe(false);
  });

  it('accepts the answer to the question in digits or in words', () => {
    expect(isRightAnswer(challenge, { image: '', question: '7' })).toBe(true);
    expect(isRightAnswer(challenge, { image: '', question: ' Sept. ' })).toBe(true);
    expect(isRightAnswer(challenge, { image: '', question: '8' })).toBe(false);
  });

  it('passes when either answer is right', () => {
    expect(isRightAnswer(challenge, { image: 'WRONG1', question: '7' })).toBe(true);
    expect(isRightAnswer(challenge, { image: 'AC3DE4', question: '9' })).toBe(true);
    expect(isRightAnswer(challenge, { image: '', question: '' })).toBe(false);
  });

  it('takes the test solution only when one is configured, and only for the image', () => {
    expect(isRightAnswer(challenge, { image: 'TESTCAPTCHA', question: '' })).toBe(false);
    expect(isRightAnswer(challenge, { image: 'TESTCAPTCHA', question: '' }, 'TESTCAPTCHA')).toBe(true);
    expect(isRightAnswer(challenge, { image: '', question: 'TESTCAPTCHA' }, 'TESTCAPTCHA')).toBe(false);
  });

  it('knows when nothing was answered', () => {
    expect(hasAnswer({ image: ' ', question: '' })).toBe(false);
    expect(hasAnswer({ image: '', question: '7' })).toBe(true);
  });

  it('normalises words, accents and hyphens', () => {
    expect(normaliseAnswer('Dix-sept')).toBe('17');
    expect(normaliseAnswer('zéro')).toBe('0');
    expect(normaliseAnswer('Le Mercredi !')).toBe('mercredi');
    expect(normaliseAnswer('  12 ')).toBe('12');
  });

  it('expires after 15 minutes', () => {
    expect(isExpired(challenge, new Date(now.getTime() + CAPTCHA_TTL_MS - 1))).toBe(false);
    expect(isExpired(challenge, new Date(now.getTime() + CAPTCHA_TTL_MS))).toBe(true);
  });
});
