import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, createSubmission } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { createActivity, createFamilyWithChild, enrol, prepareBooking } from './helpers.js';

const NOW = '2026-11-23T09:00:00Z';
const DAY = '2026-12-10';

let t: TestApp;
let agent: supertest.Agent;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
  const a = await createAgentFixture(t.db.pool, 'tarnos');
  agent = t.agent();
  await signInAgent(agent, 'tarnos', a.username, a.password);
});

const VALID = {
  nom: 'Garderie du soir',
  site: 'École Jean Jaurès',
  unite: 'Soir',
  du: '01/09/2026',
  au: '02/07/2027',
  jours: ['1', '2', '4', '5'],
  periode: 'school_weeks',
  capacite: '25',
  regle: 'jours',
  delai: '2',
  calendrier: 'business',
  heure: '12:00',
  annulation: 'identique',
  confirmation: 'immediate',
};

async function post(path: string, body: Record<string, unknown>) {
  const page = await agent.get(path);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...body });
}

async function parentOf(activityId: string, name: string) {
  const f = await createFamilyWithChild(t.db.pool, 'tarnos', name);
  const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, f.childId);
  const parent = await createParent(t.db.pool, 'tarnos', { familyId: f.familyId });
  const a = t.agent();
  await t.db.pool.query('delete from rate_limits');
  await signIn(a, 'tarnos', parent.username, parent.password);
  return { agent: a, childId: f.childId, enrolmentId, email: parent.email };
}

