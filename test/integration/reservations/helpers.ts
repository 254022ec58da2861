import type supertest from 'supertest';
import type { Queryable } from '../../../src/db/pool.js';
import { csrfFrom } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import {
  createActivity as buildActivity,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  familyByKey,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';

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
  const family = await createFamily(db, slug, { name });
  const childId = await createChild(db, slug, family.id, { firstNames, lastName: name });
  return { familyId: family.id, childId, key: family.key };
}

export async function addChild(db: Queryable, slug: string, familyId: string, firstNames: string) {
  return createChild(db, slug, familyId, { firstNames, lastName: 'TEST' });
}

/** A test activity (Mon, Tue, Thu, Fri school meals by default) with the town's rules; `rule` sets both booking and cancellation. */
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
  const { rule, ...rest } = overrides;
  return buildActivity(db, slug, { ...rest, ...(rule === undefined ? {} : { bookingRule: rule, cancellationRule: rule }) });
}

export async function enrol(db: Queryable, slug: string, activityId: string, childId: string, from = '2026-09-01', to = '2027-07-02') {
  return createEnrolment(db, slug, { activityId, childId, startDate: from, endDate: to });
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
  const form = page(recap).all(`form[action="${path}/valider"]`);
  if (form.length !== 1) throw new Error('no VALIDER form in the recap');
  const key = form.find('input[name="cle"]').attr('value');
  if (!key) throw new Error('no idempotency key in the VALIDER form');
  return { path: `${path}/valider`, fields: { _csrf: csrfFrom(recap.text), cle: key }, recap };
}

/** A family with a child enrolled in the activity, and its parent signed in on its own agent. */
export interface EnrolledFamily {
  agent: supertest.Agent;
  childId: string;
  enrolmentId: string;
  familyId: string;
  email: string;
}

export async function enrolledFamily(
  db: Queryable,
  newAgent: () => supertest.Agent,
  slug: string,
  activityId: string,
  name: string,
): Promise<EnrolledFamily> {
  const f = await createFamilyWithChild(db, slug, name);
  const enrolmentId = await enrol(db, slug, activityId, f.childId);
  const parent = await createParent(db, slug, { familyId: f.familyId });
  const agent = newAgent();
  // Many families sign in from one test address: the per-address sign-in limit is not what is tested.
  await db.query('delete from rate_limits');
  const res = await signIn(agent, slug, parent.username, parent.password);
  if (res.status !== 303) throw new Error(`sign-in failed (${res.status})`);
  return { agent, childId: f.childId, enrolmentId, familyId: f.familyId, email: parent.email };
}
