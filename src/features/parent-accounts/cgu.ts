import type { Queryable } from '../../db/pool.js';
import { ttlCache } from '../../lib/ttl-cache.js';
import { latestTextVersion } from '../../repositories/settings.repository.js';

/**
 * The current CGU version is read on every page of the parent's space: cached a few
 * seconds per town. Publishing a version calls `forgetCguVersion` so this process sees it
 * at once; other instances within CACHE_MS.
 */
const CACHE_MS = 5_000;
const versions = ttlCache<number | undefined>(CACHE_MS);

export function currentCguVersionNumber(db: Queryable, townId: string): Promise<number | undefined> {
  return versions.get(townId, () => latestTextVersion(db, townId, 'cgu'));
}

export function forgetCguVersion(townId: string): void {
  versions.forget(townId);
}
