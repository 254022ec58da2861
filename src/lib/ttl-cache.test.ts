import { afterEach, describe, expect, it, vi } from 'vitest';
import { ttlCache } from './ttl-cache.js';

afterEach(() => vi.useRealTimers());

describe('ttlCache', () => {
  it('keeps an answer for its time, then reads again', async () => {
    vi.useFakeTimers({ now: 0 });
    const cache = ttlCache<number>(5_000);
    let reads = 0;
    const load = () => Promise.resolve(++reads);
    expect(await cache.get('tarnos', load)).toBe(1);
    vi.setSystemTime(4_999);
    expect(await cache.get('tarnos', load)).toBe(1);
    vi.setSystemTime(5_000);
    expect(await cache.get('tarnos', load)).toBe(2);
    expect(await cache.get('bondoufle', load)).toBe(3);
  });

  it('shares one read between concurrent misses, and forgets on demand', async () => {
    const cache = ttlCache<number>(5_000);
    let reads = 0;
    const load = () => Promise.resolve(++reads);
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, reads]).toEqual([1, 1, 1]);
    cache.forget('k');
    expect(await cache.get('k', load)).toBe(2);
    cache.forget();
    expect(await cache.get('k', load)).toBe(3);
  });

  it('keeps neither a failed read nor an answer `keep` refuses', async () => {
    const cache = ttlCache<string | undefined>(5_000, { keep: (v) => v !== undefined });
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', () => Promise.resolve(undefined))).toBeUndefined();
    expect(await cache.get('k', () => Promise.resolve('found'))).toBe('found');
    expect(await cache.get('k', () => Promise.resolve('again'))).toBe('found');
  });

  it('stays bounded, and keeps nothing with no time to live', async () => {
    const cache = ttlCache<number>(5_000, { maxEntries: 2 });
    let reads = 0;
    const load = () => Promise.resolve(++reads);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(await cache.get('b', load)).toBe(2);
    expect(await cache.get('a', load)).toBe(4);
    const none = ttlCache<number>(0);
    expect(await none.get('a', load)).toBe(5);
    expect(await none.get('a', load)).toBe(6);
  });
});
