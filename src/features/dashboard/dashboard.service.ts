import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { pendingEmailChange } from '../../repositories/account-contact.repository.js';
import { findFamily, type Family } from '../../repositories/families.repository.js';
import {
  listFamilyAdults,
  listFamilyChildren,
  type ChildSummary,
  type FamilyMemberAdult,
} from '../../repositories/family-members.repository.js';
import { countUnreadForParent, listRequestsForParent, type ParentRequestListRow } from '../../repositories/requests.repository.js';
import { listPublishedNews, type NewsItem } from '../../repositories/towns.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { scopeOf } from '../requests/requests.service.js';

/**
 * The family opens only to an account the services validated and linked to a family file
 * (a Clé Enfance, an agent's activation, a Création rapide); the pages say why otherwise.
 */
export function familyOpen(account: Pick<Account, 'validationStatus' | 'familyId'>): boolean {
  return account.validationStatus === 'validated' && account.familyId !== null;
}

export interface Dashboard {
  familyOpen: boolean;
  family: Family | undefined;
  adults: FamilyMemberAdult[];
  children: ChildSummary[];
  latestRequests: ParentRequestListRow[];
  requestCount: number;
  unread: number;
  news: NewsItem[];
  pendingEmail: { email: string; expiresAt: Date } | undefined;
}

/** Everything the dashboard shows, read in parallel (one round trip's worth of latency). */
export async function dashboard(db: pg.Pool, clock: Clock, town: Town, account: Account): Promise<Dashboard> {
  const open = familyOpen(account);
  const scope = scopeOf(account);
  const [family, adults, children, latest, unread, news, pendingEmail] = await Promise.all([
    open ? findFamily(db, town.id, account.familyId!) : undefined,
    open ? listFamilyAdults(db, town.id, account.familyId!) : [],
    open ? listFamilyChildren(db, town.id, account.familyId!) : [],
    listRequestsForParent(db, town.id, scope, 3),
    countUnreadForParent(db, town.id, scope),
    listPublishedNews(db, town.id, 3),
    pendingEmailChange(db, town.id, account.id, clock.now()),
  ]);
  return {
    familyOpen: open,
    family,
    adults,
    children,
    latestRequests: latest.rows,
    requestCount: latest.total,
    unread,
    news,
    pendingEmail,
  };
}
