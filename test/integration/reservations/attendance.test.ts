import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import {
  createAbsenceDays,
  createAgentFixture,
  createCrowd,
  createParent,
  createRequest,
  createReservation,
} from '../../helpers/fixtures.js';
import { page, type Page } from '../../helpers/html.js';
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
  await createReservation(t.db.pool, 'tarnos', { activityId, enrolmentId, childId, day, status, confirmed });
}

/**
 * An absence request and its day, written as the absences feature would: this file stays
 * independent of how a parent reports one.
 */
async function reportAbsence(
  slug: string,
  child: { familyId: string; childId: string; enrolmentId: string },
  activityId: string,
  day: string,
  status: 'sent' | 'in_progress' | 'complement_requested' | 'accepted' | 'refused',
  wasReserved = true,
) {
  const requestId = await createRequest(t.db.pool, slug, {
    familyId: child.familyId,
    childId: child.childId,
    type: 'absence',
    status,
    summary: `Absence : enfant ${child.childId.slice(0, 8)}`,
  });
  await createAbsenceDays(t.db.pool, slug, {
    requestId,
    childId: child.childId,
    days: [{ activityId, enrolmentId: child.enrolmentId, day, wasReserved }],
    justified: status === 'accepted',
  });
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

/** The checkbox `id`; throws when the page has none. */
const checkbox = (p: Page, id: string) => p.one(`input[type="checkbox"][id="${id}"]`);
const isChecked = (p: Page, id: string) => checkbox(p, id).is('[checked]');
/** The roster's cell `label` (its data-label) in the row of `child`. */
const rosterCell = (p: Page, child: string, label: string) =>
  p.row(child, '.attendance-table').el.children(`td[data-label="${label}"]`).text().trim();
/** The link to a request, with its text as a screen reader reads it. */
const requestLink = (p: Page, requestId: string) => p.links().find((l) => l.href === `/tarnos/agents/demandes/${requestId}`)?.text;

describe('the day roster', () => {
  it('shows the children booked (and whether an agent must confirm), waiting in order, and reported absent with their request', async () => {
    const d = await rosterDay();
    const res = await agent.get(dayPath(d.activityId));
    expect(res.status).toBe(200);
    const roster = page(res);
    expect(roster.heading()).toBe('Feuille de présence du jeudi 19 novembre 2026');
    expect(roster.texts('h2')).toContain('Réservés (4 sur 4)');
    expect(['Classe', 'Dossier', 'Réservation'].map((l) => rosterCell(roster, 'ALPHA Zoé', l))).toEqual(['–', 'ALPHA', 'Confirmée']);
    expect(rosterCell(roster, 'BRAVO Zoé', 'Réservation')).toBe('À confirmer par un agent');
    // Absences: the state in words, each linking to its request.
    expect(requestLink(roster, d.charlieRequest)).toBe('Absence signalée – en attente – demande de CHARLIE Zoé');
    expect(requestLink(roster, d.deltaRequest)).toBe('Absence justifiée – demande de DELTA Zoé');
    expect(roster.texts('h2')).toContain('Absences signalées (2)');
    expect(roster.texts('h2')).toContain("Liste d'attente (1)");
    const waiting = roster.rows('#attente ~ .table-wrapper table');
    expect(waiting.map((r) => [r.el.children('td[data-label="Rang"]').text(), r.header])).toEqual([['1', 'ECHO Zoé']]);
    // One "Présent" checkbox per booked child, named with the child for screen readers;
    // nothing recorded yet: ticked unless the family reported an absence.
    const alphaLabel = roster.one(`label[for="present-${d.alpha.childId}"]`);
    expect([alphaLabel.text(), alphaLabel.children('.visually-hidden').text()]).toEqual(['Présent : ALPHA Zoé', ' : ALPHA Zoé']);
    expect(isChecked(roster, `present-${d.alpha.childId}`)).toBe(true);
    expect(isChecked(roster, `present-${d.bravo.childId}`)).toBe(true);
    expect(isChecked(roster, `present-${d.charlie.childId}`)).toBe(false);
    expect(isChecked(roster, `present-${d.delta.childId}`)).toBe(false);
    // Children who may have come without a booked place: enrolled that day, not booked.
    expect(checkbox(roster, `venu-${d.echo.childId}`).attr('name')).toBe('sansReservation');
    expect(isChecked(roster, `venu-${d.foxtrot.childId}`)).toBe(false);
    expect(res.text).not.toContain(`venu-${d.alpha.childId}`);
    expect(roster.label(`venu-${d.echo.childId}`)).toBe("ECHO Zoé – dossier ECHO, en liste d'attente");
    expect(roster.text('#sansReservation-hint')).toContain('facturé avec une majoration de 30 %');
    expect(roster.texts('fieldset#presents > legend')).toEqual(['Cochez les enfants réservés qui sont présents']);
    expect(roster.text('.attendance-status')).toContain("La feuille de ce jour n'a pas encore été enregistrée.");
  });

  it('says when a refused absence was not justified, and shows a future day without a form', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'REFUSEE');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    const requestId = await reportAbsence('tarnos', { ...f, enrolmentId }, activityId, DAY, 'refused', false);
    const day = page(await agent.get(dayPath(activityId)));
    expect(requestLink(day, requestId)).toBe('Absence non justifiée – demande de REFUSEE Emma');
    const future = await agent.get(dayPath(activityId, '2026-12-10'));
    expect(future.status).toBe(200);
    expect(page(future).text('.attendance-status .notice')).toContain("n'est pas encore arrivé");
    expect(page(future).has('form[action$="/presences"]')).toBe(false);
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

    const recorded = page(await agent.get(res.headers.location!));
    expect(recorded.text()).toContain(
      'La feuille de présence du jeudi 19 novembre est enregistrée : 3 présents, 2 absents, 1 venu sans réservation.',
    );
    expect(recorded.text('.attendance-status')).toContain(`Feuille enregistrée le 23/11/2026 à 10:00 par ${agentName}.`);
    expect(
      recorded
        .all('.attendance-counts dt')
        .toArray()
        .map((dt) => [recorded.$(dt).text(), recorded.$(dt).next('dd').text()]),
    ).toEqual([
      ['Réservés', '4'],
      ['Présents', '3'],
      ['Absents', '2'],
      ['Venus sans réservation', '1'],
    ]);
    expect(isChecked(recorded, `venu-${d.foxtrot.childId}`)).toBe(true);

    // The month: absences reported and children present per day, in the table.
    const month = page(await agent.get(`/tarnos/agents/activites/${d.activityId}?mois=2026-11`));
    const thursday = month.row('jeudi 19 novembre');
    expect(thursday.el.find('th[scope="row"] > a').attr('href')).toBe(dayPath(d.activityId));
    expect(thursday.cells).toEqual(['4', '1', '4', '2', '3']);
    expect(month.row('vendredi 20 novembre').cells).toEqual(['0', '0', '4', '0', 'Feuille non saisie']);
    expect(month.row('lundi 30 novembre').cells).toEqual(['0', '0', '4', '0', '–']);
    expect(month.text()).toContain('trait noir : présents');
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
    const day = page(await agent.get(dayPath(d.activityId)));
    expect(day.text('.attendance-status')).toContain('Feuille enregistrée le 23/11/2026 à 10:10');
    expect(isChecked(day, `present-${d.bravo.childId}`)).toBe(false);
    expect(isChecked(day, `present-${d.charlie.childId}`)).toBe(true);
    expect(isChecked(day, `venu-${d.foxtrot.childId}`)).toBe(false);
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
      ['future day', '2026-12-10', { presents: d.alpha.childId }, "n'est pas encore arrivé"],
      ['weekday it does not run (Wednesday)', '2026-11-18', {}, "L'activité n'a pas lieu le mercredi 18 novembre 2026"],
      ['school holiday', '2026-10-20', {}, "n'accueille pas d'enfants le mardi 20 octobre 2026 (Vacances de la Toussaint)"],
      ['before its period', '2026-08-31', {}, "n'a pas lieu"],
      [
        'unknown child',
        DAY,
        { presents: [d.alpha.childId, '0b7a7a3e-2f0e-4c8a-9d43-5b1a6f6b2c11'] },
        "n'est pas inscrit à cette activité ce jour-là",
      ],
      ['child of another town', DAY, { sansReservation: bayeux.childId }, "n'est pas inscrit à cette activité ce jour-là"],
      ['child not enrolled in this activity', DAY, { sansReservation: stranger.childId }, "n'est pas inscrit"],
      ['child whose enrolment has ended', DAY, { sansReservation: ended }, "n'est pas inscrit"],
      ['malformed id', DAY, { presents: 'abc' }, 'mal formé'],
      ['malformed list', DAY, { presents: [d.alpha.childId, ''] }, 'mal formé'],
    ];
    for (const [what, day, fields, message] of cases) {
      const res = await postSheet(agent, d.activityId, fields, day);
      expect(res.status, what).toBe(400);
      const refused = page(res);
      expect(refused.title(), what).toMatch(/^Erreur : /);
      expect(refused.text('.error-summary h2'), what).toBe('Il y a un problème');
      expect(
        refused
          .errorSummary()
          .map((e) => e.message)
          .join(' '),
        what,
      ).toContain(message);
    }
    // The error links to the group of checkboxes it is about, and the ticks are kept.
    const unknown = await postSheet(agent, d.activityId, { presents: d.bravo.childId, sansReservation: stranger.childId });
    const unknownPage = page(unknown);
    expect(unknownPage.errorSummary().map((e) => e.field)).toEqual(['sansReservation']);
    expect(unknownPage.one('fieldset#sansReservation').attr('aria-describedby')).toBe('sansReservation-hint sansReservation-error');
    expect(isChecked(unknownPage, `present-${d.bravo.childId}`)).toBe(true);
    expect(isChecked(unknownPage, `present-${d.alpha.childId}`)).toBe(false);
    const malformed = await postSheet(agent, d.activityId, { presents: 'abc' });
    expect(
      page(malformed)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['presents']);

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
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'FILTRE');
    const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
    const before = await agent.get('/tarnos/agents');
    const countBefore = Number(/(\d+) signalements? d&#39;absence<\/a>/.exec(before.text)?.[1] ?? 0);
    const absenceId = await reportAbsence('tarnos', { ...f, enrolmentId }, activityId, DAY, 'sent');
    const reservationId = await createRequest(t.db.pool, 'tarnos', {
      familyId: f.familyId,
      type: 'reservation',
      status: 'sent',
      summary: 'Réservation FILTRE test',
    });

    const queue = page(await agent.get('/tarnos/agents/demandes'));
    const options = queue
      .all('option')
      .toArray()
      .map((o) => [queue.$(o).attr('value'), queue.$(o).text()]);
    expect(options).toContainEqual(['absence', "Signalement d'absence"]);
    expect(options).toContainEqual(['reservation', 'Réservation']);

    const absences = await agent.get('/tarnos/agents/demandes?type=absence');
    expect(absences.status).toBe(200);
    expect(absences.text).toContain(`/tarnos/agents/demandes/${absenceId}`);
    expect(absences.text).not.toContain(`/tarnos/agents/demandes/${reservationId}`);
    expect(page(absences).all('option[selected]').attr('value')).toBe('absence');

    const reservations = await agent.get('/tarnos/agents/demandes?type=reservation');
    expect(reservations.text).toContain(`/tarnos/agents/demandes/${reservationId}`);
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

/** `n` children of one class enrolled and booked (or waiting) on DAY. */
const crowd = (activityId: string, tag: string, n: number, school: string, className: string, status: 'booked' | 'waiting' = 'booked') =>
  createCrowd(t.db.pool, 'tarnos', { activityId, tag, n, school, className, day: DAY, status });

const SCHOOL = 'École Jean Moulin';
const classPath = (activityId: string, className: string, school = SCHOOL) =>
  `${dayPath(activityId)}?${new URLSearchParams({ ecole: school, classe: className }).toString()}`;

async function postClassSheet(activityId: string, className: string, fields: Record<string, string | string[]>) {
  const form = await agent.get(classPath(activityId, className));
  return agent
    .post(sheetPath(activityId))
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ecole: SCHOOL, classe: className, ...fields });
}

