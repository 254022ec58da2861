import { describe, expect, it } from 'vitest';
import { prng, rankCandidates, type Candidate } from './allocation.js';

const OPENS = new Date('2027-01-10T08:00:00Z');
const SEED = '0123456789abcdef0123456789abcdef';

/** 200 applications in the first hour (a quarter residents with a sibling, half residents), 30 after it. */
function applications(): Candidate[] {
  const list: Candidate[] = [];
  for (let i = 0; i < 230; i++) {
    list.push({
      id: `app-${i}`,
      seq: i + 1,
      receivedAt: new Date(OPENS.getTime() + (i < 200 ? i * 15_000 : 3_600_000 + i * 1000)),
      resident: i % 2 === 0,
      siblingEnrolled: i % 4 === 0,
    });
  }
  return list;
}

describe('fair allocation', () => {
  it('gives the same ranking from the same seed, whatever order the applications come in', () => {
    const apps = applications();
    const a = rankCandidates(apps, { seed: SEED, opensAt: OPENS, windowMinutes: 60 });
    const b = rankCandidates([...apps].reverse(), { seed: SEED, opensAt: OPENS, windowMinutes: 60 });
    expect(b.map((r) => r.candidate.id)).toEqual(a.map((r) => r.candidate.id));
    expect(a.map((r) => r.rank)).toEqual(apps.map((_, i) => i + 1));
  });

  it('draws differently from another seed, but the criteria still come first', () => {
    const apps = applications();
    const a = rankCandidates(apps, { seed: SEED, opensAt: OPENS, windowMinutes: 60 });
    const b = rankCandidates(apps, { seed: 'fedcba9876543210fedcba9876543210', opensAt: OPENS, windowMinutes: 60 });
    expect(b.slice(0, 20).map((r) => r.candidate.id)).not.toEqual(a.slice(0, 20).map((r) => r.candidate.id));
    for (const ranking of [a, b]) {
      // 20 places: all go to residents with a sibling enrolled (50 of them applied in the window).
      expect(ranking.slice(0, 20).every((r) => r.candidate.resident && r.candidate.siblingEnrolled)).toBe(true);
      // Residents (100) come before every non-resident of the window; those without a sibling after those with one.
      const early = ranking.filter((r) => r.inWindow);
      expect(early).toHaveLength(200);
      expect(early.slice(0, 100).every((r) => r.candidate.resident)).toBe(true);
      expect(early.slice(0, 50).every((r) => r.candidate.siblingEnrolled)).toBe(true);
      expect(early.slice(50, 100).some((r) => r.candidate.siblingEnrolled)).toBe(false);
    }
  });

  it('puts the applications after the window behind the whole window, by arrival, resident or not', () => {
    const ranking = rankCandidates(applications(), { seed: SEED, opensAt: OPENS, windowMinutes: 60 });
    const late = ranking.slice(200);
    expect(late.map((r) => r.candidate.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 201 + i));
    expect(late.every((r) => !r.inWindow && r.draw === null)).toBe(true);
  });

  it('does not favour early clicks inside the window: the first 20 to arrive are not the first 20 ranked', () => {
    const apps = applications().map((c) => ({ ...c, resident: true, siblingEnrolled: false }));
    const ranking = rankCandidates(apps, { seed: SEED, opensAt: OPENS, windowMinutes: 60 });
    const firstTwenty = ranking.slice(0, 20).map((r) => r.candidate.seq);
    expect(firstTwenty.filter((seq) => seq <= 20).length).toBeLessThan(10);
  });

  it('replays the PRNG from its seed and refuses a malformed one', () => {
    const x = prng(SEED);
    const y = prng(SEED);
    const xs = Array.from({ length: 5 }, x);
    expect(Array.from({ length: 5 }, y)).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(() => prng('not a seed')).toThrow(RangeError);
  });
});