describe('activities', () => {
  it('creates an activity with its rules, audited, and shows them in words', async () => {
    const res = await post('/tarnos/agents/activites/nouvelle', VALID);
    expect(res.status).toBe(303);
    const id = res.headers.location!.split('/').pop()!;
    const { rows } = await t.db.pool.query(`select booking_rule, cancellation_rule, capacity, weekdays from activities where id = $1`, [
      id,
    ]);
    expect(rows[0]).toEqual({
      booking_rule: { kind: 'days_before', days: 2, calendar: 'business', cutoff: '12:00' },
      cancellation_rule: null,
      capacity: 25,
      weekdays: [1, 2, 4, 5],
    });
    const page = await agent.get(res.headers.location!);
    expect(page.text).toContain('au plus tard 2 jours ouvrés avant à 12 h 00');
    const audit = await t.db.pool.query(`select action from audit_log where target_id = $1`, [id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['activity.create']);
    expect((await agent.get('/tarnos/agents/activites')).text).toContain('Garderie du soir');
  });

  it('offers no day ticked on a new activity, and refuses to save one without a day', async () => {
    const form = await agent.get('/tarnos/agents/activites/nouvelle');
    expect(form.status).toBe(200);
    expect(form.text.match(/<input type="checkbox"[^>]*name="jours"[^>]*>/g)).toHaveLength(7);
    expect(form.text).not.toMatch(/<input type="checkbox"[^>]*name="jours"[^>]*checked/);
    const { jours: _none, ...noDays } = VALID;
    const res = await post('/tarnos/agents/activites/nouvelle', { ...noDays, nom: 'Garderie du matin' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<a href="#jours">Choisissez les jours où l&#39;activité a lieu</a>');
    expect(res.text).toContain('id="jours-error"');
    expect(res.text).toContain('value="Garderie du matin"');
    expect((await t.db.pool.query(`select 1 from activities where name = 'Garderie du matin'`)).rowCount).toBe(0);
  });

  it('refuses invalid input with the error summary and the typed values kept', async () => {
    const empty = await post('/tarnos/agents/activites/nouvelle', {});
    expect(empty.status).toBe(400);
    expect(page(empty).title()).toMatch(/^Erreur : Nouvelle activité/);
    expect(page(empty).errorSummary()).toContainEqual({ field: 'nom', message: "Saisissez le nom de l'activité" });
    expect(
      page(empty)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('jours');
    const bad = await post('/tarnos/agents/activites/nouvelle', {
      ...VALID,
      capacite: 'beaucoup',
      delai: '',
      du: '32/13/2026',
      heure: '25:00',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('La capacité doit être un nombre entier');
    expect(bad.text).toContain('Saisissez le délai en jours');
    expect(bad.text).toContain('Saisissez la date de début au format JJ/MM/AAAA');
    expect(bad.text).toContain('Saisissez l&#39;heure limite au format HH:MM');
    expect(page(bad).fieldValue('capacite')).toBe('beaucoup');
    const twice = await post('/tarnos/agents/activites/nouvelle', {
      ...VALID,
      nom: 'Restauration Scolaire',
      site: '1-Restaurant Félix Concaret',
    });
    expect(twice.status).toBe(400);
    expect(twice.text).toContain('existe déjà');
  });

  it('gives new places to the children waiting when the capacity goes up, and never goes below what is booked', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 1, name: 'Petite cantine' });
    const a = await parentOf(activityId, 'UN');
    const b = await parentOf(activityId, 'DEUX');
    for (const p of [a, b]) {
      const booking = await prepareBooking(p.agent, 'tarnos', p.childId, p.enrolmentId, [DAY]);
      await p.agent.post(booking.path).type('form').send(booking.fields);
    }
    const edit = `/tarnos/agents/activites/${activityId}/modifier`;
    const form = await agent.get(edit);
    expect(page(form).fieldValue('nom')).toBe('Petite cantine');
    const res = await post(edit, { ...VALID, nom: 'Petite cantine', site: 'Site test', unite: 'Repas', regle: 'commune', capacite: '2' });
    expect(res.status).toBe(303);
    const { rows } = await t.db.pool.query(`select status from reservations where activity_id = $1 and day = $2`, [activityId, DAY]);
    expect(rows.map((r) => r.status)).toEqual(['booked', 'booked']);
    expect(
      (await t.db.pool.query(`select 1 from mail_outbox where to_address = $1 and subject like 'Une place%'`, [b.email])).rowCount,
    ).toBe(1);
    // Lowering to 1: both keep their place, nobody new gets in.
    await post(edit, { ...VALID, nom: 'Petite cantine', site: 'Site test', unite: 'Repas', regle: 'commune', capacite: '1' });
    const day = await t.db.pool.query(`select capacity, booked from activity_days where activity_id = $1 and day = $2`, [activityId, DAY]);
    expect(day.rows[0]).toEqual({ capacity: 2, booked: 2 });
    const roster = await agent.get(`/tarnos/agents/activites/${activityId}/jours/${DAY}`);
    expect(roster.status).toBe(200);
    expect(roster.text).toContain('Réservés (2 sur 1)');
    expect(roster.text).toContain('UN Emma');
  });

  it('shows the month occupancy as a chart and as a table', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 3 });
    const p = await parentOf(activityId, 'GRAPHE');
    const booking = await prepareBooking(p.agent, 'tarnos', p.childId, p.enrolmentId, [DAY]);
    await p.agent.post(booking.path).type('form').send(booking.fields);
    const res = await agent.get(`/tarnos/agents/activites/${activityId}?mois=2026-12`);
    expect(res.status).toBe(200);
    const month = page(res);
    const chart = month.one('svg.occupancy-chart');
    expect([chart.attr('role'), chart.attr('aria-labelledby')]).toEqual(['img', 'graphique-titre graphique-desc']);
    expect(month.row('jeudi 10 décembre').cells.slice(0, 3)).toEqual(['1', '0', '3']);
    const christmas = month.row('vendredi 25 décembre');
    expect(christmas.cells).toEqual(['Férié (Noël)']);
    expect(christmas.el.children('td').attr('colspan')).toBe('5');
  });
});

describe('enrolments', () => {
  it('enrols a child for a period, refuses overlaps, periods outside the activity and unknown children', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const f = await createFamilyWithChild(t.db.pool, 'tarnos', 'INSCRIT');
    const path = `/tarnos/agents/activites/${activityId}/inscriptions/nouvelle`;
    const form = await agent.get(path);
    expect(page(form).one(`select#enfant option[value="${f.childId}"]`).text()).toMatch(/^INSCRIT Emma/);
    const ok = await post(path, { enfant: f.childId, du: '01/09/2026', au: '31/12/2026' });
    expect(ok.status).toBe(303);
    const overlap = await post(path, { enfant: f.childId, du: '01/12/2026', au: '31/01/2027' });
    expect(overlap.status).toBe(400);
    expect(overlap.text).toContain('déjà inscrit');
    const outside = await post(path, { enfant: f.childId, du: '01/01/2027', au: '31/08/2027' });
    expect(outside.text).toContain('L&#39;inscription doit être comprise dans la période de l&#39;activité');
    const bayeux = await createFamilyWithChild(t.db.pool, 'bayeux', 'AILLEURS');
    const foreign = await post(path, { enfant: bayeux.childId, du: '01/01/2027', au: '31/01/2027' });
    expect(foreign.status).toBe(400);
    expect(
      page(foreign)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('enfant');
    const empty = await post(path, {});
    expect(empty.status).toBe(400);
    const { rows } = await t.db.pool.query(`select id from enrolments where activity_id = $1`, [activityId]);
    expect(rows).toHaveLength(1);
    expect(
      (await t.db.pool.query(`select 1 from audit_log where action = 'enrolment.create' and target_id = $1`, [rows[0].id])).rowCount,
    ).toBe(1);
  });
});

