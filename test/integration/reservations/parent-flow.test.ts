import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import {
  addChild,
  createActivity,
  createFamilyWithChild,
  demoEnrolment,
  enrol,
  gridPath,
  prepareBooking,
  signedInParent,
} from './helpers.js';
import { RESERVATIONS_PER_HOUR } from '../../../src/features/requests/requests.service.js';
import { createParent, useUpRateLimit } from '../../helpers/fixtures.js';
import { page, squish, type Page } from '../../helpers/html.js';
import { signIn } from '../../helpers/auth.js';

const NOW = '2026-11-23T09:00:00Z'; // Monday 23 November 2026, 10:00 in Paris

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

async function reservedDays(childId: string): Promise<string[]> {
  const { rows } = await t.db.pool.query<{ day: string }>(
    `select day from reservations where child_id = $1 and status = 'booked' order by day`,
    [childId],
  );
  return rows.map((r) => r.day);
}

/** A family of its own (so tests do not share reservations), signed in. */
async function freshFamily(names: string[] = ['Emma']) {
  const agent = t.agent();
  const fam = await createFamilyWithChild(t.db.pool, 'tarnos', 'BERNARD', names[0]);
  const others = [];
  for (const n of names.slice(1)) others.push(await addChild(t.db.pool, 'tarnos', fam.familyId, n));
  const activityId = await createActivity(t.db.pool, 'tarnos', { name: 'Restauration Scolaire' + Math.random() });
  const enrolmentId = await enrol(t.db.pool, 'tarnos', activityId, fam.childId);
  const siblingEnrolments = [];
  for (const c of others) siblingEnrolments.push({ childId: c, enrolmentId: await enrol(t.db.pool, 'tarnos', activityId, c) });
  const parent = await createParent(t.db.pool, 'tarnos', { familyId: fam.familyId });
  await signIn(agent, 'tarnos', parent.username, parent.password);
  return { agent, parent, activityId, childId: fam.childId, enrolmentId, siblings: siblingEnrolments, familyId: fam.familyId };
}

