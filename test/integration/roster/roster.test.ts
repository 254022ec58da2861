import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import {
  createAbsenceDays,
  createActivity,
  createAgentFixture,
  createChild,
  createCrowd,
  createEnrolment,
  createFamily,
  createRequest,
  createReservation,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { pdfUnicodeText } from '../../helpers/pdf.js';
import { urls } from '../../../src/routes.js';

// Monday 23 November 2026, 10:00 in Paris.
const NOW = '2026-11-23T09:00:00Z';
/** A Thursday of a school week, before today: attendance can be recorded. */
const DAY = '2026-11-19';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

/** A signed-in agent of Tarnos, with the health right or not. */
async function signedInAgent(health: boolean, role: 'agent' | 'admin' = 'agent', slug = 'tarnos') {
  const a = await createAgentFixture(t.db.pool, slug, role);
  if (health) await t.db.pool.query('update agents set health_access = true where id = $1', [a.id]);
  const agent = t.agent();
  await signInAgent(agent, slug, a.username, a.password);
  return { agent, id: a.id };
}

async function child(activityId: string, lastName: string, status: 'booked' | 'waiting' | null, day = DAY) {
  const family = await createFamily(t.db.pool, 'tarnos', { name: lastName });
  const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames: 'Zoé', lastName });
  const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId });
  if (status) await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId, day, status });
  return { familyId: family.id, childId, enrolmentId };
}

/**
 * A site's day: LEA booked with a PAI, allergies, a person allowed to collect her and the
 * photo authorisation; ECHO waiting; ABEL booked and reported absent. OUTSIDE is booked the
 * same day at another site, LATER at this site another day.
 */
