import { describe, expect, it } from 'vitest';
import { maskSecrets } from './logger.js';

describe('maskSecrets', () => {
  it("hides a calendar feed's token and keeps the rest of the URL", () => {
    expect(maskSecrets('/tarnos/agenda/abcDEF_123-xyz.ics?x=1')).toBe('/tarnos/agenda/[redacted].ics?x=1');
    expect(maskSecrets('/tarnos/mon-espace/enfants/1/agenda?mois=2026-12')).toBe('/tarnos/mon-espace/enfants/1/agenda?mois=2026-12');
    expect(maskSecrets(undefined)).toBeUndefined();
  });
});
