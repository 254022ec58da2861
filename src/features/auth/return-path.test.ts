import { describe, expect, it } from 'vitest';
import { safeReturn } from './return-path.js';

describe('the page to return to after "Rester connecté"', () => {
  it('is a page of the site', () => {
    expect(safeReturn('/tarnos/mon-espace/famille', '/tarnos/mon-espace')).toBe('/tarnos/mon-espace/famille');
    expect(safeReturn('/tarnos/mon-espace?mois=2026-12', '/x')).toBe('/tarnos/mon-espace?mois=2026-12');
  });

  it('never another site, nor nothing', () => {
    for (const value of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/TARNOS/x', '', undefined]) {
      expect(safeReturn(value, '/tarnos/mon-espace')).toBe('/tarnos/mon-espace');
    }
  });
});
