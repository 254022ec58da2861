import { describe, expect, it } from 'vitest';
import { normalisePhone } from './phones.js';

describe('normalisePhone', () => {
  it.each([
    ['0534258615', '05 34 25 86 15'],
    ['05.34.25.86.15', '05 34 25 86 15'],
    ['  06 12 34 56 78 ', '06 12 34 56 78'],
    ['+33 6 12 34 56 78', '06 12 34 56 78'],
    ['0033612345678', '06 12 34 56 78'],
    ['+44 20 7946 0958', '+44 20 7946 0958'],
  ])('accepts %j as %j', (typed, stored) => {
    expect(normalisePhone(typed)).toEqual({ ok: true, value: stored });
  });

  it('reads an overseas number typed the French way with its own country code', () => {
    expect(normalisePhone('0692 12 34 56')).toEqual({ ok: true, value: '+262 692 12 34 56' });
    expect(normalisePhone('0590 12 34 56')).toEqual({ ok: true, value: '+590 590 12 34 56' });
  });

  it('keeps an empty field empty', () => {
    expect(normalisePhone('   ')).toEqual({ ok: true, value: '' });
  });

  it.each(['123', '06 12 34 56 78 99', 'abc0534258615', 'appelez-moi', '0534258615 ou 0612345678', '+', '0'.repeat(40)])(
    'refuses %j',
    (typed) => {
      expect(normalisePhone(typed)).toEqual({ ok: false });
    },
  );
});
