import type supertest from 'supertest';
import type { Queryable } from '../../../src/db/pool.js';
import type { NewAccount } from '../../../src/repositories/accounts.repository.js';
import type { ChildFields } from '../../../src/repositories/family-files.repository.js';
import { csrfFrom } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createChild, createFamily as buildFamily, createParent, town } from '../../helpers/fixtures.js';

/** What a test says about the family's parent and child, beyond the defaults. */
export interface FamilyOverrides {
  parent?: Partial<NewAccount>;
  child?: Partial<ChildFields>;
}

/** A new family file with one child, and a validated parent of it. */
export async function createFamily(db: Queryable, slug: string, name: string, firstNames = 'Emma', child: Partial<ChildFields> = {}) {
  const t = await town(db, slug);
  const family = await buildFamily(db, slug, { name });
  const childId = await createChild(db, slug, family.id, {
    firstNames,
    lastName: name,
    birthDate: '2018-05-04',
    school: 'École du Centre',
    className: 'CP',
    ...child,
  });
  return { familyId: family.id, childId, key: family.key, townId: t.id };
}

/** A family with a signed-in parent (Monsieur <name>). */
export async function signedInFamily(
  db: Queryable,
  agent: supertest.Agent,
  slug: string,
  name: string,
  firstNames = 'Emma',
  overrides: FamilyOverrides = {},
) {
  const family = await createFamily(db, slug, name, firstNames, overrides.child);
  const parent = await createParent(db, slug, { familyId: family.familyId, lastName: name, ...overrides.parent });
  const res = await signIn(agent, slug, parent.username, parent.password);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return { ...family, parent };
}

/** A signed-in agent of the town. */
export async function signedInAgent(db: Queryable, agent: supertest.Agent, slug: string) {
  const a = await createAgentFixture(db, slug);
  const res = await signInAgent(agent, slug, a.username, a.password);
  if (res.status !== 303) throw new Error(`agent sign-in failed: ${res.status}`);
  return a;
}

/** Posts a form the way a browser does, with the page's CSRF token. */
export async function postForm(agent: supertest.Agent, pagePath: string, action: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(pagePath);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

/** Posts a multipart form (a message with files) as the browser does: same origin, token first, files last. */
export async function postMultipart(
  agent: supertest.Agent,
  pagePath: string,
  action: string,
  fields: Record<string, string>,
  files: { name: string; content: Buffer }[] = [],
  token?: string,
) {
  const csrf = token ?? csrfFrom((await agent.get(pagePath)).text);
  let req = agent.post(action).set('Sec-Fetch-Site', 'same-origin').field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const f of files) req = req.attach('fichiers', f.content, f.name);
  return req;
}

/** The id at the end of a redirect to a request's page. */
export function requestIdFrom(location: string | undefined): string {
  const match = /\/demandes\/([0-9a-f-]{36})/.exec(location ?? '');
  if (!match) throw new Error(`no request id in ${location}`);
  return match[1]!;
}

export async function requestRow(db: Queryable, id: string) {
  const { rows } = await db.query(`select * from requests where id = $1`, [id]);
  return rows[0];
}

/** The child-member form, filled in. */
export const NEW_CHILD = {
  prenoms: 'Lucas',
  nom: 'MARTIN',
  dateNaissanceJour: '12',
  dateNaissanceMois: '3',
  dateNaissanceAnnee: '2021',
  ecole: 'École du Centre',
  classe: 'Petite section',
  message: 'Né en mars.',
};
