/**
 * The one per-process cache of the app, for rows read on almost every page that change
 * rarely (a town, its calendar, its CGU version, its news): each answer is kept `ttlMs`
 * milliseconds. Concurrent misses share one read; a failed read is not kept, nor an answer
 * `keep` refuses (an unknown town slug from a crawler must not grow the cache). At most
 * `maxEntries` keys, the oldest written dropped first, so memory stays bounded whatever
 * the keys. A `ttlMs` of 0 or less keeps nothing: every call reads.
 */
export interface TtlCache<T> {
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** Drops `key` (every key without one), so this process sees a change at once. */
  forget(key?: string): void;
}

export interface TtlCacheOptions<T> {
  keep?: (value: T) => boolean;
  maxEntries?: number;
}

/** Every cache of the process, so that all can be emptied at once (`forgetAllCaches`). */
const caches = new Set<Map<string, unknown>>();

/**
 * Empties every cache of the process. The keys are the database's ids: a process that moves
 * to another database (a test file after another in the same worker, each on its own copy of
 * one template, hence the same town ids) must not see the first one's answers.
 */
export function forgetAllCaches(): void {
  for (const entries of caches) entries.clear();
}

export function ttlCache<T>(ttlMs: number, options: TtlCacheOptions<T> = {}): TtlCache<T> {
  const entries = new Map<string, { value: Promise<T>; until: number }>();
  caches.add(entries);
  const maxEntries = options.maxEntries ?? 1_000;
  // A late answer must not drop the entry a newer read has put in its place.
  const drop = (key: string, value: Promise<T>) => {
    if (entries.get(key)?.value === value) entries.delete(key);
  };
  return {
    get(key, load) {
      if (ttlMs <= 0) return load();
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.until > now) return hit.value;
      const value = load();
      if (hit) entries.delete(key);
      else if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, until: now + ttlMs });
      value.then(
        (v) => {
          if (options.keep && !options.keep(v)) drop(key, value);
        },
        () => drop(key, value),
      );
      return value;
    },
    forget(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
