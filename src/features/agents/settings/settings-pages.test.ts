import { describe, expect, it } from 'vitest';
import { colourPreview, TEXT_SLUGS, TEXTS } from './settings-pages.js';

describe('the settings pages', () => {
  it('previews a typed colour with its contrast with white, and falls back on the saved one', () => {
    expect(colourPreview('#000000', '#1d70b8')).toEqual({ colour: '#000000', ratio: expect.any(String), ok: true });
    expect(colourPreview('#ffff00', '#1d70b8')).toMatchObject({ colour: '#ffff00', ok: false });
    expect(colourPreview('pas une couleur', '#1d70b8').colour).toBe('#1d70b8');
    expect(colourPreview(undefined, '#1d70b8').colour).toBe('#1d70b8');
  });

  it('has a page for each legal text', () => {
    expect(TEXT_SLUGS.map((slug) => TEXTS[slug].kind)).toEqual(['cgu', 'mentions_legales']);
  });
});
