import type supertest from 'supertest';
import type { Queryable } from '../../../src/db/pool.js';
import { urls } from '../../../src/routes.js';
import { csrfFrom } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent } from '../../helpers/fixtures.js';
import { createActivity, createFamilyWithChild, enrol } from '../reservations/helpers.js';

export interface Upload {
  content: Buffer;
  filename: string;
  contentType?: string;
}

/**
 * Changes close a year before each day: every day these tests name is past its deadline,
 * the case "Signaler une absence" is for. `TOWN_RULE` gives the town's own (Tarnos: 15 days).
 */
export const CLOSED_A_YEAR_AHEAD = { kind: 'days_before', days: 365, calendar: 'calendar' } as const;
export const TOWN_RULE = null;

/**
 * A family of its own (tests do not share days or requests): Léa, enrolled in a school
 * restaurant of Tarnos running on Mondays, Tuesdays, Thursdays and Fridays of school weeks
 * from 01/09/2026 to 02/07/2027, and a validated parent signed in on a fresh agent.
 */
export async function absenceFamily(
  t: { db: { pool: Queryable }; agent(): supertest.Agent },
  slug = 'tarnos',
  name = 'MARTINEZ',
  rule: typeof CLOSED_A_YEAR_AHEAD | null = CLOSED_A_YEAR_AHEAD,
) {
  const fam = await createFamilyWithChild(t.db.pool, slug, name, 'Léa');
  const activityName = `Restauration Scolaire ${Math.random().toString(36).slice(2, 6)}`;
  const activityId = await createActivity(t.db.pool, slug, { name: activityName, ...(rule ? { rule } : {}) });
  const enrolmentId = await enrol(t.db.pool, slug, activityId, fam.childId);
  const parent = await createParent(t.db.pool, slug, { familyId: fam.familyId, lastName: name });
  const agent = t.agent();
  const res = await signIn(agent, slug, parent.username, parent.password);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return { ...fam, slug, activityId, activityName, enrolmentId, parent, agent };
}

export const STEP1_DEFAULTS = { qualification: 'justificatif_absence', intitule: "Justificatif d'absence" };

/**
 * Step 1 as a browser posts it: same origin, the token first (read from the form unless
 * given; `null` sends none), the fields, the files last.
 */
export async function postStep1(
  agent: supertest.Agent,
  slug: string,
  childId: string,
  fields: Record<string, string | string[]>,
  files: Upload[] = [],
  token?: string | null,
) {
  const path = urls.absenceForm(slug, childId);
  const csrf = token === undefined ? csrfFrom((await agent.get(path)).text) : token;
  let req = agent.post(path).set('Sec-Fetch-Site', 'same-origin');
  if (csrf !== null) req = req.field('_csrf', csrf);
  for (const [k, v] of Object.entries({ ...STEP1_DEFAULTS, ...fields })) {
    for (const one of Array.isArray(v) ? v : [v]) req = req.field(k, one);
  }
  for (const f of files) req = req.attach('fichiers', f.content, { filename: f.filename, contentType: f.contentType ?? 'application/pdf' });
  return req;
}

/** The draft id at the end of step 1's redirect. */
export function draftIdFrom(location: string | undefined): string {
  const match = /\/mon-espace\/absences\/([0-9a-f-]{36})$/.exec(location ?? '');
  if (!match) throw new Error(`no draft in ${location}`);
  return match[1]!;
}

/** VALIDER on the recap, with the recap's token. */
export async function validate(agent: supertest.Agent, slug: string, draftId: string, token?: string) {
  const csrf = token ?? csrfFrom((await agent.get(urls.absenceRecap(slug, draftId))).text);
  return agent.post(urls.absenceValidate(slug, draftId)).type('form').send({ _csrf: csrf });
}

export async function count(db: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params);
  return rows[0]!.n;
}