async function siteDay() {
  const site = `École ${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const activityId = await createActivity(t.db.pool, 'tarnos', { site, name: `Cantine ${site}` });
  const otherId = await createActivity(t.db.pool, 'tarnos', { site: `${site} bis` });
  const lea = await child(activityId, 'LEA', 'booked');
  const echo = await child(activityId, 'ECHO', 'waiting');
  const abel = await child(activityId, 'ABEL', 'booked');
  await child(otherId, 'OUTSIDE', 'booked');
  await child(activityId, 'LATER', 'booked', '2026-11-20');
  const tarnos = await town(t.db.pool, 'tarnos');
  await t.db.pool.query(
    `update children set pai = true, pai_allergens = 'arachide', allergies = 'pollen', photo_consent = true where id = $1`,
    [lea.childId],
  );
  await t.db.pool.query(
    `insert into child_authorised_persons (town_id, child_id, position, full_name, relationship, phone)
     values ($1, $2, 1, 'Jeanne MAMIE', 'grand-mère', '0601020304')`,
    [tarnos.id, lea.childId],
  );
  const requestId = await createRequest(t.db.pool, 'tarnos', {
    familyId: abel.familyId,
    childId: abel.childId,
    type: 'absence',
    status: 'sent',
    summary: 'Absence : ABEL',
  });
  await createAbsenceDays(t.db.pool, 'tarnos', {
    requestId,
    childId: abel.childId,
    days: [{ activityId, enrolmentId: abel.enrolmentId, day: DAY, wasReserved: true }],
  });
  const path = urls.agentRoster('tarnos', { jour: DAY, site });
  return { site, activityId, lea, echo, abel, path };
}

async function healthViews(agentId: string) {
  const { rows } = await t.db.pool.query<{ details: Record<string, unknown> }>(
    `select details from audit_log where action = 'roster.health_view' and agent_id = $1 order by created_at`,
    [agentId],
  );
  return rows.map((r) => r.details);
}

describe('the day’s roster of a site', () => {
  it('lists the booked, waiting and absent children of that day and site only, without health for an agent without the right', async () => {
    const d = await siteDay();
    const { agent, id } = await signedInAgent(false);
    const res = await agent.get(d.path);
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe(`Liste du jeudi 19 novembre 2026 – ${d.site}`);
    const names = p.rows().map((r) => r.header);
    expect(names.some((n) => n.startsWith('LEA Zoé'))).toBe(true);
    expect(names.some((n) => n.startsWith('ECHO Zoé') && n.includes("Liste d'attente, rang 1"))).toBe(true);
    expect(names.some((n) => n.startsWith('ABEL Zoé') && n.includes('Absence signalée'))).toBe(true);
    expect(p.text()).not.toContain('OUTSIDE');
    expect(p.text()).not.toContain('LATER');
    const lea = p.rows().find((r) => r.header.startsWith('LEA'))!;
    expect(lea.cells.join(' | ')).toContain('Jeanne MAMIE (grand-mère) 0601020304');
    expect(lea.cells.join(' | ')).toContain('Autorisées');
    expect(res.text).not.toContain('arachide');
    expect(res.text).not.toContain('pollen');
    expect(p.text()).toContain('Les informations de santé (PAI et allergènes, allergies, notes de santé) ne sont pas affichées');
    expect(await healthViews(id)).toEqual([]);
  });

  it('shows the health column to an agent with the right, and audits each opening', async () => {
    const d = await siteDay();
    const { agent, id } = await signedInAgent(true);
    const res = await agent.get(d.path);
    expect(res.status).toBe(200);
    const lea = page(res)
      .rows()
      .find((r) => r.header.startsWith('LEA'))!;
    expect(lea.cells.join(' | ')).toContain('PAI : arachide');
    expect(lea.cells.join(' | ')).toContain('Allergies : pollen');
    expect(page(res).text()).not.toContain('ne sont pas affichées');
    expect(await healthViews(id)).toEqual([{ day: DAY, site: d.site }]);
    await agent.get(d.path);
    expect(await healthViews(id)).toHaveLength(2);
  });

  it('is the 404 for another town’s agent and for anyone signed out', async () => {
    await siteDay();
    const { agent } = await signedInAgent(true, 'agent', 'bayeux');
    expect((await agent.get(`/tarnos/agents/listes?jour=${DAY}`)).status).toBe(404);
    expect((await agent.get(`/tarnos/agents/listes/liste.pdf?jour=${DAY}`)).status).toBe(404);
    expect((await t.agent().get(`/tarnos/agents/listes?jour=${DAY}`)).status).toBe(404);
  });

  it('records attendance ticked from the roster and comes back to it; refuses a form without its CSRF token', async () => {
    const d = await siteDay();
    const { agent } = await signedInAgent(false);
    const roster = await agent.get(d.path);
    const action = `/tarnos/agents/activites/${d.activityId}/jours/${DAY}/presences`;
    expect(roster.text).toContain(`action="${action}"`);

    const refused = await agent.post(action).type('form').send({ presents: d.lea.childId, retour: 'liste' });
    expect(refused.status).toBe(403);

    const res = await agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(roster.text), presents: d.lea.childId, sansReservation: d.echo.childId, retour: 'liste' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${d.path}#activite-${d.activityId}`);
    const { rows } = await t.db.pool.query<{ child_id: string; present: boolean; reserved: boolean }>(
      `select child_id, present, reserved from attendance where activity_id = $1`,
      [d.activityId],
    );
    const byChild = new Map(rows.map((r) => [r.child_id, r]));
    expect(byChild.get(d.lea.childId)).toMatchObject({ present: true, reserved: true });
    expect(byChild.get(d.abel.childId)).toMatchObject({ present: false, reserved: true });
    expect(byChild.get(d.echo.childId)).toMatchObject({ present: true, reserved: false });

    const after = page(await agent.get(d.path));
    expect(after.text()).toContain('La feuille de présence du jeudi 19 novembre est enregistrée');
    expect(after.text()).toMatch(/Feuille enregistrée le .* : 2 présents, 1 absent\./);
  });

  it('gives the roster as a PDF, with the PAI for an agent with the right only', async () => {
    const d = await siteDay();
    const pdfPath = urls.agentRosterPdf('tarnos', { jour: DAY, site: d.site });
    const withRight = await signedInAgent(true);
    const res = await withRight.agent.get(pdfPath).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const body = res.body as Buffer;
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfUnicodeText(body);
    expect(text).toContain('LEA Zoé');
    expect(text).toContain('PAI : arachide');
    expect(await healthViews(withRight.id)).toHaveLength(1);

    const without = await signedInAgent(false);
    const plain = pdfUnicodeText((await without.agent.get(pdfPath).buffer(true)).body as Buffer);
    expect(plain).toContain('LEA Zoé');
    expect(plain).not.toContain('arachide');
    expect(await healthViews(without.id)).toEqual([]);
  });
});

