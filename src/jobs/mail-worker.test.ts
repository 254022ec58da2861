import { describe, expect, it } from 'vitest';
import { backoffSeconds } from './mail-worker.js';

describe('mail retry backoff', () => {
  it('grows exponentially and is capped at an hour', () => {
    const mid = () => 0.5;
    expect(backoffSeconds(1, mid)).toBe(10);
    expect(backoffSeconds(2, mid)).toBe(20);
    expect(backoffSeconds(5, mid)).toBe(160);
    expect(backoffSeconds(20, mid)).toBe(3600);
  });
  it('spreads retries with jitter', () => {
    expect(backoffSeconds(3, () => 0)).toBe(30);
    expect(backoffSeconds(3, () => 1)).toBe(50);
  });
});
