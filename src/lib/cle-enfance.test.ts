import { describe, expect, it } from 'vitest';
import { CLE_ENFANCE_PATTERN, generateCleEnfance } from './cle-enfance.js';

describe('Clé Enfance', () => {
  it("has the seeds' format and no look-alike characters", () => {
    for (let i = 0; i < 200; i++) {
      const key = generateCleEnfance();
      expect(key).toMatch(CLE_ENFANCE_PATTERN);
      expect(key.slice(6)).not.toMatch(/[01IO]/);
    }
  });
  it('is random', () => {
    expect(new Set(Array.from({ length: 100 }, generateCleEnfance)).size).toBe(100);
  });
});