describe('a large day, class by class', () => {
  /** 161 children: 140 in CM1 A, 20 in CM2 B, one with neither school nor class; one of CM2 B's waiting. */
  async function largeDay() {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const cm1 = await crowd(activityId, 'CMUN', 140, SCHOOL, 'CM1 A');
    const cm2 = await crowd(activityId, 'CMDEUX', 19, SCHOOL, 'CM2 B');
    const [waitingFirst] = await crowd(activityId, 'ATTENTE', 1, SCHOOL, 'CM1 A', 'waiting');
    const [waitingCm2] = await crowd(activityId, 'RETARD', 1, SCHOOL, 'CM2 B', 'waiting');
    const [alone] = await crowd(activityId, 'SEUL', 1, '', '');
    return { activityId, cm1, cm2, waitingFirst: waitingFirst!, waitingCm2: waitingCm2!, alone: alone! };
  }

  it('lists the classes with their counts instead of 162 lines, and shows one class with its own form', async () => {
    const d = await largeDay();
    const res = await agent.get(dayPath(d.activityId));
    expect(res.status).toBe(200);
    const day = page(res);
    expect(day.has('form[action$="/presences"]')).toBe(false);
    expect(day.all('input[type="checkbox"]').length).toBe(0);
    expect(day.text('.attendance-status')).toContain(
      '162 enfants inscrits ce jour-là, dont 160 réservés : la présence se saisit classe par classe.',
    );
    expect(day.text('.attendance-status')).toContain('Aucune classe n’a encore sa feuille enregistrée.');
    const classes = day.rows('#classes ~ .table-wrapper table');
    expect(classes.map((r) => [r.header, ...r.cells])).toEqual([
      ['Sans école – Sans classe', '1', '1', 'Non saisie'],
      [`${SCHOOL} – CM1 A`, '141', '140', 'Non saisie'],
      [`${SCHOOL} – CM2 B`, '20', '19', 'Non saisie'],
    ]);
    expect(day.links().find((l) => l.text === `${SCHOOL} – CM2 B`)?.href).toBe(classPath(d.activityId, 'CM2 B'));

    const cm2 = page(await agent.get(classPath(d.activityId, 'CM2 B')));
    expect(cm2.heading()).toBe(`Feuille de présence du jeudi 19 novembre 2026 – ${SCHOOL} – CM2 B`);
    expect(cm2.title()).toContain(`${SCHOOL} – CM2 B`);
    expect(cm2.texts('h2')).toContain('Réservés (19)');
    expect(cm2.all('input[name="presents"]').length).toBe(19);
    expect(cm2.one('input[type="hidden"][name="ecole"]').attr('value')).toBe(SCHOOL);
    expect(cm2.one('input[type="hidden"][name="classe"]').attr('value')).toBe('CM2 B');
    // Its waiting child keeps the rank of the whole day: second, after one of CM1 A.
    const waiting = cm2.rows('#attente ~ .table-wrapper table');
    expect(waiting.map((r) => [r.el.children('td[data-label="Rang"]').text(), r.header])).toEqual([['2', 'RETARD001 Enfant']]);
    expect(cm2.links().find((l) => l.text === 'Toutes les classes du jour')?.href).toBe(dayPath(d.activityId));
    // The next day keeps the class.
    expect(cm2.links().find((l) => l.text === 'Jour suivant')?.href).toBe(
      `${dayPath(d.activityId, '2026-11-20')}?${new URLSearchParams({ ecole: SCHOOL, classe: 'CM2 B' }).toString()}`,
    );
    // The children with no school or class have their sheet too.
    const alone = page(await agent.get(classPath(d.activityId, '', '')));
    expect(alone.heading()).toBe('Feuille de présence du jeudi 19 novembre 2026 – Sans école – Sans classe');
    expect(alone.all('input[name="presents"]').length).toBe(1);
  });

  it("records one class's lines only, says which class, and leaves the others' as they were", async () => {
    const d = await largeDay();
    const present = d.cm2.slice(0, 15);
    const res = await postClassSheet(d.activityId, 'CM2 B', { presents: present });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(classPath(d.activityId, 'CM2 B'));
    const rows = await sheetRows(d.activityId);
    expect(rows).toHaveLength(19);
    expect(
      rows
        .filter((r) => r.present)
        .map((r) => r.child_id)
        .sort(),
    ).toEqual([...present].sort());
    expect(rows.every((r) => d.cm2.includes(r.child_id) && r.reserved)).toBe(true);
    expect((await auditRows(d.activityId)).map((r) => r.details)).toEqual([
      { day: DAY, school: SCHOOL, className: 'CM2 B', present: 15, absent: 4, walkIns: 0 },
    ]);
    const recorded = page(await agent.get(res.headers.location!));
    expect(recorded.text()).toContain('est enregistrée : 15 présents, 4 absents, 0 venu sans réservation.');

    const chooser = page(await agent.get(dayPath(d.activityId)));
    expect(chooser.text('.attendance-status')).toContain('1 classe sur 3 a sa feuille enregistrée.');
    expect(chooser.row(`${SCHOOL} – CM2 B`, '#classes ~ .table-wrapper table').cells).toEqual(['20', '19', 'Enregistrée']);

    // CM1 A recorded next, nobody ticked: its 140 absent, CM2 B's rows untouched.
    expect((await postClassSheet(d.activityId, 'CM1 A', {})).status).toBe(303);
    const after = await sheetRows(d.activityId);
    expect(after).toHaveLength(159);
    expect(
      after
        .filter((r) => r.present)
        .map((r) => r.child_id)
        .sort(),
    ).toEqual([...present].sort());
    expect(page(await agent.get(dayPath(d.activityId))).text('.attendance-status')).toContain(
      '2 classes sur 3 ont leur feuille enregistrée.',
    );
  });

  it("refuses a child of another class in a class's form, a malformed class, and a post without the CSRF token", async () => {
    const d = await largeDay();
    const wrong = await postClassSheet(d.activityId, 'CM2 B', { presents: [d.cm2[0]!, d.cm1[0]!] });
    expect(wrong.status).toBe(400);
    const refused = page(wrong);
    expect(refused.errorSummary().map((e) => e.message)).toEqual([
      `Un des enfants cochés n'est pas inscrit à cette activité ce jour-là dans la classe ${SCHOOL} – CM2 B : rechargez la page et saisissez à nouveau la feuille.`,
    ]);
    // Shown again as that class's sheet, the tick kept.
    expect(refused.heading()).toContain('CM2 B');
    expect(isChecked(refused, `present-${d.cm2[0]}`)).toBe(true);
    expect(isChecked(refused, `present-${d.cm2[1]}`)).toBe(false);

    const form = await agent.get(classPath(d.activityId, 'CM2 B'));
    const malformed = await agent
      .post(sheetPath(d.activityId))
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ecole: 'École\u0001', classe: 'CM2 B', presents: d.cm2[0]! });
    expect(malformed.status).toBe(400);
    expect(
      page(malformed)
        .errorSummary()
        .map((e) => e.message)
        .join(' '),
    ).toContain('mal formé');
    // The same in the address: the day's page, not an error.
    const odd = await agent.get(`${dayPath(d.activityId)}?ecole=%01&classe=CM2`);
    expect(odd.status).toBe(200);
    expect(page(odd).texts('h2')).toContain('Choisir une classe');

    const noToken = await agent.post(sheetPath(d.activityId)).type('form').send({ ecole: SCHOOL, classe: 'CM2 B', presents: d.cm2[0]! });
    expect(noToken.status).toBe(403);
    expect(await sheetRows(d.activityId)).toEqual([]);
    expect(await auditRows(d.activityId)).toEqual([]);
  });

  it("answers 404 to another town's agent on a class's sheet", async () => {
    const d = await largeDay();
    const bayeuxAgent = await createAgentFixture(t.db.pool, 'bayeux');
    const other = t.agent();
    await signInAgent(other, 'bayeux', bayeuxAgent.username, bayeuxAgent.password);
    const query = new URLSearchParams({ ecole: SCHOOL, classe: 'CM2 B' }).toString();
    expect((await other.get(`/bayeux/agents/activites/${d.activityId}/jours/${DAY}?${query}`)).status).toBe(404);
    const csrf = csrfFrom((await other.get('/bayeux/agents/activites')).text);
    const post = await other
      .post(`/bayeux/agents/activites/${d.activityId}/jours/${DAY}/presences`)
      .type('form')
      .send({ _csrf: csrf, ecole: SCHOOL, classe: 'CM2 B', presents: d.cm2[0]! });
    expect(post.status).toBe(404);
    expect(await sheetRows(d.activityId)).toEqual([]);
  });
});
