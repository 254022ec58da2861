import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type supertest from 'supertest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import {
  createActivity,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createReservation,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { insertSchool } from '../../../src/repositories/school-sectors.repository.js';
import { postMultipart } from '../requests/helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';

const SLUG = 'tarnos';
const NOW = '2026-11-23T09:00:00Z';
const NEW = `/${SLUG}/agents/messages/nouveau`;
// A Thursday the activities run.
const DAY = '2026-12-03';

let t: TestApp;
let agent: SignedInAgent;
let otherAgent: SignedInAgent;
let activityX: string;
let activityY: string;
let activityZ: string;
let pins: string;
let otherTownActivity: string;
/** Family name → id. */
const families: Record<string, string> = {};
/** A's first parent, signed in; A has two parents with an account. */
let parentA: supertest.Agent;
let emailsA: string[];

async function family(
  slug: string,
  name: string,
  child: { school: string; className: string },
  bookings: { activityId: string; days: string[] }[],
): Promise<string> {
  const pool = t.db.pool;
  const f = await createFamily(pool, slug, { name });
  const childId = await createChild(pool, slug, f.id, { firstNames: `Enfant ${name}`, ...child });
  for (const b of bookings) {
    const enrolmentId = await createEnrolment(pool, slug, { activityId: b.activityId, childId });
    for (const day of b.days)
      await createReservation(pool, slug, { activityId: b.activityId, enrolmentId, childId, day, status: 'booked' });
  }
  families[name] = f.id;
  return f.id;
}

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  const pool = t.db.pool;
  const tarnos = (await town(pool, SLUG)).id;
  const villennes = (await town(pool, 'villennes')).id;
  activityX = await createActivity(pool, SLUG, { name: 'Cantine Nord', site: 'Site Nord' });
  activityY = await createActivity(pool, SLUG, { name: 'Garderie Nord', site: 'Site Nord' });
  activityZ = await createActivity(pool, SLUG, { name: 'Cantine Sud', site: 'Site Sud' });
  otherTownActivity = await createActivity(pool, 'villennes', { name: 'Cantine', site: 'Site Nord' });
  pins = (await insertSchool(pool, tarnos, { name: 'École des Pins', kind: 'elementaire', address: '' }))!;
  await insertSchool(pool, tarnos, { name: 'École du Port', kind: 'elementaire', address: '' });
  await insertSchool(pool, villennes, { name: 'École des Pins', kind: 'elementaire', address: '' });
  const a = await family(SLUG, 'ALPHA', { school: 'École des Pins', className: 'CP' }, [{ activityId: activityX, days: [DAY] }]);
  await family(SLUG, 'BRAVO', { school: 'École du Port', className: 'CE1' }, [{ activityId: activityX, days: ['2026-12-04'] }]);
  await family(SLUG, 'CHARLIE', { school: 'École des Pins', className: 'CE2' }, [{ activityId: activityY, days: [DAY] }]);
  await family(SLUG, 'DELTA', { school: 'École du Port', className: 'CP' }, [{ activityId: activityZ, days: [DAY] }]);
  // Another town: same school name, same site name, booked the same day.
  await family('villennes', 'ECHO', { school: 'École des Pins', className: 'CP' }, [{ activityId: otherTownActivity, days: [DAY] }]);
  const p1 = await createParent(pool, SLUG, { familyId: a, lastName: 'Alpha' });
  const p2 = await createParent(pool, SLUG, { familyId: a, lastName: 'Alpha', civility: 'Mme' });
  emailsA = [p1.email, p2.email].sort();
  parentA = t.agent();
  expect((await signIn(parentA, SLUG, p1.username, p1.password)).status).toBe(303);
  agent = await signedIn(t, SLUG, 'agent');
  otherAgent = await signedIn(t, 'villennes', 'agent');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set(NOW);
});

const base = { genre: 'activite', quand: 'jour', jour: '03/12/2026', objet: 'Grève du jeudi 3', texte: 'La cantine sera fermée.' };

/** The families listed by the preview, by name. */
async function preview(fields: Record<string, string>): Promise<string[]> {
  const res = await post(agent, NEW, { ...base, ...fields, action: 'apercu' });
  expect(res.status).toBe(200);
  return page(res)
    .texts('.recipient-list li')
    .map((l) => l.split(' — ')[0]!)
    .sort();
}

describe('the recipients of a group message', () => {
  it('are the families booked that day at an activity, or enrolled in it over a period', async () => {
    expect(await preview({ cible: `activite:${activityX}` })).toEqual(['ALPHA']);
    expect(await preview({ cible: `activite:${activityX}`, quand: 'periode', du: '01/12/2026', au: '31/12/2026' })).toEqual([
      'ALPHA',
      'BRAVO',
    ]);
  });

  it('are the families booked that day at any activity of a site, never another town’s', async () => {
    expect(await preview({ genre: 'site', cible: 'site:Site Nord' })).toEqual(['ALPHA', 'CHARLIE']);
    expect(await preview({ genre: 'site', cible: 'site:Site Sud' })).toEqual(['DELTA']);
  });

  it('are the families of a school’s or a class’s pupils, never another town’s school of the same name', async () => {
    expect(await preview({ genre: 'ecole', cible: `ecole:${pins}` })).toEqual(['ALPHA', 'CHARLIE']);
    expect(await preview({ genre: 'classe', cible: `classe:${pins}:CP` })).toEqual(['ALPHA']);
  });
});

