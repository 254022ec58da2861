import { describe, expect, it } from 'vitest';
import { formatScaled, parseEurosToCents, parseScaled } from './french-numbers.js';

describe('parseScaled', () => {
  it('reads French and English decimals, spaces and units exactly', () => {
    expect(parseEurosToCents('12,50')).toBe(1250);
    expect(parseEurosToCents('12.5')).toBe(1250);
    expect(parseEurosToCents('1 234,05 €')).toBe(123405);
    expect(parseEurosToCents('1\u202f234,05\u00a0€')).toBe(123405);
    expect(parseEurosToCents('3')).toBe(300);
    // 0,29 × 100 is 28.999999999999996 in floating point: the digits are read, not multiplied.
    expect(parseEurosToCents('0,29')).toBe(29);
    expect(parseScaled('0,36 %', 4, '%')).toBe(3600);
    expect(parseScaled('30', 2, '%')).toBe(3000);
  });

  it('refuses what is not a non-negative number with the allowed decimals', () => {
    for (const typed of ['', ' ', '-1', '12,505', '1,2,3', 'abc', '12 €€', '1e3', ',5', '5,', '0x10', '12 %']) {
      expect(parseEurosToCents(typed), typed).toBeUndefined();
    }
    expect(parseScaled('0,00001', 4, '%')).toBeUndefined();
  });
});

describe('formatScaled', () => {
  it('writes the value back as a French form shows it', () => {
    expect(formatScaled(1250, 2, 2)).toBe('12,50');
    expect(formatScaled(300, 2, 2)).toBe('3,00');
    expect(formatScaled(3600, 4)).toBe('0,36');
    expect(formatScaled(3000, 2)).toBe('30');
    expect(formatScaled(1250, 2)).toBe('12,5');
  });
});