describe('MON AGENDA and the grid', () => {
  it('shows the month of the activities, what is reserved and the closures with their reason', async () => {
    const agent = t.agent();
    const e = await demoEnrolment(t.db.pool, 'tarnos', '40220-MARTIN1', 'Léa', 'Restauration Scolaire');
    await signedInParent(t.db.pool, agent, 'tarnos', '40220-MARTIN1');
    const res = await agent.get(`/tarnos/mon-espace/enfants/${e.childId}/agenda?mois=2026-12`);
    expect(res.status).toBe(200);
    const agenda = page(res);
    expect(agenda.heading()).toBe('Mon agenda');
    expect(agenda.texts('.activity-list li')).toContain('Restauration Scolaire – 1-Restaurant Félix Concaret du 01/09/2026 au 02/07/2027');
    expect(agenda.texts('table caption')).toContain('Semaine du lundi 21 décembre au dimanche 27 décembre');
    expect(agenda.row('vendredi 25 décembre').cells[0]).toBe('Férié (Noël)');
    expect(agenda.row('lundi 21 décembre').cells[0]).toBe('Vacances de Noël');
    expect(agenda.texts('h3 + ul li')).toContain('Vacances de Noël : du 19/12/2026 au 03/01/2027');
    // An unknown month falls back to the current one rather than failing.
    expect((await agent.get(`/tarnos/mon-espace/enfants/${e.childId}/agenda?mois=9999-99`)).status).toBe(200);
  });

  it('labels each checkbox for screen readers, says why the other days cannot change, and until when the others can', async () => {
    const f = await freshFamily();
    const res = await f.agent.get(`${gridPath('tarnos', f.childId, f.enrolmentId)}?mois=2026-12`);
    expect(res.status).toBe(200);
    const grid = page(res);
    for (const day of ['LUNDI', 'MARDI', 'MERCREDI', 'JEUDI', 'VENDREDI', 'SAMEDI', 'DIMANCHE'])
      expect(grid.texts('th[scope="col"]')).toContain(day);
    const label = grid.one('label[for="jour-2026-12-08"]');
    expect(label.children('span[aria-hidden="true"]').text()).toBe('Repas');
    expect(label.children('span.visually-hidden').text()).toBe('Repas, mardi 8 décembre');
    expect(grid.text('.week-grid__until')).toContain("Modifiable jusqu'au lundi 23 novembre à 23:59.");
    // Monday 7 December closed on Sunday 22 at midnight: said in words, no checkbox.
    expect(grid.has('[id="jour-2026-12-07"]')).toBe(false);
    const monday = gridDay(grid, 'lundi 07/12');
    expect(
      monday
        .children()
        .toArray()
        .map((e) => e.tagName),
    ).toEqual(['span', 'p']);
    expect(monday.children('p.week-grid__state').text()).toBe('Date limite dépassée');
    expect(grid.text()).toContain('Vacances de Noël');
    expect(grid.text()).toContain('Tout cocher');
    // Week view, and navigation.
    const week = await f.agent.get(`${gridPath('tarnos', f.childId, f.enrolmentId)}?semaine=2026-12-09`);
    expect(week.text).toContain('Réservations d&#39;Emma (Repas) du 07/12/2026 au 13/12/2026');
  });

  it('keeps ticks "en attente" until VALIDER, then books in one transaction and sends the two mails of seed 004', async () => {
    const f = await freshFamily();
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2026-12-08', '2026-12-10']);
    expect(await reservedDays(f.childId)).toEqual([]);
    expect(booking.recap.text).toContain('mardi 8 décembre 2026');
    const grid = await f.agent.get(`${gridPath('tarnos', f.childId, f.enrolmentId)}?mois=2026-12`);
    expect(grid.text).toContain('modification en attente : à réserver');
    expect(grid.text).toContain('(2 modifications en attente)');

    const res = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/tarnos\/mon-espace\/reservations\/demandes\/[0-9a-f-]{36}$/);
    expect(await reservedDays(f.childId)).toEqual(['2026-12-08', '2026-12-10']);
    const submission = page(await f.agent.get(res.headers.location!));
    expect(submission.texts('[role="status"] > p')[0]).toMatch(/^Votre demande a été prise en compte : 2 réservations enregistrées\./);
    expect(submission.definition('État').children('strong').text()).toBe('Confirmée');
    const { rows } = await t.db.pool.query<{ subject: string; to_address: string }>(
      `select subject, to_address from mail_outbox where to_address = $1 order by created_at, subject desc`,
      [f.parent.email],
    );
    expect(rows.map((r) => r.subject).sort()).toEqual([
      'Votre demande est enregistrée',
      'Votre réservation est confirmée – ' + (await activityName(f.activityId)),
    ]);
    // The submission is a request of type 'reservation', accepted at once, in "Dernières demandes".
    const request = await t.db.pool.query(
      `select r.type, r.status, r.summary from requests r join reservation_submissions s on s.request_id = r.id where s.family_id = $1`,
      [f.familyId],
    );
    expect(request.rows).toEqual([
      { type: 'reservation', status: 'accepted', summary: `${await activityName(f.activityId)} – Emma : 2 jours réservés` },
    ]);
    const agenda = page(await f.agent.get(`/tarnos/mon-espace/enfants/${f.childId}/agenda?mois=2026-12`));
    const booked = agenda.row('mardi 8 décembre').el.children('td').first();
    expect([booked.attr('class'), booked.text()]).toEqual(['agenda-table__booked', 'Réservé']);

    // Cancelling is the same path with the box unticked.
    const cancel = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, [], ['2026-12-10']);
    expect(cancel.recap.text).toContain('Réservations à annuler (1)');
    await f.agent.post(cancel.path).type('form').send(cancel.fields);
    expect(await reservedDays(f.childId)).toEqual(['2026-12-08']);
  });

  it('ticks and unticks a whole period with submit buttons (no script needed)', async () => {
    const f = await freshFamily();
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    const grid = await f.agent.get(`${path}?semaine=2026-12-14`);
    const shown = page(grid).attrs('input[name="affiches"]', 'value');
    expect(shown).toEqual(['2026-12-14', '2026-12-15', '2026-12-17', '2026-12-18']);
    const all = await f.agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(grid.text), vue: 'semaine:2026-12-14', affiches: shown, action: 'tout-cocher' });
    expect(all.headers.location).toBe(`${path}?semaine=2026-12-14`);
    const after = await f.agent.get(all.headers.location!);
    expect(page(after).checked('jours')).toEqual(shown);
    const none = await f.agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(after.text), vue: 'semaine:2026-12-14', affiches: shown, action: 'tout-decocher' });
    const cleared = await f.agent.get(none.headers.location!);
    expect(page(cleared).checked('jours')).toEqual([]);
    expect(cleared.text).not.toContain('modifications en attente)');
  });

  it('navigates by month and week with buttons that keep the ticks', async () => {
    const f = await freshFamily();
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    const grid = await f.agent.get(`${path}?mois=2026-12`);
    const res = await f.agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(grid.text), vue: 'mois:2026-12', affiches: ['2026-12-08'], jours: ['2026-12-08'], aller: 'mois:2027-01' });
    expect(res.headers.location).toBe(`${path}?mois=2027-01`);
    const back = await f.agent.get(`${path}?mois=2026-12`);
    expect(page(back).checked('jours')).toEqual(['2026-12-08']);
  });
});

