import { describe, expect, it } from 'vitest';
import { DEMO_TOWNS } from '../db/demo-data.js';
import {
  contrastRatio,
  contrastWithWhite,
  darkenForWhiteText,
  formatRatio,
  MIN_CONTRAST_WITH_WHITE,
  normaliseHexColour,
} from './contrast.js';

describe('contrast with white text', () => {
  it('gives the WCAG extremes', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    expect(contrastRatio('#ffffff', '#000000')).toBe(contrastRatio('#000000', '#ffffff'));
  });

  it('puts the 4.5:1 line between #767676 and #777777, as WebAIM and axe do', () => {
    expect(contrastWithWhite('#767676')).toBeGreaterThanOrEqual(MIN_CONTRAST_WITH_WHITE);
    expect(contrastWithWhite('#777777')).toBeLessThan(MIN_CONTRAST_WITH_WHITE);
    expect(formatRatio(contrastWithWhite('#767676'))).toBe('4,54:1');
    expect(formatRatio(contrastWithWhite('#777777'))).toBe('4,47:1');
  });

  it('rounds down, so a refused colour never reads as 4,50:1', () => {
    expect(formatRatio(4.4999)).toBe('4,49:1');
    expect(formatRatio(21)).toBe('21,00:1');
  });

  it('accepts every demo town’s colour', () => {
    for (const town of DEMO_TOWNS) expect(contrastWithWhite(town.colour), town.slug).toBeGreaterThanOrEqual(MIN_CONTRAST_WITH_WHITE);
  });
});

describe('a darker suggestion', () => {
  it.each(['#ffcc00', '#777777', '#ffffff', '#66ccff', '#1f4e79'])(
    '%s becomes dark enough for white text, and no darker than needed',
    (colour) => {
      const suggestion = darkenForWhiteText(colour);
      expect(contrastWithWhite(suggestion)).toBeGreaterThanOrEqual(MIN_CONTRAST_WITH_WHITE);
      if (contrastWithWhite(colour) >= MIN_CONTRAST_WITH_WHITE) expect(suggestion).toBe(colour);
    },
  );

  it('keeps the hue of a yellow', () => {
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(darkenForWhiteText('#ffcc00').slice(i, i + 2), 16)) as [number, number, number];
    expect(r).toBeGreaterThan(g);
    expect(b).toBe(0);
  });
});

describe('reading a typed colour', () => {
  it.each([
    ['#1F4E79', '#1f4e79'],
    ['1f4e79', '#1f4e79'],
    ['  #00703c ', '#00703c'],
  ])('%s → %s', (typed, expected) => expect(normaliseHexColour(typed)).toBe(expected));

  it.each(['', '#fff', '#1f4e7g', 'bleu', '#1f4e79;}body{', 'rgb(0,0,0)', '##1f4e79'])('refuses %j', (typed) => {
    expect(normaliseHexColour(typed)).toBeUndefined();
  });
});
