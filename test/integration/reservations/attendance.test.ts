import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, town } from '../../helpers/fixtures.js';
import { addChild, createActivity, createFamilyWithChild, enrol } from './helpers.js';

// Monday 23 November 2026, 10:00 in Paris.
const NOW = '2026-11-23T09:00:00Z';
/** A Thursday of a school week, before today: a sheet can be recorded. */
const DAY = '2026-11-19';

let t: TestApp;
let agent: supertest.Agent;
let agentId: string;
let agentName: string;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
  const a = await createAgentFixture(t.db.pool, 'tarnos');
  agentId = a.id;
  agentName = a.displayName;
  agent = t.agent();
  await signInAgent(agent, 'tarnos', a.username, a.password);
});

const dayPath = (activityId: string, day = DAY) => `/tarnos/agents/activites/${activityId}/jours/${day}`;
const sheetPath = (activityId: string, day = DAY) => `${dayPath(activityId, day)}/presences`;

async function reserve(
  activityId: string,
  enrolmentId: string,
  childId: string,
  day: string,
  status: 'booked' | 'waiting',
  confirmed = true,
) {
  const tarnos = await town(t.db.pool, 'tarnos');
  await t.db.pool.query(
    `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at)
     values ($1, $2, $3, $4, $5, $6, case when $7 then now() end)`,
    [tarnos.id, activityId, enrolmentId, childId, day, status, confirmed],
  );
}

/**
 * An absence request and its day, written in SQL as the absences feature would: this file
 * stays independent of how a parent reports one.
 */