/** The grid's cell of a day, found by its date as the cell shows it ("lundi 07/12"). */
function gridDay(grid: Page, date: string) {
  const cell = grid
    .all('td.week-grid__day')
    .toArray()
    .find((td) => squish(grid.$(td).children('.week-grid__date').text()) === date);
  if (!cell) throw new Error(`no grid cell ${date}`);
  return grid.$(cell);
}

async function activityName(id: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ name: string }>(`select name from activities where id = $1`, [id]);
  return rows[0]!.name;
}

describe('Appliquer une périodicité', () => {
  it('previews the days booked and those skipped with their reason, for the child and a sibling, then books them all', async () => {
    const f = await freshFamily(['Emma', 'Lucas']);
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    const form = await f.agent.get(`${path}/periodicite`);
    expect(form.status).toBe(200);
    expect(page(form).label('freres')).toBe('Lucas');
    const preview = await f.agent
      .post(`${path}/periodicite`)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        jours: ['1', '4'],
        du: '01/12/2026',
        au: '08/01/2027',
        action: 'reserver',
        freres: [f.siblings[0]!.enrolmentId],
      });
    expect(preview.status).toBe(200);
    // Mondays and Thursdays from 8 December (the deadline) to the holidays, then from 4 January.
    expect(preview.text).toContain('Tous les lundis et jeudis, du 01/12/2026 au 08/01/2027');
    expect(preview.text).toContain('Emma : 5 repas à réserver');
    expect(preview.text).toContain('Lucas : 5 repas à réserver');
    const listed = page(preview).texts('ul.day-list > li');
    for (const d of ['jeudi 10 décembre', 'lundi 14 décembre', 'jeudi 17 décembre', 'lundi 4 janvier', 'jeudi 7 janvier'])
      expect(listed).toContain(d);
    expect(listed).toContain('jeudi 3 décembre : Date limite dépassée');
    expect(listed).toContain('jeudi 24 décembre : Vacances de Noël');
    expect(await reservedDays(f.childId)).toEqual([]);

    const confirm = await f.agent
      .post(`${path}/periodicite/confirmer`)
      .type('form')
      .send({
        _csrf: csrfFrom(preview.text),
        jours: ['1', '4'],
        du: '2026-12-01',
        au: '2027-01-08',
        action: 'reserver',
        freres: [f.siblings[0]!.enrolmentId],
      });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.location).toBe(`${path}/recapitulatif`);
    const recap = await f.agent.get(confirm.headers.location!);
    expect(recap.text).toContain('Emma – ');
    expect(recap.text).toContain('Lucas – ');
    const key = page(recap).hidden('cle');
    await f.agent
      .post(`${path}/valider`)
      .type('form')
      .send({ _csrf: csrfFrom(recap.text), cle: key });
    const expected = ['2026-12-10', '2026-12-14', '2026-12-17', '2027-01-04', '2027-01-07'];
    expect(await reservedDays(f.childId)).toEqual(expected);
    expect(await reservedDays(f.siblings[0]!.childId)).toEqual(expected);
    const { rows } = await t.db.pool.query(`select count(*)::int as n from reservation_submissions where family_id = $1`, [f.familyId]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses invalid input with the error summary, messages beside the fields and the typed values kept', async () => {
    const f = await freshFamily();
    const path = `${gridPath('tarnos', f.childId, f.enrolmentId)}/periodicite`;
    const form = await f.agent.get(path);
    const post = (body: Record<string, unknown>) =>
      f.agent
        .post(path)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), ...body });

    const empty = await post({});
    expect(empty.status).toBe(400);
    expect(page(empty).title()).toMatch(/^Erreur : Appliquer une périodicité/);
    const summary = page(empty).errorSummary();
    expect(summary).toContainEqual({ field: 'jours', message: 'Choisissez au moins un jour de la semaine' });
    expect(summary).toContainEqual({ field: 'du', message: 'Saisissez la date de début' });
    expect(summary.map((e) => e.field)).toContain('action');

    const bad = await post({ jours: ['1'], du: '31/02/2026', au: 'demain', action: 'reserver' });
    expect(bad.status).toBe(400);
    const badPage = page(bad);
    expect(badPage.fieldError('du')).toContain('Saisissez la date de début au format JJ/MM/AAAA');
    expect(badPage.fieldValue('du')).toBe('31/02/2026');
    expect(badPage.checked('jours')).toEqual(['1']);
    expect(badPage.one('input[name="jours"][checked]').attr('id')).toBe('jours');

    const reversed = await post({ jours: ['1'], du: '10/12/2026', au: '01/12/2026', action: 'reserver' });
    expect(reversed.text).toContain('La date de fin doit être la même que la date de début ou après');
    const tooLong = await post({ jours: ['1'], du: '01/12/2026', au: '01/12/2028', action: 'reserver' });
    expect(tooLong.text).toContain('La période ne peut pas dépasser un an');
    // Wednesday: the meals do not run then.
    const wednesday = await post({ jours: ['3'], du: '01/12/2026', au: '10/12/2026', action: 'reserver' });
    expect(wednesday.status).toBe(400);
    expect(wednesday.text).toContain('Choisissez des jours où l&#39;activité a lieu');
    // A sibling that is not one, and a tampered action.
    expect(
      (
        await post({
          jours: ['1'],
          du: '01/12/2026',
          au: '10/12/2026',
          action: 'reserver',
          freres: ['00000000-0000-4000-8000-000000000000'],
        })
      ).status,
    ).toBe(400);
    expect((await post({ jours: ['1'], du: '01/12/2026', au: '10/12/2026', action: 'supprimer' })).status).toBe(400);
  });
});

