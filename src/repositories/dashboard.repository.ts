import type { Queryable } from '../db/pool.js';
import type { RequestStatus } from '../features/requests/request-state.js';
import type { ChildSummary, FamilyMemberAdult } from './family-members.repository.js';
import { PERSONAL_TYPES, type ParentScope } from './requests.repository.js';

/**
 * The dashboard in one query: it is the page a family opens most, so what the other pages
 * read in several round trips is read here at once (the family; the requests, unread
 * messages and pending email change). Same filters as the repositories the detail pages
 * use: town, family, and what the parent may see.
 */

export interface DashboardFamily {
  id: string;
  name: string;
  adults: FamilyMemberAdult[];
  children: ChildSummary[];
}

export interface DashboardActivity {
  requestCount: number;
  unread: number;
  latestRequests: { id: string; summary: string; status: RequestStatus; createdAt: string }[];
  pendingEmail: { email: string; expiresAt: string } | null;
}

/** The family (when `familyId` is given: a validated account's), and the account's requests, in one round trip. */
export async function dashboardPage(
  db: Queryable,
  townId: string,
  familyId: string | null,
  scope: ParentScope,
  now: Date,
): Promise<DashboardActivity & { family: DashboardFamily | null }> {
  const { rows } = await db.query<DashboardActivity & { family: DashboardFamily | null }>({
    // Prepared once per connection: the page a family opens most does not re-plan its query.
    name: 'dashboard-page',
    text: `with visible as (
       select r.id, r.summary, r.status, r.created_at from requests r
        where r.town_id = $1 and (r.account_id = $2 or (r.family_id = $3::uuid and r.type <> all($4::text[])))
     )
     select (select json_build_object('id', f.id, 'name', f.name, 'adults',
            coalesce((select json_agg(json_build_object('id', x.id, 'civility', x.civility, 'firstNames', x.first_names,
                                                        'lastName', x.last_name, 'hasAccount', x.has_account)
                                      order by x.has_account desc, x.created_at, x.id)
                        from (select a.id, a.civility, a.first_names, a.last_name, true as has_account, a.created_at
                                from accounts a
                               where a.town_id = $1 and a.family_id = f.id and a.disabled_at is null and a.validation_status = 'validated'
                              union all
                              select fa.id, fa.civility, fa.first_names, fa.last_name, false, fa.created_at
                                from family_adults fa
                               where fa.town_id = $1 and fa.family_id = f.id
                                 and not exists (select 1 from accounts a where a.id = fa.account_id and a.family_id = f.id
                                                   and a.disabled_at is null and a.validation_status = 'validated')) x), '[]'::json), 'children',
            coalesce((select json_agg(json_build_object('id', c.id, 'firstNames', c.first_names, 'lastName', c.last_name,
                                                        'birthDate', c.birth_date, 'school', c.school, 'className', c.class_name)
                                      order by c.birth_date nulls last, c.first_names, c.id)
                        from children c where c.town_id = $1 and c.family_id = f.id), '[]'::json))
               from families f where f.town_id = $1 and f.id = $6::uuid) as family,
            (select count(*)::int from visible) as "requestCount",
            (select count(*)::int from request_messages m join visible v on v.id = m.request_id
              where m.author_kind = 'agent' and m.read_at is null) as unread,
            coalesce((select json_agg(json_build_object('id', l.id, 'summary', l.summary, 'status', l.status, 'createdAt', l.created_at)
                                      order by l.created_at desc, l.id)
                        from (select * from visible order by created_at desc, id limit 3) l), '[]') as "latestRequests",
            (select json_build_object('email', t.payload, 'expiresAt', t.expires_at)
               from account_tokens t
               join accounts a on a.id = t.account_id and a.town_id = $1
              where t.account_id = $2 and t.purpose = 'email_change' and t.used_at is null and t.cancelled_at is null
                and t.expires_at > $5 and t.payload is not null
              order by t.created_at desc limit 1) as "pendingEmail"`,
    values: [townId, scope.accountId, scope.familyId, PERSONAL_TYPES, now, familyId],
  });
  return rows[0]!;
}