async function reportAbsence(
  slug: string,
  child: { familyId: string; childId: string; enrolmentId: string },
  activityId: string,
  day: string,
  status: 'sent' | 'in_progress' | 'complement_requested' | 'accepted' | 'refused',
  wasReserved = true,
) {
  const tw = await town(t.db.pool, slug);
  const { rows } = await t.db.pool.query<{ id: string }>(
    `insert into requests (town_id, family_id, child_id, type, status, summary, decided_at)
     values ($1, $2, $3, 'absence', $4, $5, case when $4 in ('accepted', 'refused') then now() end) returning id`,
    [tw.id, child.familyId, child.childId, status, `Absence : enfant ${child.childId.slice(0, 8)}`],
  );
  const requestId = rows[0]!.id;
  await t.db.pool.query(
    `insert into absence_days (town_id, request_id, activity_id, enrolment_id, child_id, day, was_reserved, justified)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tw.id, requestId, activityId, child.enrolmentId, child.childId, day, wasReserved, status === 'accepted'],
  );
  return requestId;
}

/**
 * A day of an activity with every case of the roster: booked and confirmed (ALPHA), booked
 * awaiting an agent (BRAVO), booked but reported absent and pending (CHARLIE), booked with a
 * justified absence (DELTA), waiting (ECHO), enrolled with no reservation (FOXTROT).
 */
async function rosterDay(day = DAY) {
  const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 4 });
  const make = async (name: string) => {
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', name, 'Zoé');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    return { familyId: f.familyId, childId: f.childId, enrolmentId };
  };
  const [alpha, bravo, charlie, delta, echo, foxtrot] = await Promise.all(
    ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT'].map((n) => make(n)),
  );
  await reserve(activityId, alpha!.enrolmentId, alpha!.childId, day, 'booked');
  await reserve(activityId, bravo!.enrolmentId, bravo!.childId, day, 'booked', false);
  await reserve(activityId, charlie!.enrolmentId, charlie!.childId, day, 'booked');
  await reserve(activityId, delta!.enrolmentId, delta!.childId, day, 'booked');
  await reserve(activityId, echo!.enrolmentId, echo!.childId, day, 'waiting');
  const charlieRequest = await reportAbsence('tarnos', charlie!, activityId, day, 'in_progress');
  const deltaRequest = await reportAbsence('tarnos', delta!, activityId, day, 'accepted');
  return {
    activityId,
    alpha: alpha!,
    bravo: bravo!,
    charlie: charlie!,
    delta: delta!,
    echo: echo!,
    foxtrot: foxtrot!,
    charlieRequest,
    deltaRequest,
  };
}

async function postSheet(who: supertest.Agent, activityId: string, fields: Record<string, string | string[]>, day = DAY) {
  const page = await who.get(dayPath(activityId, day));
  return who
    .post(sheetPath(activityId, day))
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

async function sheetRows(activityId: string) {
  const { rows } = await t.db.pool.query<{ child_id: string; present: boolean; reserved: boolean; recorded_by: string }>(
    `select child_id, present, reserved, recorded_by from attendance where activity_id = $1 order by child_id`,
    [activityId],
  );
  return rows;
}

async function auditRows(activityId: string) {
  const { rows } = await t.db.pool.query<{ details: Record<string, unknown> }>(
    `select details from audit_log where action = 'attendance.record' and target_id = $1 order by created_at`,
    [activityId],
  );
  return rows;
}

const checkbox = (html: string, id: string) => new RegExp(`<input type="checkbox" id="${id}"[^>]*>`).exec(html)?.[0] ?? '';

describe('the day roster', () => {
  it('shows the children booked (and whether an agent must confirm), waiting in order, and reported absent with their request', async () => {
    const d = await rosterDay();
    const page = await agent.get(dayPath(d.activityId));
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain('<h1>Feuille de présence du jeudi 19 novembre 2026</h1>');
    expect(html).toContain('Réservés (4 sur 4)');
    expect(html).toMatch(
      /ALPHA Zoé<\/th>\s*<td data-label="Classe">–<\/td>\s*<td data-label="Dossier">ALPHA<\/td>\s*<td data-label="Réservation">Confirmée/,
    );
    expect(html).toMatch(/BRAVO Zoé<\/th>[\s\S]*?À confirmer par un agent/);
    // Absences: the state in words, each linking to its request.
    expect(html).toContain(`<a href="/tarnos/agents/demandes/${d.charlieRequest}">Absence signalée – en attente`);
    expect(html).toContain(`<a href="/tarnos/agents/demandes/${d.deltaRequest}">Absence justifiée`);
    expect(html).toContain('Absences signalées (2)');
    expect(html).toMatch(/Liste d'attente \(1\)[\s\S]*<td data-label="Rang">1<\/td><th scope="row">ECHO Zoé<\/th>/);
    // One "Présent" checkbox per booked child, named with the child for screen readers;
    // nothing recorded yet: ticked unless the family reported an absence.
    expect(html).toContain(`<label for="present-${d.alpha.childId}">Présent<span class="visually-hidden"> : ALPHA Zoé</span></label>`);
    expect(checkbox(html, `present-${d.alpha.childId}`)).toContain(' checked');
    expect(checkbox(html, `present-${d.bravo.childId}`)).toContain(' checked');
    expect(checkbox(html, `present-${d.charlie.childId}`)).not.toContain('checked');
    expect(checkbox(html, `present-${d.delta.childId}`)).not.toContain('checked');
    // Children who may have come without a booked place: enrolled that day, not booked.
    expect(checkbox(html, `venu-${d.echo.childId}`)).toContain('name="sansReservation"');
    expect(checkbox(html, `venu-${d.foxtrot.childId}`)).not.toContain('checked');
    expect(html).not.toContain(`venu-${d.alpha.childId}`);
    expect(html).toContain('ECHO Zoé – dossier ECHO, en liste d&#39;attente');
    expect(html).toContain('facturé avec une majoration de 30 %');
    expect(html).toContain('<legend>Cochez les enfants réservés qui sont présents</legend>');
    expect(html).toContain("La feuille de ce jour n'a pas encore été enregistrée.");
  });

  it('says when a refused absence was not justified, and shows a future day without a form', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'REFUSEE');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    const requestId = await reportAbsence('tarnos', { ...f, enrolmentId }, activityId, DAY, 'refused', false);
    const page = await agent.get(dayPath(activityId));
    expect(page.text).toContain(`<a href="/tarnos/agents/demandes/${requestId}">Absence non justifiée`);
    const future = await agent.get(dayPath(activityId, '2026-12-10'));
    expect(future.status).toBe(200);
    expect(future.text).toContain('n&#39;est pas encore arrivé');
    expect(future.text).not.toContain('/presences"');
  });
});

describe('recording attendance', () => {
  it('writes every row of the day in one go, walk-ins as not reserved, audited, then shows who recorded it and the counts', async () => {
    const d = await rosterDay();
    const res = await postSheet(agent, d.activityId, {
      presents: [d.alpha.childId, d.bravo.childId],
      sansReservation: d.foxtrot.childId,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(dayPath(d.activityId));
    const expected = [
      { child_id: d.alpha.childId, present: true, reserved: true, recorded_by: agentId },
      { child_id: d.bravo.childId, present: true, reserved: true, recorded_by: agentId },
      { child_id: d.charlie.childId, present: false, reserved: true, recorded_by: agentId },
      { child_id: d.delta.childId, present: false, reserved: true, recorded_by: agentId },
      { child_id: d.foxtrot.childId, present: true, reserved: false, recorded_by: agentId },
    ].sort((a, b) => (a.child_id < b.child_id ? -1 : 1));
    expect(await sheetRows(d.activityId)).toEqual(expected);
    expect((await auditRows(d.activityId)).map((r) => r.details)).toEqual([{ day: DAY, present: 3, absent: 2, walkIns: 1 }]);

    const page = await agent.get(res.headers.location!);
    expect(page.text).toContain(
      'La feuille de présence du jeudi 19 novembre est enregistrée : 3 présents, 2 absents, 1 venu sans réservation.',
    );
    expect(page.text).toContain(`Feuille enregistrée le 23/11/2026 à 10:00 par ${agentName}.`);
    expect(page.text).toMatch(
      /<dt>Réservés<\/dt><dd>4<\/dd>[\s\S]*<dt>Présents<\/dt><dd>3<\/dd>[\s\S]*<dt>Absents<\/dt><dd>2<\/dd>[\s\S]*<dt>Venus sans réservation<\/dt><dd>1<\/dd>/,
    );
    expect(checkbox(page.text, `venu-${d.foxtrot.childId}`)).toContain(' checked');

    // The month: absences reported and children present per day, in the table.
    const month = await agent.get(`/tarnos/agents/activites/${d.activityId}?mois=2026-11`);
    expect(month.text).toMatch(
      new RegExp(`<a href="${dayPath(d.activityId)}">jeudi 19 novembre</a></th>\\s*<td>4</td><td>1</td><td>4</td><td>2</td><td>3</td>`),
    );
    expect(month.text).toMatch(
      /vendredi 20 novembre<\/a><\/th>\s*<td>0<\/td><td>0<\/td><td>4<\/td><td>0<\/td><td>Feuille non saisie<\/td>/,
    );
    expect(month.text).toMatch(/lundi 30 novembre<\/a><\/th>\s*<td>0<\/td><td>0<\/td><td>4<\/td><td>0<\/td><td>–<\/td>/);
    expect(month.text).toContain('trait noir : présents');
  });

  it('updates the rows when the sheet is recorded again: a child unticked becomes absent, a walk-in unticked is no longer present', async () => {
    const d = await rosterDay();
    await postSheet(agent, d.activityId, { presents: [d.alpha.childId, d.bravo.childId], sansReservation: d.foxtrot.childId });
    t.clock.set('2026-11-23T09:10:00Z');
    const again = await postSheet(agent, d.activityId, { presents: [d.alpha.childId, d.charlie.childId] });
    expect(again.status).toBe(303);
    const rows = new Map((await sheetRows(d.activityId)).map((r) => [r.child_id, r]));
    expect(rows.size).toBe(5);
    expect(rows.get(d.bravo.childId)).toMatchObject({ present: false, reserved: true });
    expect(rows.get(d.charlie.childId)).toMatchObject({ present: true, reserved: true });
    expect(rows.get(d.foxtrot.childId)).toMatchObject({ present: false, reserved: false });
    expect(await auditRows(d.activityId)).toHaveLength(2);
    const page = await agent.get(dayPath(d.activityId));
    expect(page.text).toContain('Feuille enregistrée le 23/11/2026 à 10:10');
    expect(checkbox(page.text, `present-${d.bravo.childId}`)).not.toContain('checked');
    expect(checkbox(page.text, `present-${d.charlie.childId}`)).toContain(' checked');
    expect(checkbox(page.text, `venu-${d.foxtrot.childId}`)).not.toContain('checked');
  });

  it('records today, and an empty form as everyone booked absent', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'AUJOURDHUI');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    await reserve(activityId, enrolmentId, f.childId, '2026-11-23', 'booked');
    const res = await postSheet(agent, activityId, {}, '2026-11-23');
    expect(res.status).toBe(303);
    expect(await sheetRows(activityId)).toEqual([{ child_id: f.childId, present: false, reserved: true, recorded_by: agentId }]);
  });
});

describe('refused sheets', () => {
  it('answers 400 in French, with the error summary and nothing written, for each kind of wrong input', async () => {
    const d = await rosterDay();
    const stranger = await createFamilyWithChild(t.db.pool, 'tarnos', 'PASINSCRIT');
    const bayeux = await createFamilyWithChild(t.db.pool, 'bayeux', 'AILLEURS');
    // Enrolled in another activity only.
    const elsewhere = await createActivity(t.db.pool, 'tarnos');
    await enrol(t.db.pool, 'tarnos', elsewhere, stranger.childId);
    // A child whose enrolment ended before the day.
    const ended = await addChild(t.db.pool, 'tarnos', d.alpha.familyId, 'Ancien');
    await enrol(t.db.pool, 'tarnos', d.activityId, ended, '2026-09-01', '2026-10-16');

    const cases: [string, string, Record<string, string | string[]>, string][] = [
      ['future day', '2026-12-10', { presents: d.alpha.childId }, 'n&#39;est pas encore arrivé'],
      ['weekday it does not run (Wednesday)', '2026-11-18', {}, 'L&#39;activité n&#39;a pas lieu le mercredi 18 novembre 2026'],
      ['school holiday', '2026-10-20', {}, 'n&#39;accueille pas d&#39;enfants le mardi 20 octobre 2026 (Vacances de la Toussaint)'],
      ['before its period', '2026-08-31', {}, 'n&#39;a pas lieu'],
      [
        'unknown child',
        DAY,
        { presents: [d.alpha.childId, '0b7a7a3e-2f0e-4c8a-9d43-5b1a6f6b2c11'] },
        'n&#39;est pas inscrit à cette activité ce jour-là',
      ],
      ['child of another town', DAY, { sansReservation: bayeux.childId }, 'n&#39;est pas inscrit à cette activité ce jour-là'],
      ['child not enrolled in this activity', DAY, { sansReservation: stranger.childId }, 'n&#39;est pas inscrit'],
      ['child whose enrolment has ended', DAY, { sansReservation: ended }, 'n&#39;est pas inscrit'],
      ['malformed id', DAY, { presents: 'abc' }, 'mal formé'],
      ['malformed list', DAY, { presents: [d.alpha.childId, ''] }, 'mal formé'],
    ];
    for (const [what, day, fields, message] of cases) {
      const res = await postSheet(agent, d.activityId, fields, day);
      expect(res.status, what).toBe(400);
      expect(res.text, what).toContain('<title>Erreur : ');
      expect(res.text, what).toContain('Il y a un problème');
      expect(res.text, what).toContain(message);
    }
    // The error links to the group of checkboxes it is about, and the ticks are kept.
    const unknown = await postSheet(agent, d.activityId, { presents: d.bravo.childId, sansReservation: stranger.childId });
    expect(unknown.text).toContain('<a href="#sansReservation">');
    expect(unknown.text).toContain('aria-describedby="sansReservation-hint sansReservation-error"');
    expect(checkbox(unknown.text, `present-${d.bravo.childId}`)).toContain(' checked');
    expect(checkbox(unknown.text, `present-${d.alpha.childId}`)).not.toContain('checked');
    const malformed = await postSheet(agent, d.activityId, { presents: 'abc' });
    expect(malformed.text).toContain('<a href="#presents">');

    expect(await sheetRows(d.activityId)).toEqual([]);
    expect(await auditRows(d.activityId)).toEqual([]);
  });

  it('refuses a post without the CSRF token', async () => {
    const d = await rosterDay();
    const res = await agent.post(sheetPath(d.activityId)).type('form').send({ presents: d.alpha.childId });
    expect(res.status).toBe(403);
    expect(await sheetRows(d.activityId)).toEqual([]);
  });
});

describe("the sheet is for this town's agents only", () => {
  it('answers 404 to an agent of another town and to parents, on the page and the post', async () => {
    const d = await rosterDay();
    const bayeuxAgent = await createAgentFixture(t.db.pool, 'bayeux');
    const other = t.agent();
    await signInAgent(other, 'bayeux', bayeuxAgent.username, bayeuxAgent.password);
    const bayeuxCsrf = csrfFrom((await other.get('/bayeux/agents/activites')).text);
    // Under Tarnos, the Bayeux session is nobody's.
    expect((await other.get(dayPath(d.activityId))).status).toBe(404);
    expect([403, 404]).toContain(
      (await other.post(sheetPath(d.activityId)).type('form').send({ _csrf: bayeuxCsrf, presents: d.alpha.childId })).status,
    );
    // Under Bayeux, a Tarnos activity does not exist.
    const bayeuxDay = `/bayeux/agents/activites/${d.activityId}/jours/${DAY}`;
    expect((await other.get(bayeuxDay)).status).toBe(404);
    const post = await other.post(`${bayeuxDay}/presences`).type('form').send({ _csrf: bayeuxCsrf, presents: d.alpha.childId });
    expect(post.status).toBe(404);

    const parent = await createParent(t.db.pool, 'tarnos', { familyId: d.alpha.familyId });
    const parentAgent = t.agent();
    await signIn(parentAgent, 'tarnos', parent.username, parent.password);
    const parentCsrf = csrfFrom((await parentAgent.get('/tarnos/mon-espace')).text);
    expect((await parentAgent.get(dayPath(d.activityId))).status).toBe(404);
    const parentPost = await parentAgent.post(sheetPath(d.activityId)).type('form').send({ _csrf: parentCsrf, presents: d.alpha.childId });
    expect(parentPost.status).toBe(404);
    expect(await sheetRows(d.activityId)).toEqual([]);
  });
});

describe('the requests queue and the home page', () => {
  it('lists absences and reservation requests as types to filter on, and counts the absences to process on the home page', async () => {
    const tarnos = await town(t.db.pool, 'tarnos');
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'FILTRE');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    const before = await agent.get('/tarnos/agents');
    const countBefore = Number(/(\d+) signalements? d&#39;absence<\/a>/.exec(before.text)?.[1] ?? 0);
    const absenceId = await reportAbsence('tarnos', { ...f, enrolmentId }, activityId, DAY, 'sent');
    const reservation = await t.db.pool.query<{ id: string }>(
      `insert into requests (town_id, family_id, type, status, summary) values ($1, $2, 'reservation', 'sent', 'Réservation FILTRE test') returning id`,
      [tarnos.id, f.familyId],
    );

    const queue = await agent.get('/tarnos/agents/demandes');
    expect(queue.text).toContain('<option value="absence">Signalement d&#39;absence</option>');
    expect(queue.text).toContain('<option value="reservation">Réservation</option>');

    const absences = await agent.get('/tarnos/agents/demandes?type=absence');
    expect(absences.status).toBe(200);
    expect(absences.text).toContain(`/tarnos/agents/demandes/${absenceId}`);
    expect(absences.text).not.toContain(`/tarnos/agents/demandes/${reservation.rows[0]!.id}`);
    expect(absences.text).toContain('<option value="absence" selected>');

    const reservations = await agent.get('/tarnos/agents/demandes?type=reservation');
    expect(reservations.text).toContain(`/tarnos/agents/demandes/${reservation.rows[0]!.id}`);
    expect(reservations.text).not.toContain(`/tarnos/agents/demandes/${absenceId}`);

    // The absence is one of the requests to process: said once, as a part of that line.
    const home = await agent.get('/tarnos/agents');
    const n = countBefore + 1;
    expect(home.text).toMatch(
      new RegExp(
        `<a href="/tarnos/agents/demandes">\\d+ demandes des familles à traiter</a>, dont ` +
          `<a href="/tarnos/agents/demandes\\?type=absence">${n} ${n > 1 ? 'signalements' : 'signalement'} d&#39;absence</a>`,
      ),
    );
    expect(home.text).not.toContain('absence à traiter');
  });
});