describe('deadlines are decided when saving', () => {
  // Sessions last 12 hours: start the evening before the deadline.
  beforeEach(() => t.clock.set('2026-11-25T18:00:00Z'));

  it('refuses VALIDER after the deadline even from a recap loaded before it, and saves nothing', async () => {
    const f = await freshFamily();
    // Thursday 10 December closes at the end of Wednesday 25 November (Paris).
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2026-12-10', '2026-12-14']);
    t.clock.set('2026-11-25T23:00:00Z'); // 26 November, 00:00 in Paris
    const res = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(res.status).toBe(409);
    expect(page(res).title()).toMatch(/^Erreur : /);
    expect(page(res).text()).toContain("Rien n'a été enregistré");
    expect(res.text).toContain('jeudi 10 décembre (Date limite dépassée)');
    expect(await reservedDays(f.childId)).toEqual([]);
    // The late day left the draft; the rest can be validated.
    const key = page(res).hidden('cle');
    const again = await f.agent
      .post(booking.path)
      .type('form')
      .send({ _csrf: csrfFrom(res.text), cle: key });
    expect(again.status).toBe(303);
    expect(await reservedDays(f.childId)).toEqual(['2026-12-14']);
  });

  it('a minute before the deadline it is accepted', async () => {
    const f = await freshFamily();
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2026-12-10']);
    t.clock.set('2026-11-25T22:59:59Z');
    expect((await f.agent.post(booking.path).type('form').send(booking.fields)).status).toBe(303);
    expect(await reservedDays(f.childId)).toEqual(['2026-12-10']);
  });

  it('ignores, and says so, a tick posted from a grid loaded before the deadline', async () => {
    const f = await freshFamily();
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    const grid = await f.agent.get(`${path}?mois=2026-12`);
    t.clock.set('2026-11-25T23:00:00Z');
    const res = await f.agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(grid.text),
        vue: 'mois:2026-12',
        affiches: ['2026-12-10', '2026-12-14'],
        jours: ['2026-12-10', '2026-12-14'],
        action: 'enregistrer',
      });
    const after = page(await f.agent.get(res.headers.location!));
    expect(after.text()).toContain(
      "Ces jours ne peuvent plus être modifiés et n'ont pas été pris en compte : Emma, jeudi 10 décembre (Date limite dépassée)",
    );
    expect(after.text()).toContain('(1 modification en attente)');
  });
});

