import type supertest from 'supertest';
import type { Queryable } from '../../../src/db/pool.js';
import { csrfFrom } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, familyByKey, town } from '../../helpers/fixtures.js';

/** A demo family's child and its enrolment in an activity (demo data: MARTIN1 has Léa and Hugo). */
export async function demoEnrolment(db: Queryable, slug: string, familyKey: string, firstNames: string, activityName: string) {
  const t = await town(db, slug);
  const { rows } = await db.query<{ childId: string; enrolmentId: string; activityId: string; familyId: string }>(
    `select c.id as "childId", e.id as "enrolmentId", a.id as "activityId", f.id as "familyId"
       from children c join families f on f.id = c.family_id
       join enrolments e on e.child_id = c.id join activities a on a.id = e.activity_id
      where c.town_id = $1 and f.cle_enfance = $2 and c.first_names = $3 and a.name = $4`,
    [t.id, familyKey, firstNames, activityName],
  );
  if (!rows[0]) throw new Error(`no enrolment of ${firstNames} in ${activityName}`);
  return { ...rows[0], town: t };
}

/** A validated parent of the family, signed in on `agent`. */
export async function signedInParent(db: Queryable, agent: supertest.Agent, slug: string, familyKey: string) {
  const family = await familyByKey(db, slug, familyKey);
  const parent = await createParent(db, slug, { familyId: family.id });
  const res = await signIn(agent, slug, parent.username, parent.password);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return parent;
}

/** Posts a form the way a browser does, with the page's CSRF token. */
export async function postForm(agent: supertest.Agent, pagePath: string, action: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(pagePath);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

/** A new family file with one child, in a demo town. */
export async function createFamilyWithChild(db: Queryable, slug: string, name: string, firstNames = 'Emma') {
  const t = await town(db, slug);
  const key = `T${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const { rows } = await db.query<{ id: string }>(`insert into families (town_id, cle_enfance, name) values ($1, $2, $3) returning id`, [
    t.id,
    key,
    name,
  ]);
  const familyId = rows[0]!.id;
  const child = await db.query<{ id: string }>(
    `insert into children (town_id, family_id, first_names, last_name) values ($1, $2, $3, $4) returning id`,
    [t.id, familyId, firstNames, name],
  );
  return { familyId, childId: child.rows[0]!.id, key };
}

export async function addChild(db: Queryable, slug: string, familyId: string, firstNames: string) {
  const t = await town(db, slug);
  const { rows } = await db.query<{ id: string }>(
    `insert into children (town_id, family_id, first_names, last_name) values ($1, $2, $3, 'TEST') returning id`,
    [t.id, familyId, firstNames],
  );
  return rows[0]!.id;
}

/** A test activity (Mon, Tue, Thu, Fri school meals by default) with the town's rules. */
export async function createActivity(
  db: Queryable,
  slug: string,
  overrides: Partial<{
    name: string;
    capacity: number | null;
    confirmation: 'immediate' | 'agent';
    weekdays: number[];
    rule: unknown;
  }> = {},
) {
  const t = await town(db, slug);
  const { rows } = await db.query<{ id: string }>(
    `insert into activities (town_id, name, site, unit, start_date, end_date, weekdays, capacity, booking_rule, cancellation_rule, confirmation)
     values ($1, $2, 'Site test', 'Repas', '2026-09-01', '2027-07-02', $3, $4, $5, $5, $6) returning id`,
    [
      t.id,
      overrides.name ?? `Activité ${Math.random().toString(36).slice(2, 8)}`,
      overrides.weekdays ?? [1, 2, 4, 5],
      overrides.capacity === undefined ? null : overrides.capacity,
      overrides.rule ?? null,
      overrides.confirmation ?? 'immediate',
    ],
  );
  return rows[0]!.id;
}

export async function enrol(db: Queryable, slug: string, activityId: string, childId: string, from = '2026-09-01', to = '2027-07-02') {
  const t = await town(db, slug);
  const { rows } = await db.query<{ id: string }>(
    `insert into enrolments (town_id, activity_id, child_id, start_date, end_date) values ($1, $2, $3, $4, $5) returning id`,
    [t.id, activityId, childId, from, to],
  );
  return rows[0]!.id;
}

export const gridPath = (slug: string, childId: string, enrolmentId: string) =>
  `/${slug}/mon-espace/enfants/${childId}/reservations/${enrolmentId}`;

/**
 * Ticks `days` in the grid and opens the recap, as a parent would; returns the VALIDER
 * form's fields so the test decides when (and how many times) to post it.
 */
export async function prepareBooking(
  agent: supertest.Agent,
  slug: string,
  childId: string,
  enrolmentId: string,
  days: string[],
  untick: string[] = [],
) {
  const path = gridPath(slug, childId, enrolmentId);
  const grid = await agent.get(`${path}?mois=${(days[0] ?? untick[0])!.slice(0, 7)}`);
  if (grid.status !== 200) throw new Error(`grid answered ${grid.status}`);
  const post = await agent
    .post(path)
    .type('form')
    .send({
      _csrf: csrfFrom(grid.text),
      vue: `mois:${(days[0] ?? untick[0])!.slice(0, 7)}`,
      affiches: [...days, ...untick],
      jours: days,
      action: 'recapitulatif',
    });
  if (post.status !== 303) throw new Error(`grid post answered ${post.status}`);
  const recap = await agent.get(`${path}/recapitulatif`);
  const key = /name="cle" value="([^"]+)"/.exec(recap.text)?.[1];
  if (!key) throw new Error('no VALIDER form in the recap');
  return { path: `${path}/valider`, fields: { _csrf: csrfFrom(recap.text), cle: key }, recap };
}
