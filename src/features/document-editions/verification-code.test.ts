import { describe, expect, it } from 'vitest';
import { newVerificationCode, printedCode, readCode } from './verification-code.js';

describe('verification codes', () => {
  it('are 12 characters of Crockford base 32, different each time', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newVerificationCode()));
    expect(codes.size).toBe(200);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
  });

  it('are printed in groups of four and read back whatever the case, spaces, dashes, O for 0 or I and L for 1', () => {
    expect(printedCode('7KQ2M9XA3DPF')).toBe('7KQ2-M9XA-3DPF');
    expect(readCode(' 7kq2-m9xa 3dpf ')).toBe('7KQ2M9XA3DPF');
    expect(readCode('O1IL-0000-0000')).toBe('0111' + '00000000');
  });

  it('refuses what cannot be a code', () => {
    expect(readCode('')).toBeUndefined();
    expect(readCode('7KQ2-M9XA-3DP')).toBeUndefined();
    expect(readCode('7KQ2-M9XA-3DPU')).toBeUndefined();
    expect(readCode('<script>alert(1)</script>')).toBeUndefined();
  });
});