describe('refusals', () => {
  it('stops a script at RESERVATIONS_PER_HOUR saves an hour per family (429), books nothing, and keeps the pending ticks', async () => {
    const f = await freshFamily();
    const booking = await prepareBooking(f.agent, 'tarnos', f.childId, f.enrolmentId, ['2026-12-14']);
    await useUpRateLimit(t.db.pool, `reservations:${f.familyId}`, RESERVATIONS_PER_HOUR, t.clock.now());
    const res = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await reservedDays(f.childId)).toEqual([]);
    await t.db.pool.query('delete from rate_limits');
    const again = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(again.status).toBe(303);
    expect(await reservedDays(f.childId)).toEqual(['2026-12-14']);
  });

  it('refuses posts without the CSRF token', async () => {
    const f = await freshFamily();
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    expect(
      (
        await f.agent
          .post(path)
          .type('form')
          .send({ affiches: ['2026-12-08'], action: 'enregistrer' })
      ).status,
    ).toBe(403);
    expect(
      (
        await f.agent
          .post(`${path}/valider`)
          .type('form')
          .send({ cle: 'a'.repeat(24) })
      ).status,
    ).toBe(403);
    expect((await f.agent.post(`${path}/periodicite`).type('form').send({ jours: '1' })).status).toBe(403);
  });

  it('answers 400, never 500, to tampered grids and keys', async () => {
    const f = await freshFamily();
    const path = gridPath('tarnos', f.childId, f.enrolmentId);
    const grid = await f.agent.get(path);
    const csrf = csrfFrom(grid.text);
    const post = (p: string, body: Record<string, unknown>) =>
      f.agent
        .post(p)
        .type('form')
        .send({ _csrf: csrf, ...body });
    expect((await post(path, { affiches: ['2026-02-30'], action: 'enregistrer' })).status).toBe(400);
    expect((await post(path, { affiches: ['<script>'], action: 'enregistrer' })).status).toBe(400);
    expect((await post(path, { affiches: ['2026-12-08'], action: 'rien' })).status).toBe(400);
    expect((await post(path, { affiches: ['2026-01-05', '2026-12-08'], action: 'enregistrer' })).status).toBe(400);
    expect((await post(path, { affiches: ['2026-12-08'], action: 'enregistrer', freres: ['pas-un-id'] })).status).toBe(400);
    expect((await post(`${path}/valider`, { cle: 'court' })).status).toBe(400);
    const unknownKey = await post(`${path}/valider`, { cle: 'x'.repeat(24) });
    expect(unknownKey.status).toBe(303);
    expect(unknownKey.headers.location).toBe(path);
  });
});
