import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';
import { ttlCache } from '../../lib/ttl-cache.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { dashboardPage, type DashboardActivity, type DashboardFamily } from '../../repositories/dashboard.repository.js';
import { listPublishedNews, type NewsItem, type Town } from '../../repositories/towns.repository.js';
import { scopeOf } from '../requests/requests.service.js';

/**
 * The family opens only to an account the services validated and linked to a family file
 * (a Clé Enfance, an agent's activation, a Création rapide); the pages say why otherwise.
 */
export function familyOpen(account: Pick<Account, 'validationStatus' | 'familyId'>): boolean {
  return account.validationStatus === 'validated' && account.familyId !== null;
}

/**
 * News change a few times a week and every dashboard shows them: in production each process
 * keeps a town's latest news this long, as the town home does (docs/performance.md). A
 * published item shows up within these seconds; elsewhere they are read every time.
 */
const NEWS_CACHE_MS = 5_000;
const newsCache = ttlCache<NewsItem[]>(NEWS_CACHE_MS);

/** A parent of a family file also sees the items for every signed-in family (issue 17). */
function latestNews(db: pg.Pool, townId: string, audience: 'public' | 'families', cache: boolean): Promise<NewsItem[]> {
  if (!cache) return listPublishedNews(db, townId, 3, audience);
  return newsCache.get(`${townId}:${audience}`, () => listPublishedNews(db, townId, 3, audience));
}

export interface Dashboard extends DashboardActivity {
  familyOpen: boolean;
  family: DashboardFamily | undefined;
  adults: DashboardFamily['adults'];
  children: DashboardFamily['children'];
  news: NewsItem[];
}

/** Everything the dashboard shows: one query (and the news, cached in production, alongside). */
export async function dashboard(db: pg.Pool, clock: Clock, town: Town, account: Account, cacheNews: boolean): Promise<Dashboard> {
  const open = familyOpen(account);
  const [{ family: found, ...activity }, news] = await Promise.all([
    dashboardPage(db, town.id, open ? account.familyId : null, scopeOf(account), clock.now()),
    latestNews(db, town.id, account.familyId ? 'families' : 'public', cacheNews),
  ]);
  const family = found ?? undefined;
  return { ...activity, familyOpen: open, family, adults: family?.adults ?? [], children: family?.children ?? [], news };
}
