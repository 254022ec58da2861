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
