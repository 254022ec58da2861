import type { Queryable } from '../../db/pool.js';
import { latestTextVersion } from '../../repositories/settings.repository.js';

/**
 * The current CGU version is read on every page of the parent's space: cached a few
 * seconds per town. Publishing a version calls `forgetCguVersion` so this process sees it
 * at once; other instances within CACHE_MS.
 */
const CACHE_MS = 5_000;
const cache = new Map<string, { version: number | undefined; until: number }>();

export async function currentCguVersionNumber(db: Queryable, townId: string): Promise<number | undefined> {
  const hit = cache.get(townId);
  if (hit && hit.until > Date.now()) return hit.version;
  const version = await latestTextVersion(db, townId, 'cgu');
  cache.set(townId, { version, until: Date.now() + CACHE_MS });
  return version;
}

export function forgetCguVersion(townId: string): void {
  cache.delete(townId);
}