describe('the form', () => {
  it('refuses a missing target, an empty subject or body, a period ending before it starts, with a message by field', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ cible: '' }, 'cible', 'Choisissez dans la liste l’activité, le site, l’école ou la classe'],
      [{ cible: `activite:${activityX}`, objet: ' ' }, 'objet', 'Saisissez l’objet du message'],
      [{ cible: `activite:${activityX}`, texte: '' }, 'texte', 'Saisissez le texte du message'],
      [
        { cible: `activite:${activityX}`, quand: 'periode', du: '10/12/2026', au: '01/12/2026' },
        'au',
        'Le dernier jour doit être le même que le premier ou après',
      ],
      [
        { cible: `activite:${activityX}`, jour: '31/02/2026' },
        'jour',
        'Saisissez le jour concerné au format JJ/MM/AAAA, par exemple 12/03/2026',
      ],
      [{ cible: `ecole:${pins}` }, 'cible', 'Choisissez dans la liste l’activité, le site, l’école ou la classe'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await post(agent, NEW, { ...base, ...fields, action: 'envoyer', vu: '1' });
      expect(res.status).toBe(400);
      expect(page(res).errorSummary()).toContainEqual({ field, message });
      expect(page(res).title()).toMatch(/^Erreur : /);
    }
    expect((await t.db.pool.query('select count(*)::int as n from group_messages')).rows[0].n).toBe(0);
  });

  it('refuses another town’s activity as a target, and a post without the CSRF token', async () => {
    const res = await post(agent, NEW, { ...base, cible: `activite:${otherTownActivity}`, action: 'envoyer', vu: '1' });
    expect(res.status).toBe(400);
    expect(
      page(res)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['cible']);
    const noToken = await agent.agent
      .post(NEW)
      .type('form')
      .send({ ...base, cible: `activite:${activityX}`, action: 'envoyer', vu: '1' });
    expect(noToken.status).toBe(403);
    expect((await t.db.pool.query('select count(*)::int as n from group_messages')).rows[0].n).toBe(0);
  });

  it('shows the new list instead of sending when it is not the number previewed', async () => {
    const res = await post(agent, NEW, { ...base, cible: `activite:${activityX}`, action: 'envoyer', vu: '2' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('La liste des familles a changé');
    expect((await t.db.pool.query('select count(*)::int as n from group_messages')).rows[0].n).toBe(0);
  });
});

describe('sending', () => {
  let messageId: string;

  it('writes to each family in its exchanges, mails each parent’s account once, and audits it', async () => {
    const res = await post(agent, NEW, { ...base, genre: 'ecole', cible: `ecole:${pins}`, action: 'envoyer', vu: '2' });
    expect(res.status).toBe(303);
    messageId = /\/agents\/messages\/([0-9a-f-]{36})$/.exec(res.headers.location ?? '')![1]!;
    const show = await agent.agent.get(res.headers.location!);
    expect(show.status).toBe(200);
    expect(show.text).toContain('Grève du jeudi 3');
    expect(page(show).texts('tbody th')).toEqual(['ALPHA', 'CHARLIE']);
    // ALPHA: two parents with an account, one mail each; CHARLIE: no account, no mail.
    const mails = await t.db.pool.query<{ to_address: string }>(
      `select m.to_address from mail_outbox m where m.subject = 'Grève du jeudi 3' order by m.to_address`,
    );
    expect(mails.rows.map((r) => r.to_address)).toEqual(emailsA);
    const requests = await t.db.pool.query(`select family_id, status, type from requests where type = 'town_message' order by family_id`);
    expect(requests.rows).toHaveLength(2);
    expect(requests.rows.every((r) => r.status === 'complement_requested')).toBe(true);
    const rows = await auditRows(t, agent.id, 'group_message.send');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toMatchObject({ families: 2, mails: 2 });
    const list = await agent.agent.get(`/${SLUG}/agents/messages`);
    expect(list.text).toContain('Grève du jeudi 3');
    expect(page(list).texts('tbody td')).toContain('2');
  });

  it('is read by the parent in Échanges à lire, whose reply reaches the agents’ queue', async () => {
    const inbox = await parentA.get(`/${SLUG}/mon-espace/echanges`);
    expect(inbox.text).toContain('1 message non lu');
    expect(inbox.text).toContain('La cantine sera fermée.');
    const { rows } = await t.db.pool.query<{ id: string }>(`select id from requests where type = 'town_message' and family_id = $1`, [
      families.ALPHA,
    ]);
    const requestId = rows[0]!.id;
    const pagePath = `/${SLUG}/mon-espace/demandes/${requestId}`;
    const thread = await parentA.get(pagePath);
    expect(thread.status).toBe(200);
    expect(page(thread).texts('h2')).toContain('Message de la commune');
    expect(thread.text).not.toContain("besoin d'un complément");
    const reply = await postMultipart(parentA, pagePath, `${pagePath}/messages`, { message: 'Merci, je viendrai le chercher.' });
    expect(reply.status).toBe(303);
    const queue = await agent.agent.get(`/${SLUG}/agents/demandes`);
    expect(queue.text).toContain('Message de la commune : Grève du jeudi 3');
    const status = await t.db.pool.query(`select status from requests where id = $1`, [requestId]);
    expect(status.rows[0].status).toBe('in_progress');
    const detail = await agent.agent.get(`/${SLUG}/agents/demandes/${requestId}`);
    expect(detail.text).toContain('Merci, je viendrai le chercher.');
    expect(detail.text).toContain('Clore l’échange');
    const show = await agent.agent.get(`/${SLUG}/agents/messages/${messageId}`);
    expect(show.text).toContain('Lu le');
  });

  it('answers 404 to another town’s agent and to a malformed id', async () => {
    expect((await otherAgent.agent.get(`/villennes/agents/messages/${messageId}`)).status).toBe(404);
    expect((await otherAgent.agent.get(`/villennes/agents/messages`)).text).not.toContain('Grève du jeudi 3');
    expect((await agent.agent.get(`/${SLUG}/agents/messages/pas-un-id`)).status).toBe(404);
  });
});
