import { describe, expect, it } from 'vitest';
import { checkFrenchPostalCode, isFrance } from './postal-codes.js';

describe('checkFrenchPostalCode', () => {
  it.each([
    ['40220', '40220'],
    ['14 400', '14400'],
    ['01000', '01000'],
    ['20000', '20000'],
    ['20200', '20200'],
    ['95000', '95000'],
    ['97400', '97400'],
    ['97133', '97133'],
    ['98000', '98000'],
    ['98800', '98800'],
  ])('accepts %j', (typed, stored) => {
    expect(checkFrenchPostalCode(typed)).toEqual({ ok: true, value: stored });
  });

  it.each(['4022', '402201', '2A000', 'ABCDE', '40-220', ''])('refuses %j as badly formed', (typed) => {
    expect(checkFrenchPostalCode(typed)).toEqual({ ok: false, reason: 'format' });
  });

  it.each(['00100', '96000', '97000', '97900', '98100', '98900', '99000'])('refuses %j as no French département', (typed) => {
    expect(checkFrenchPostalCode(typed)).toEqual({ ok: false, reason: 'departement' });
  });
});

describe('isFrance', () => {
  it.each(['France', 'FRANCE', ' france ', 'FR', ''])('reads %j as France', (c) => expect(isFrance(c)).toBe(true));
  it.each(['Belgique', 'Francelande', 'Suisse'])('reads %j as abroad', (c) => expect(isFrance(c)).toBe(false));
});