describe('requests an agent confirms', () => {
  it('holds the places, sends the first mail, then the confirmation when an agent confirms', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 2, confirmation: 'agent', name: 'ALSH test' });
    const p = await parentOf(activityId, 'ATTENTE');
    const booking = await prepareBooking(p.agent, 'tarnos', p.childId, p.enrolmentId, [DAY]);
    const res = await p.agent.post(booking.path).type('form').send(booking.fields);
    const submissionId = res.headers.location!.split('/').pop()!;
    const mails = async () =>
      (
        await t.db.pool.query<{ subject: string }>(`select subject from mail_outbox where to_address = $1 order by subject`, [p.email])
      ).rows.map((r) => r.subject);
    expect(await mails()).toEqual(['Votre demande a bien été envoyée']);
    expect((await p.agent.get(res.headers.location!)).text).toContain('En attente de confirmation par les services');
    const queue = await agent.get('/tarnos/agents/reservations/a-confirmer');
    expect(queue.text).toContain('ATTENTE');
    const decision = `/tarnos/agents/reservations/a-confirmer/${submissionId}`;
    const missing = await post(decision, { decision: 'refuser' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Saisissez le motif du refus');
    expect((await post(decision, { decision: 'confirmer' })).status).toBe(303);
    expect(await mails()).toEqual(['Votre demande : acceptée', 'Votre demande a bien été envoyée']);
    const { rows } = await t.db.pool.query(`select confirmed_at is not null as confirmed from reservations where child_id = $1`, [
      p.childId,
    ]);
    expect(rows).toEqual([{ confirmed: true }]);
    const request = await t.db.pool.query<{ id: string; status: string }>(
      `select r.id, r.status from requests r join reservation_submissions s on s.request_id = r.id where s.id = $1`,
      [submissionId],
    );
    expect(request.rows[0]!.status).toBe('accepted');
    expect(
      (await t.db.pool.query(`select 1 from audit_log where action = 'request.accept' and target_id = $1`, [request.rows[0]!.id])).rowCount,
    ).toBe(1);
    // A second decision changes nothing.
    await post(decision, { decision: 'refuser', motif: 'Trop tard' });
    expect((await t.db.pool.query(`select status from reservation_submissions where id = $1`, [submissionId])).rows[0].status).toBe(
      'confirmed',
    );
  });

  it('frees the places of a refused request for the children waiting, and tells the family why', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 1, confirmation: 'agent', name: 'ALSH refus' });
    const first = await parentOf(activityId, 'REFUS');
    const second = await parentOf(activityId, 'SUIVANT');
    let submissionId = '';
    for (const p of [first, second]) {
      const booking = await prepareBooking(p.agent, 'tarnos', p.childId, p.enrolmentId, [DAY]);
      const res = await p.agent.post(booking.path).type('form').send(booking.fields);
      if (p === first) submissionId = res.headers.location!.split('/').pop()!;
    }
    await post(`/tarnos/agents/reservations/a-confirmer/${submissionId}`, { decision: 'refuser', motif: 'Dossier incomplet' });
    const { rows } = await t.db.pool.query(`select child_id, status from reservations where activity_id = $1`, [activityId]);
    expect(rows).toEqual([{ child_id: second.childId, status: 'booked' }]);
    const mail = await t.db.pool.query(`select text_body from mail_outbox where to_address = $1 and subject = 'Votre demande : refusée'`, [
      first.email,
    ]);
    expect(mail.rows[0].text_body).toContain('Motif : Dossier incomplet');
    expect(
      (await t.db.pool.query(`select 1 from mail_outbox where to_address = $1 and subject like 'Une place%'`, [second.email])).rowCount,
    ).toBe(1);
  });
});

