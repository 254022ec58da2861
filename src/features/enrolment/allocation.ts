import crypto from 'node:crypto';

/**
 * Fair allocation of scarce places (issue 16). Applications received in the first window
 * after opening are ranked by the town's published criteria — residents first, then
 * families with a brother or sister already enrolled in the activity, then a random draw —
 * and those received later come after them in order of arrival. The draw comes from a
 * recorded seed through a small PRNG written here (sfc32), so anyone can replay the ranking
 * from the seed and the applications, and it never depends on Math.random or on the order
 * the database returned rows in.
 */

export interface Candidate {
  id: string;
  /** Arrival order (enrolment_applications.seq). */
  seq: number;
  receivedAt: Date;
  resident: boolean;
  siblingEnrolled: boolean;
}

export interface Ranked<C extends Candidate> {
  candidate: C;
  rank: number;
  inWindow: boolean;
  /** The candidate's place in the draw (in-window only), 1-based. */
  draw: number | null;
}

/** A fresh seed: 128 random bits, written down before the ranking uses it. */
export function newSeed(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** sfc32 from the seed's 4 × 32 bits: a uniform float in [0, 1) per call. */
export function prng(seed: string): () => number {
  if (!/^[0-9a-f]{32}$/.test(seed)) throw new RangeError('a seed is 32 hexadecimal digits');
  let [a, b, c, d] = [0, 8, 16, 24].map((i) => parseInt(seed.slice(i, i + 8), 16) >>> 0) as [number, number, number, number];
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still show the seed's structure: skip them, as its author advises.
  for (let i = 0; i < 15; i++) next();
  return next;
}

export function rankCandidates<C extends Candidate>(
  candidates: readonly C[],
  opts: { seed: string; opensAt: Date; windowMinutes: number },
): Ranked<C>[] {
  const windowEnd = opts.opensAt.getTime() + opts.windowMinutes * 60_000;
  const bySeq = [...candidates].sort((x, y) => x.seq - y.seq);
  const early = bySeq.filter((c) => c.receivedAt.getTime() < windowEnd);
  const late = bySeq.filter((c) => c.receivedAt.getTime() >= windowEnd);

  // Fisher–Yates over the window's applications in arrival order: the draw is a permutation
  // fixed by the seed alone.
  const random = prng(opts.seed);
  const drawn = [...early];
  for (let i = drawn.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [drawn[i], drawn[j]] = [drawn[j]!, drawn[i]!];
  }
  const drawOf = new Map(drawn.map((c, i) => [c.id, i + 1]));
  const score = (c: C) => (c.resident ? 2 : 0) + (c.siblingEnrolled ? 1 : 0);
  const rankedEarly = [...early].sort((x, y) => score(y) - score(x) || drawOf.get(x.id)! - drawOf.get(y.id)!);

  return [
    ...rankedEarly.map((candidate, i) => ({ candidate, rank: i + 1, inWindow: true, draw: drawOf.get(candidate.id)! })),
    ...late.map((candidate, i) => ({ candidate, rank: rankedEarly.length + i + 1, inWindow: false, draw: null })),
  ];
}
