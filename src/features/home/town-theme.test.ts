import { describe, expect, it } from 'vitest';
import { FAVICON_COLOUR, themeCss, townFaviconSvg } from './town-theme.js';

describe('the town’s colour', () => {
  it('is the stylesheet’s one variable', () => {
    expect(themeCss('#a1b2c3')).toBe(':root{--town-colour:#a1b2c3;}\n');
  });

  it('replaces the default colour of the favicon', () => {
    const svg = `<svg><rect fill="${FAVICON_COLOUR}"/></svg>`;
    expect(townFaviconSvg(svg, '#a1b2c3')).toBe('<svg><rect fill="#a1b2c3"/></svg>');
  });
});