describe('the generic request queue', () => {
  it('lists reservation requests and runs the reservation effects when an agent decides there', async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos', { capacity: 1, confirmation: 'agent', name: 'ALSH file' });
    const first = await parentOf(activityId, 'FILE');
    const second = await parentOf(activityId, 'APRES');
    for (const p of [first, second]) {
      const booking = await prepareBooking(p.agent, 'tarnos', p.childId, p.enrolmentId, [DAY]);
      await p.agent.post(booking.path).type('form').send(booking.fields);
    }
    const { rows } = await t.db.pool.query<{ id: string }>(
      `select r.id from requests r join reservation_submissions s on s.request_id = r.id
        join reservations x on x.submission_id = s.id where x.child_id = $1`,
      [first.childId],
    );
    const requestId = rows[0]!.id;
    expect((await agent.get('/tarnos/agents/demandes')).text).toContain('ALSH file – Emma : 1 jour réservé');
    const page = await agent.get(`/tarnos/agents/demandes/${requestId}`);
    const decided = await agent
      .post(`/tarnos/agents/demandes/${requestId}/statut`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'refuser', motif: 'Complet pour les vacances' });
    expect(decided.status).toBe(303);
    const after = await t.db.pool.query(`select child_id, status from reservations where activity_id = $1`, [activityId]);
    expect(after.rows).toEqual([{ child_id: second.childId, status: 'booked' }]);
    const submission = await t.db.pool.query(`select status from reservation_submissions where request_id = $1`, [requestId]);
    expect(submission.rows[0].status).toBe('refused');
  });
});

describe("the back-office pages are for this town's agents only", () => {
  it("answers 404 to visitors, parents and agents of another town, and to other towns' activities", async () => {
    const activityId = await createActivity(t.db.pool, 'tarnos');
    const family = await createFamilyWithChild(t.db.pool, 'tarnos', 'ATTENTE');
    const owner = await createParent(t.db.pool, 'tarnos', { familyId: family.familyId });
    const submissionId = await createSubmission(t.db.pool, 'tarnos', {
      familyId: family.familyId,
      accountId: owner.id,
      activityId,
      status: 'awaiting_agent',
    });
    const paths = [
      ['get', '/agents/activites'],
      ['get', '/agents/activites/nouvelle'],
      ['post', '/agents/activites/nouvelle'],
      ['get', `/agents/activites/${activityId}`],
      ['get', `/agents/activites/${activityId}/modifier`],
      ['post', `/agents/activites/${activityId}/modifier`],
      ['get', `/agents/activites/${activityId}/inscriptions/nouvelle`],
      ['post', `/agents/activites/${activityId}/inscriptions/nouvelle`],
      ['get', `/agents/activites/${activityId}/jours/${DAY}`],
      ['get', '/agents/reservations/a-confirmer'],
      ['get', `/agents/reservations/a-confirmer/${submissionId}`],
      ['post', `/agents/reservations/a-confirmer/${submissionId}`],
    ] as const;
    const tryAll = async (who: supertest.Agent, slug: string, csrf: string, expected: number[]) => {
      for (const [method, path] of paths) {
        const res =
          method === 'get' ? await who.get(`/${slug}${path}`) : await who.post(`/${slug}${path}`).type('form').send({ _csrf: csrf });
        expect(expected, `${method} /${slug}${path}: ${res.status}`).toContain(res.status);
      }
    };
    // Anonymous: no session, so posts fail the CSRF check first (403) and pages are 404.
    await tryAll(t.agent(), 'tarnos', 'x', [403, 404]);
    const parent = await createParent(t.db.pool, 'tarnos');
    const parentAgent = t.agent();
    await signIn(parentAgent, 'tarnos', parent.username, parent.password);
    await tryAll(parentAgent, 'tarnos', csrfFrom((await parentAgent.get('/tarnos/mon-espace')).text), [404]);
    const bayeuxAgent = await createAgentFixture(t.db.pool, 'bayeux');
    const other = t.agent();
    await signInAgent(other, 'bayeux', bayeuxAgent.username, bayeuxAgent.password);
    const csrf = csrfFrom((await other.get('/bayeux/agents/activites')).text);
    await tryAll(other, 'tarnos', csrf, [404, 403]);
    // Under its own town, the Bayeux agent reaches nothing of Tarnos.
    for (const [method, path] of paths.filter(([, p]) => p.includes(activityId) || p.includes(submissionId))) {
      const res =
        method === 'get' ? await other.get(`/bayeux${path}`) : await other.post(`/bayeux${path}`).type('form').send({ _csrf: csrf });
      expect(res.status, `${method} /bayeux${path}`).toBe(404);
    }
    expect((await agent.get(`/tarnos/agents/activites/pas-un-id`)).status).toBe(404);
    expect((await agent.get(`/tarnos/agents/activites/${activityId}/jours/2026-02-30`)).status).toBe(404);
  });

  it('refuses back-office posts without the CSRF token', async () => {
    expect((await agent.post('/tarnos/agents/activites/nouvelle').type('form').send(VALID)).status).toBe(403);
  });
});