describe('the health right on the team page', () => {
  it('is given and taken away by an admin, audited, refused without CSRF, the 404 for an agent and another town', async () => {
    const admin = await signedInAgent(false, 'admin');
    const member = await createAgentFixture(t.db.pool, 'tarnos');
    const team = await admin.agent.get('/tarnos/agents/equipe');
    expect(team.status).toBe(200);
    const action = `/tarnos/agents/equipe/${member.id}/sante`;
    expect(team.text).toContain(`action="${action}"`);

    expect((await admin.agent.post(action).type('form').send({ autoriser: 'oui' })).status).toBe(403);

    const res = await admin.agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(team.text), autoriser: 'oui' });
    expect(res.status).toBe(303);
    const right = async () =>
      (await t.db.pool.query<{ health_access: boolean }>('select health_access from agents where id = $1', [member.id])).rows[0]!
        .health_access;
    expect(await right()).toBe(true);
    const list = page(await admin.agent.get('/tarnos/agents/equipe'));
    expect(list.text()).toContain('Cet agent peut voir les informations de santé des listes du jour.');

    const off = await admin.agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(team.text), autoriser: 'non' });
    expect(off.status).toBe(303);
    expect(await right()).toBe(false);
    const { rows } = await t.db.pool.query<{ action: string }>(
      `select action from audit_log where target_id = $1 and action like 'agent.health%' order by created_at`,
      [member.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['agent.health_allow', 'agent.health_disallow']);

    const plain = await signedInAgent(false);
    const csrf = csrfFrom((await plain.agent.get('/tarnos/agents')).text);
    expect((await plain.agent.post(action).type('form').send({ _csrf: csrf, autoriser: 'oui' })).status).toBe(404);

    const bayeux = await signedInAgent(false, 'admin', 'bayeux');
    const bayeuxCsrf = csrfFrom((await bayeux.agent.get('/bayeux/agents/equipe')).text);
    const across = await bayeux.agent
      .post(`/bayeux/agents/equipe/${member.id}/sante`)
      .type('form')
      .send({ _csrf: bayeuxCsrf, autoriser: 'oui' });
    expect(across.status).toBe(404);
    expect(await right()).toBe(false);
  });
});

