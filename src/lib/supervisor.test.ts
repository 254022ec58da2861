import { describe, expect, it } from 'vitest';
import { respawnDelay } from './supervisor.js';

describe('respawnDelay', () => {
  it('replaces a worker that ran for a while at once', () => {
    expect(respawnDelay(0)).toBe(0);
  });

  it('backs off a worker that keeps dying at boot, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(respawnDelay)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});
