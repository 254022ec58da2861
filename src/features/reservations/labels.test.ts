import { describe, expect, it } from 'vitest';
import { dayLabel, untilLabel } from './labels.js';

describe('reservation labels', () => {
  it('write the first of the month "1er", like the absence pages', () => {
    expect(dayLabel('2027-01-01')).toBe('vendredi 1er janvier');
    expect(dayLabel('2026-12-10')).toBe('jeudi 10 décembre');
  });

  it('say the last minute to act in Paris time, "1er" included', () => {
    // Midnight in Paris on 2 December is 23:00 UTC on the 1st: the last minute is 23:59 on the 1st.
    expect(untilLabel(new Date('2026-12-01T23:00:00Z'))).toBe('mardi 1er décembre à 23:59');
    expect(untilLabel(new Date('2026-07-15T10:00:00Z'))).toBe('mercredi 15 juillet à 11:59');
  });
});