describe('the roster of one class', () => {
  const SCHOOL = 'École des Pins';
  /** A site's day of two classes: MARIE and NOAH booked in CM1 A, OSCAR waiting in CM1 A, PAUL booked in CM2 B. */
  async function classDay() {
    const site = `Groupe ${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, name: `Cantine ${site}` });
    const inClass = async (lastName: string, className: string, status: 'booked' | 'waiting') => {
      const family = await createFamily(t.db.pool, 'tarnos', { name: lastName });
      const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames: 'Zoé', lastName, school: SCHOOL, className });
      const enrolmentId = await createEnrolment(t.db.pool, 'tarnos', { activityId, childId });
      await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId, day: DAY, status });
      return childId;
    };
    const marie = await inClass('MARIE', 'CM1 A', 'booked');
    const noah = await inClass('NOAH', 'CM1 A', 'booked');
    const oscar = await inClass('OSCAR', 'CM1 A', 'waiting');
    const paul = await inClass('PAUL', 'CM2 B', 'booked');
    const cm1 = { school: SCHOOL, className: 'CM1 A' };
    return { site, activityId, marie, noah, oscar, paul, cm1, path: urls.agentRoster('tarnos', { jour: DAY, site }, cm1) };
  }

  it('offers the site’s classes, lists one class only, and keeps it from day to day and in the PDF', async () => {
    const d = await classDay();
    const { agent, id } = await signedInAgent(true);
    const whole = page(await agent.get(urls.agentRoster('tarnos', { jour: DAY, site: d.site })));
    expect(whole.texts('.roster-class-list li').map((x) => x.replace(/\s+/g, ' '))).toEqual([
      'École des Pins – CM1 A (3 enfants)',
      'École des Pins – CM2 B (1 enfant)',
    ]);
    // A small day: the classes are offered, folded; the whole list is shown.
    expect(whole.has('details.roster-classes[open]')).toBe(false);
    expect(whole.text('table')).toContain('PAUL Zoé');

    const res = await agent.get(d.path);
    expect(res.status).toBe(200);
    const one = page(res);
    expect(one.heading()).toContain('École des Pins – CM1 A');
    const names = one.texts('.roster-table tbody th').map((x) => x.split('(')[0]!.trim());
    expect(names).toEqual(['MARIE Zoé', 'NOAH Zoé', 'OSCAR Zoé']);
    expect(one.hidden('ecole')).toBe(SCHOOL);
    expect(one.hidden('classe')).toBe('CM1 A');
    expect(one.attrs('.roster-class-list a[aria-current="page"]', 'href')).toEqual([d.path]);
    expect(one.links().find((l) => l.text === 'Jour suivant')?.href).toBe(
      urls.agentRoster('tarnos', { jour: '2026-11-20', site: d.site }, d.cm1),
    );
    expect(one.links().find((l) => l.text === 'Toutes les classes du site')?.href).toBe(
      urls.agentRoster('tarnos', { jour: DAY, site: d.site }),
    );
    // Health seen for that class: the audit says which.
    expect((await healthViews(id)).at(-1)).toEqual({ day: DAY, site: d.site, school: SCHOOL, className: 'CM1 A' });

    const pdf = pdfUnicodeText(
      (await agent.get(urls.agentRosterPdf('tarnos', { jour: DAY, site: d.site }, d.cm1)).buffer(true)).body as Buffer,
    );
    expect(pdf).toContain('École des Pins – CM1 A');
    expect(pdf).toContain('NOAH Zoé');
    expect(pdf).not.toContain('PAUL Zoé');
  });

  it('records the class’s lines only from its roster and comes back to it; a malformed class gives the whole list', async () => {
    const d = await classDay();
    const { agent } = await signedInAgent(false);
    const roster = await agent.get(d.path);
    const action = urls.agentActivityAttendance('tarnos', d.activityId, DAY);
    const res = await agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(roster.text), presents: d.marie, sansReservation: d.oscar, retour: 'liste', ecole: SCHOOL, classe: 'CM1 A' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${d.path}#activite-${d.activityId}`);
    const { rows } = await t.db.pool.query<{ child_id: string; present: boolean }>(
      `select child_id, present from attendance where activity_id = $1 order by child_id`,
      [d.activityId],
    );
    const byChild = new Map(rows.map((r) => [r.child_id, r.present]));
    expect(byChild.get(d.marie)).toBe(true);
    expect(byChild.get(d.noah)).toBe(false);
    expect(byChild.get(d.oscar)).toBe(true);
    // The other class's line is not touched: its sheet is still to be taken.
    expect(byChild.has(d.paul)).toBe(false);

    const malformed = await agent.get(`${urls.agentRoster('tarnos', { jour: DAY, site: d.site })}&ecole=%01&classe=x`);
    expect(malformed.status).toBe(200);
    expect(page(malformed).text('table')).toContain('PAUL Zoé');
  });

  it('offers the classes instead of the list on a day too long for one, the PDF still whole', async () => {
    const site = `Grand groupe ${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
    const activityId = await createActivity(t.db.pool, 'tarnos', { site, name: `Cantine ${site}` });
    const stamp = Date.now() % 100000;
    for (const [tag, n, className] of [
      ['R', 151, 'CE1 C'],
      ['S', 2, 'CE2 D'],
    ] as const) {
      await createCrowd(t.db.pool, 'tarnos', { activityId, tag: `${tag}${stamp}`, n, school: SCHOOL, className, day: DAY });
    }
    const { agent } = await signedInAgent(false);
    const whole = page(await agent.get(urls.agentRoster('tarnos', { jour: DAY, site })));
    expect(whole.texts('h2')).toContain('Choisir une classe');
    expect(whole.text('.roster-classes')).toContain('153 enfants inscrits ce jour-là sur ce site');
    expect(whole.texts('.roster-class-list li').map((x) => x.replace(/\s+/g, ' '))).toEqual([
      `${SCHOOL} – CE1 C (151 enfants)`,
      `${SCHOOL} – CE2 D (2 enfants)`,
    ]);
    expect(whole.has('table')).toBe(false);
    expect(whole.has('input[type="checkbox"]')).toBe(false);
    const pdf = pdfUnicodeText((await agent.get(urls.agentRosterPdf('tarnos', { jour: DAY, site })).buffer(true)).body as Buffer);
    expect(pdf).toContain('CE2 D');
  });
});
