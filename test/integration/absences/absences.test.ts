import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { housekeep } from '../../../src/jobs/housekeeping.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { pdf, png } from '../../helpers/files.js';
import { createDocument, createReservation } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { TestSmtpServer } from '../../helpers/smtp.js';
import { postForm, requestIdFrom, signedInAgent } from '../requests/helpers.js';
import { absenceFamily, count, draftIdFrom, postStep1, TOWN_RULE, validate } from './helpers.js';

/**
 * "Signaler une absence" through HTTP: step 1 with its files, the recap, VALIDER (one
 * transaction: the request, its attachments, the absence days, the optional copy in the
 * storage), the agents' decision and what it does to the days.
 */

const NOW = '2026-11-23T09:00:00Z'; // Monday 23 November 2026, 10:00 in Paris

let t: TestApp;
const smtp = new TestSmtpServer();
beforeAll(async () => {
  await smtp.start();
  t = await createTestApp({ now: NOW, smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  t.clock.set(NOW);
  await t.db.pool.query('delete from rate_limits');
});

async function mailsTo(address: string) {
  await t.deliverMail();
  return smtp.to(address);
}

async function absenceDays(childId: string) {
  const { rows } = await t.db.pool.query<{ day: string; was_reserved: boolean; justified: boolean }>(
    `select day, was_reserved, justified from absence_days where child_id = $1 order by day`,
    [childId],
  );
  return rows;
}

describe('an absence from step 1 to the decision', () => {
  it('keeps step 1 with its PDF, shows the recap, makes the request with its justificatif and days, and mails the parent', async () => {
    // Thursday 17 December was booked in time (Tarnos: 15 days before); on Wednesday 16 the
    // deadline has long passed, and Léa is ill.
    t.clock.set('2026-12-16T08:00:00Z');
    const f = await absenceFamily(t, 'tarnos', 'MARTINEZ', TOWN_RULE);
    await createReservation(t.db.pool, 'tarnos', {
      activityId: f.activityId,
      enrolmentId: f.enrolmentId,
      childId: f.childId,
      day: '2026-12-17',
      status: 'booked',
    });

    // The entry points.
    const child = await f.agent.get(urls.child('tarnos', f.childId));
    expect(page(child).links()).toContainEqual({ href: urls.absenceStart('tarnos', f.childId), text: 'Signaler une absence' });
    const intro = await f.agent.get(urls.absenceStart('tarnos', f.childId));
    expect(intro.status).toBe(200);
    expect(page(intro).text()).toContain('Durée approximative de cette démarche : 5 mn');
    expect(page(intro).text()).toContain('force majeure');
    expect(page(intro).links()).toContainEqual({ href: urls.absenceForm('tarnos', f.childId), text: 'Commencer' });

    const form = await f.agent.get(urls.absenceForm('tarnos', f.childId));
    expect(form.status).toBe(200);
    expect(page(form).text()).toContain(`${f.activityName} – Site test du 01/09/2026 au 02/07/2027`);
    const step1Form = page(form);
    const datesLegend = step1Form.all('legend').filter((_, l) => step1Form.$(l).text().includes("Dates d'absence"));
    expect(datesLegend.children().first().is('span.required-mark[aria-hidden="true"]')).toBe(true);
    expect(datesLegend.text()).toMatch(/^\* Dates d'absence/);
    for (const label of [
      "Aujourd'hui",
      'Hier',
      'Demain',
      'Cette semaine',
      'La semaine dernière',
      'La semaine prochaine',
      'Ce mois-ci',
      'Le mois dernier',
      'Le mois prochain',
      'Le …',
      'Du … au …',
    ])
      expect(step1Form.texts('label')).toContain(label);
    expect(page(form).text()).toContain("Merci de bien vouloir fournir à votre demande un justificatif d'absence");
    expect(page(form).text()).toContain('Dupliquer cette pièce dans mon espace de stockage');
    // Every label names one field, and every field has its label.
    const ids = step1Form.attrs('[id]', 'id');
    expect(ids.length).toBe(new Set(ids).size);
    for (const id of step1Form.attrs('input[id]:not([type="hidden"]), textarea[id], select[id]', 'id')) {
      expect(step1Form.has(`label[for="${id}"]`), id).toBe(true);
    }

    const step1 = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'le', le: '17/12/2026', commentaire: 'Absence pour raison de santé' },
      [{ content: pdf('Certificat médical'), filename: 'Certificat médical.pdf' }],
    );
    expect(step1.status, step1.text.slice(0, 2000)).toBe(303);
    const draftId = draftIdFrom(step1.headers.location);
    expect(await count(t.db.pool, 'absence_draft_files where draft_id = $1', [draftId])).toBe(1);

    const recap = await f.agent.get(urls.absenceRecap('tarnos', draftId));
    expect(recap.status).toBe(200);
    expect(page(recap).text()).toContain("Retour à l'étape 1");
    expect(page(recap).dd('Le demandeur')).toBe('Jean MARTINEZ');
    expect(page(recap).dd('Inscrit')).toBe('Léa MARTINEZ');
    expect(page(recap).text()).toContain('Le jeudi 17 décembre 2026');
    expect(page(recap).texts('li')).toContain('jeudi 17 décembre 2026 – réservé');
    expect(page(recap).text()).toContain('Absence pour raison de santé');
    expect(page(recap).text()).toContain("Justificatif d'absence : Certificat médical.pdf");

    const sent = await validate(f.agent, 'tarnos', draftId);
    expect(sent.status).toBe(303);
    const requestId = requestIdFrom(sent.headers.location);
    const { rows } = await t.db.pool.query(`select type, status, summary, child_id, payload from requests where id = $1`, [requestId]);
    expect(rows[0]).toMatchObject({
      type: 'absence',
      status: 'sent',
      summary: 'Absence de Léa MARTINEZ le 17/12/2026',
      child_id: f.childId,
    });
    expect(rows[0].payload.datesWords).toBe('Le jeudi 17 décembre 2026');
    const { rows: files } = await t.db.pool.query(
      `select a.file_name, a.content, m.body from request_attachments a join request_messages m on m.id = a.message_id where a.request_id = $1`,
      [requestId],
    );
    expect(files).toHaveLength(1);
    expect(files[0].file_name).toBe('Certificat médical.pdf');
    expect(files[0].body).toBe('Absence pour raison de santé');
    expect(await absenceDays(f.childId)).toEqual([{ day: '2026-12-17', was_reserved: true, justified: false }]);
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(0);
    // Nothing went to the private storage: the box was not ticked.
    expect(await count(t.db.pool, 'private_documents where account_id = $1', [f.parent.id])).toBe(0);

    const request = page(await f.agent.get(sent.headers.location!));
    expect(request.text()).toContain('Votre signalement d’absence a été envoyé aux services.');
    expect(request.dd('Jours concernés')).toBe(f.activityName + ' : 17/12/2026 (réservé)');
    const mails = await mailsTo(f.parent.email);
    expect(mails.map((m) => m.subject)).toContain('Votre demande a bien été envoyée');
    expect(mails.find((m) => m.subject === 'Votre demande a bien été envoyée')!.text).toContain('Absence de Léa MARTINEZ le 17/12/2026');

    // The agent finds it in the queue, reads the justificatif, and accepts.
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const queue = await back.get(urls.agentRequests('tarnos', { type: 'absence', statut: 'toutes' }));
    expect(page(queue).text()).toContain('Absence de Léa MARTINEZ le 17/12/2026');
    const detail = await back.get(urls.agentRequest('tarnos', requestId));
    expect(detail.status).toBe(200);
    expect(page(detail).text()).toContain('Accepter justifie ces jours : ils ne seront pas facturés.');
    const attachment = page(detail)
      .links()
      .find((l) => l.href.startsWith(`${urls.agentRequest('tarnos', requestId)}/pieces/`));
    const fileId = attachment?.href.split('/').pop();
    const download = await back.get(urls.agentRequestAttachment('tarnos', requestId, fileId!)).buffer(true);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body as Buffer, files[0].content)).toBe(0);
    const page2 = urls.agentRequest('tarnos', requestId);
    expect((await postForm(back, page2, urls.agentRequestStatus('tarnos', requestId), { action: 'prendre' })).status).toBe(303);
    expect((await postForm(back, page2, urls.agentRequestStatus('tarnos', requestId), { action: 'accepter' })).status).toBe(303);
    expect(await absenceDays(f.childId)).toEqual([{ day: '2026-12-17', was_reserved: true, justified: true }]);
    expect((await mailsTo(f.parent.email)).map((m) => m.subject)).toContain('Votre demande : acceptée');
  });

  it('leaves the days unjustified when the agent refuses, and tells the parent why', async () => {
    const f = await absenceFamily(t, 'tarnos', 'REFUS');
    const step1 = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'du-au', du: '07/12/2026', au: '11/12/2026' },
      [{ content: png(), filename: 'mot.png', contentType: 'image/png' }],
    );
    expect(step1.status).toBe(303);
    const sent = await validate(f.agent, 'tarnos', draftIdFrom(step1.headers.location));
    const requestId = requestIdFrom(sent.headers.location);
    // No comment: the files travel with a fixed sentence.
    const { rows } = await t.db.pool.query(`select body from request_messages where request_id = $1`, [requestId]);
    expect(rows.map((r) => r.body)).toEqual(["Justificatif d'absence joint."]);
    expect((await absenceDays(f.childId)).map((d) => d.day)).toEqual(['2026-12-07', '2026-12-08', '2026-12-10', '2026-12-11']);

    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = urls.agentRequest('tarnos', requestId);
    const refused = await postForm(back, page, urls.agentRequestStatus('tarnos', requestId), {
      action: 'refuser',
      motif: 'Le justificatif ne couvre pas ces dates.',
    });
    expect(refused.status).toBe(303);
    expect((await absenceDays(f.childId)).every((d) => !d.justified)).toBe(true);
    const mail = (await mailsTo(f.parent.email)).find((m) => m.subject === 'Votre demande : refusée');
    expect(mail?.text).toContain('Motif : Le justificatif ne couvre pas ces dates.');
  });
});

describe('only days past their deadline are reported', () => {
  it('leaves out the days that can still be cancelled, says so on the recap, and refuses dates with only those', async () => {
    // Monday 23 November, Tarnos's rule (15 days before): 7 December is closed, 8 December
    // open until tonight, the 10th and 11th later still.
    const f = await absenceFamily(t, 'tarnos', 'OUVERT', TOWN_RULE);
    const res = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'du-au', du: '07/12/2026', au: '11/12/2026' },
      [{ content: pdf(), filename: 'certificat.pdf' }],
    );
    expect(res.status).toBe(303);
    const recap = await f.agent.get(res.headers.location!);
    const listed = page(recap).texts('li');
    expect(listed).toContain('lundi 7 décembre 2026');
    expect(listed.filter((li) => li.startsWith('mardi 8 décembre 2026'))).toEqual([]);
    expect(page(recap).text()).toContain('3 jours de ces dates peuvent encore être modifiés : ils ne sont pas signalés.');

    const open = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'du-au', du: '10/12/2026', au: '11/12/2026' },
      [{ content: pdf(), filename: 'certificat.pdf' }],
    );
    expect(open.status).toBe(400);
    expect(page(open).text()).toContain('Ces jours peuvent encore être modifiés : annulez-les dans « Modifier les réservations » de Léa');
  });
});

describe('a day is reported once', () => {
  it('leaves out the days of an absence that still stands, refuses dates with none left, and takes them again once refused', async () => {
    const f = await absenceFamily(t, 'tarnos', 'DEJA');
    const pieces = () => [{ content: pdf(), filename: 'certificat.pdf' }];
    const first = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'le', le: '24/11/2026' }, pieces());
    const sent = await validate(f.agent, 'tarnos', draftIdFrom(first.headers.location));
    const requestId = requestIdFrom(sent.headers.location);

    // The same day again: nothing left to report.
    const again = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'le', le: '24/11/2026' }, pieces());
    expect(again.status).toBe(400);
    expect(page(again).text()).toContain("L'absence de Léa est déjà signalée pour ces jours");
    expect(await count(t.db.pool, 'absence_drafts where account_id = $1', [f.parent.id])).toBe(0);

    // The whole week: the 24th is left out.
    const week = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'cette-semaine' }, pieces());
    expect(week.status).toBe(303);
    const { rows } = await t.db.pool.query<{ data: { days: { day: string }[] } }>('select data from absence_drafts where id = $1', [
      draftIdFrom(week.headers.location),
    ]);
    expect(rows[0]!.data.days.map((d) => d.day)).toEqual(['2026-11-23', '2026-11-26', '2026-11-27']);

    // Once the services refuse the first report, its day can be reported again.
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    await postForm(back, urls.agentRequest('tarnos', requestId), urls.agentRequestStatus('tarnos', requestId), {
      action: 'refuser',
      motif: 'Justificatif illisible.',
    });
    const retry = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'le', le: '24/11/2026' }, pieces());
    expect(retry.status).toBe(303);
  });

  it('refuses at VALIDER the days another report took in the meantime, and saves nothing', async () => {
    const f = await absenceFamily(t, 'tarnos', 'DEUXONGLETS');
    const fields = { inscriptions: f.enrolmentId, periode: 'demain' };
    const a = await postStep1(f.agent, 'tarnos', f.childId, fields, [{ content: pdf(), filename: 'a.pdf' }]);
    const draftA = draftIdFrom(a.headers.location);
    const tokenA = csrfFrom((await f.agent.get(a.headers.location!)).text);
    // A second tab: step 1 again replaces nothing (no draft id in the form), so two drafts exist.
    const b = await postStep1(f.agent, 'tarnos', f.childId, fields, [{ content: pdf(), filename: 'b.pdf' }]);
    const draftB = draftIdFrom(b.headers.location);
    expect(draftB).not.toBe(draftA);
    expect((await validate(f.agent, 'tarnos', draftB)).status).toBe(303);
    const late = await validate(f.agent, 'tarnos', draftA, tokenA);
    expect(late.status).toBe(409);
    expect(page(late).text()).toContain('Certains de ces jours ont été signalés entre-temps dans une autre demande');
    expect(await count(t.db.pool, "requests where child_id = $1 and type = 'absence'", [f.childId])).toBe(1);
    expect(await count(t.db.pool, 'absence_days where child_id = $1', [f.childId])).toBe(1);
  });
});

describe('the dates of the absence', () => {
  const cases: [string, Record<string, string>, string[] | { first: string; last: string; n: number }][] = [
    ['aujourdhui', {}, ['2026-11-23']],
    ['demain', {}, ['2026-11-24']],
    ['cette-semaine', {}, ['2026-11-23', '2026-11-24', '2026-11-26', '2026-11-27']],
    ['semaine-derniere', {}, ['2026-11-16', '2026-11-17', '2026-11-19', '2026-11-20']],
    ['semaine-prochaine', {}, ['2026-11-30', '2026-12-01', '2026-12-03', '2026-12-04']],
    // After the Toussaint holidays (until 01/11), to Monday 30.
    ['ce-mois-ci', {}, { first: '2026-11-02', last: '2026-11-30', n: 17 }],
    // Until the Toussaint holidays (from 17/10).
    ['mois-dernier', {}, { first: '2026-10-01', last: '2026-10-16', n: 10 }],
    // Until the Christmas holidays (from 19/12).
    ['mois-prochain', {}, { first: '2026-12-01', last: '2026-12-18', n: 11 }],
    ['le', { le: '2026-12-04' }, ['2026-12-04']],
    ['du-au', { du: '29/1/2027', au: '02/02/2027' }, ['2027-01-29', '2027-02-01', '2027-02-02']],
  ];

  it.each(cases)('%s resolves to the activity days of the range', async (periode, extra, expected) => {
    const f = await absenceFamily(t, 'tarnos', 'DATES');
    const res = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode, ...extra }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    expect(res.status, res.text.slice(0, 1500)).toBe(303);
    const { rows } = await t.db.pool.query<{ data: { days: { day: string }[] } }>(`select data from absence_drafts where id = $1`, [
      draftIdFrom(res.headers.location),
    ]);
    const days = rows[0]!.data.days.map((d) => d.day);
    if (Array.isArray(expected)) expect(days).toEqual(expected);
    else expect({ first: days[0], last: days.at(-1), n: days.length }).toEqual(expected);
  });

  it('reads the presets on the injected clock: "Hier" on a Tuesday is the Monday', async () => {
    t.clock.set('2026-11-24T22:30:00Z'); // Tuesday 24 November, 23:30 in Paris
    const f = await absenceFamily(t, 'tarnos', 'HIER');
    const res = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'hier' }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    expect(res.status).toBe(303);
    const recap = await f.agent.get(res.headers.location!);
    expect(page(recap).text()).toContain('Le lundi 23 novembre 2026');
  });
});

describe('step 1 refuses what it cannot accept, in French, with the typed values kept', () => {
  const PDF = [{ content: pdf(), filename: 'certificat.pdf' }];

  async function refused(fields: Record<string, string | string[]>, files = PDF, name = 'ERREUR') {
    const f = await absenceFamily(t, 'tarnos', name);
    const res = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, ...fields }, files);
    return { f, res };
  }

  it('without an enrolment or a choice of dates', async () => {
    const { res } = await refused({ inscriptions: [], commentaire: 'Grippe' });
    expect(res.status).toBe(400);
    const refusedPage = page(res);
    expect(refusedPage.title()).toMatch(/^Erreur : /);
    expect(refusedPage.text('.error-summary h2')).toBe('Il y a un problème');
    expect(refusedPage.errorSummary()).toContainEqual({ field: 'inscriptions', message: 'Choisissez au moins une inscription de Léa' });
    expect(page(res).text()).toContain("Choisissez les dates d'absence");
    expect(refusedPage.fieldValue('commentaire')).toBe('Grippe');
    expect(page(res).text()).toContain('sélectionnez-les à nouveau');
    expect(await count(t.db.pool, 'absence_drafts')).toBeGreaterThanOrEqual(0);
  });

  it('with a date that does not exist, or an end before the start, or too long a range', async () => {
    const bad = await refused({ periode: 'le', le: '31/02/2027' });
    expect(bad.res.status).toBe(400);
    expect(page(bad.res).fieldError('le')).toContain("Saisissez la date d'absence au format JJ/MM/AAAA");
    expect(page(bad.res).fieldValue('le')).toBe('31/02/2027');

    const reversed = await refused({ periode: 'du-au', du: '10/12/2026', au: '07/12/2026' });
    expect(reversed.res.status).toBe(400);
    expect(page(reversed.res).text()).toContain("Le dernier jour d'absence doit être le premier jour ou après");
    expect(page(reversed.res).fieldValue('du')).toBe('10/12/2026');

    const long = await refused({ periode: 'du-au', du: '01/12/2026', au: '15/02/2027' });
    expect(long.res.status).toBe(400);
    expect(page(long.res).text()).toContain('Signalez une absence de 62 jours au plus');
  });

  it('without a justificatif', async () => {
    const { res } = await refused({ periode: 'aujourdhui' }, []);
    expect(res.status).toBe(400);
    expect(page(res).text()).toContain(
      "Joignez un justificatif d'absence : ajoutez un fichier ou choisissez un document de votre espace de stockage",
    );
    expect(page(res).checked('periode')).toEqual(['aujourdhui']);
    expect(page(res).one('input[name="periode"][checked]').attr('id')).toBe('periode');
  });

  it('with a file of the wrong type, too large, or too many files', async () => {
    const exe = await refused({ periode: 'aujourdhui' }, [{ content: Buffer.from('MZ not a document'), filename: 'virus.pdf' }]);
    expect(exe.res.status).toBe(400);
    expect(page(exe.res).text()).toContain('virus.pdf');

    const big = await refused({ periode: 'aujourdhui', commentaire: 'Gros fichier' }, [
      { content: pdf('x', 3200 * 1024 + 1), filename: 'gros.pdf' },
    ]);
    expect(big.res.status).toBe(413);
    expect(page(big.res).text()).toContain('gros.pdf');
    expect(page(big.res).fieldValue('commentaire')).toBe('Gros fichier');

    const many = await refused(
      { periode: 'aujourdhui' },
      [1, 2, 3, 4, 5].map((i) => ({ content: pdf(`p${i}`), filename: `p${i}.pdf` })),
    );
    expect(many.res.status).toBe(400);
    expect(page(many.res).text()).toContain('Joignez 4 fichiers au maximum');
  });

  it('when no day of activity falls in the dates', async () => {
    // Wednesday: the restaurant of the test runs Mondays, Tuesdays, Thursdays and Fridays.
    const { res } = await refused({ periode: 'le', le: '16/12/2026' });
    expect(res.status).toBe(400);
    expect(page(res).text()).toContain("Aucun jour d'activité de Léa sur ces dates");
    expect(
      page(res)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('le');
    // Christmas holidays.
    const holidays = await refused({ periode: 'du-au', du: '21/12/2026', au: '01/01/2027' });
    expect(page(holidays.res).text()).toContain("Aucun jour d'activité de Léa sur ces dates");
  });

  it('refuses the piece fields when files are sent without a title', async () => {
    const { res } = await refused({ periode: 'aujourdhui', intitule: '' });
    expect(res.status).toBe(400);
    expect(page(res).text()).toContain("Saisissez l'intitulé du document");
  });

  it('counts the stored documents with the uploads: four files in all', async () => {
    const f = await absenceFamily(t, 'tarnos', 'QUATRE');
    const docId = await createDocument(t.db.pool, 'tarnos', f.parent.id, {
      kind: 'certificat_medical',
      title: 'Certificat',
      files: [1, 2].map((i) => ({ fileName: `c${i}.pdf`, contentType: 'application/pdf', content: pdf(`c${i}`), sha256: 'a'.repeat(64) })),
      now: new Date(NOW),
    });
    const res = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'aujourdhui', stockage: docId },
      [1, 2, 3].map((i) => ({ content: pdf(`p${i}`), filename: `p${i}.pdf` })),
    );
    expect(res.status).toBe(400);
    expect(page(res).text()).toContain('Joignez 4 fichiers au maximum en tout : vous en avez choisi 5');
    expect(page(res).checked('stockage')).toEqual([docId]);
  });
});

describe('CSRF', () => {
  it('refuses step 1 and VALIDER without the token, and stores nothing', async () => {
    const f = await absenceFamily(t, 'tarnos', 'CSRF');
    const before = await count(t.db.pool, 'absence_drafts');
    const noToken = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'aujourdhui' },
      [{ content: pdf(), filename: 'j.pdf' }],
      null,
    );
    expect(noToken.status).toBe(403);
    const wrong = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'aujourdhui' },
      [{ content: pdf(), filename: 'j.pdf' }],
      'x'.repeat(40),
    );
    expect(wrong.status).toBe(403);
    expect(await count(t.db.pool, 'absence_drafts')).toBe(before);

    const ok = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'aujourdhui' }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    const draftId = draftIdFrom(ok.headers.location);
    const forged = await f.agent.post(urls.absenceValidate('tarnos', draftId)).type('form').send({});
    expect(forged.status).toBe(403);
    expect(await count(t.db.pool, "requests where child_id = $1 and type = 'absence'", [f.childId])).toBe(0);
  });
});

describe('VALIDER is all or nothing, and once only', () => {
  it('saves nothing when the copy in the storage is over quota, and says so on step 1', async () => {
    const f = await absenceFamily(t, 'tarnos', 'QUOTA');
    const step1 = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'demain', dupliquer: 'oui', commentaire: 'Otite' },
      [{ content: pdf(), filename: 'certificat.pdf' }],
    );
    expect(step1.status).toBe(303);
    const draftId = draftIdFrom(step1.headers.location);
    expect((await f.agent.get(step1.headers.location!)).text).toContain('sera aussi rangée dans votre espace de stockage');
    await t.db.pool.query(`update towns set document_quota_bytes = 10 where slug = 'tarnos'`);
    try {
      const res = await validate(f.agent, 'tarnos', draftId);
      expect(res.status).toBe(413);
      expect(page(res).text()).toContain('Il ne reste pas assez de place dans votre espace de stockage');
      expect(
        page(res)
          .errorSummary()
          .map((e) => e.field),
      ).toContain('dupliquer');
      expect(page(res).fieldValue('commentaire')).toBe('Otite');
    } finally {
      await t.db.pool.query(`update towns set document_quota_bytes = default where slug = 'tarnos'`);
    }
    expect(await count(t.db.pool, "requests where child_id = $1 and type = 'absence'", [f.childId])).toBe(0);
    expect(await count(t.db.pool, 'request_attachments a join requests r on r.id = a.request_id where r.child_id = $1', [f.childId])).toBe(
      0,
    );
    expect(await count(t.db.pool, 'absence_days where child_id = $1', [f.childId])).toBe(0);
    expect(await count(t.db.pool, 'private_documents where account_id = $1', [f.parent.id])).toBe(0);
    expect(await count(t.db.pool, 'mail_outbox where to_address = $1', [f.parent.email])).toBe(0);
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(1);

    // With room again, the same draft goes through, and the copy lands in the storage.
    const res = await validate(f.agent, 'tarnos', draftId);
    expect(res.status).toBe(303);
    expect(await count(t.db.pool, 'private_documents where account_id = $1', [f.parent.id])).toBe(1);
  });

  it('sends the parent back to step 1 when an enrolment was removed since, and saves nothing', async () => {
    const f = await absenceFamily(t, 'tarnos', 'RETIRE');
    const step1 = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'demain', commentaire: 'Fièvre' }, [
      { content: pdf(), filename: 'certificat.pdf' },
    ]);
    const draftId = draftIdFrom(step1.headers.location);
    const token = csrfFrom((await f.agent.get(step1.headers.location!)).text);
    await t.db.pool.query('delete from enrolments where id = $1', [f.enrolmentId]);
    const res = await validate(f.agent, 'tarnos', draftId, token);
    expect(res.status).toBe(409);
    expect(page(res).text()).toContain('Une des inscriptions choisies a été retirée entre-temps');
    // Léa has no enrolment left, so no form: the message stands without a link to nowhere.
    expect(
      page(res)
        .errorSummary()
        .map((e) => e.field),
    ).not.toContain('inscriptions');
    expect(await count(t.db.pool, "requests where child_id = $1 and type = 'absence'", [f.childId])).toBe(0);
    expect(await count(t.db.pool, 'mail_outbox where to_address = $1', [f.parent.email])).toBe(0);
  });

  it('makes one request of two VALIDER at once, and sends both to it', async () => {
    const f = await absenceFamily(t, 'tarnos', 'DOUBLE');
    const step1 = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'cette-semaine' }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    const draftId = draftIdFrom(step1.headers.location);
    const token = csrfFrom((await f.agent.get(step1.headers.location!)).text);
    const [a, b] = await Promise.all([validate(f.agent, 'tarnos', draftId, token), validate(f.agent, 'tarnos', draftId, token)]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect(await count(t.db.pool, "requests where child_id = $1 and type = 'absence'", [f.childId])).toBe(1);
    expect(await count(t.db.pool, 'absence_days where child_id = $1', [f.childId])).toBe(4);
    // The back button to the recap leads to the request too.
    const again = await f.agent.get(urls.absenceRecap('tarnos', draftId));
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(a.headers.location);
  });
});

describe('Ajouter depuis mon espace de stockage', () => {
  it('copies the stored files into the request, and the document stays in the storage', async () => {
    const f = await absenceFamily(t, 'tarnos', 'STOCK');
    const content = pdf('Certificat du Dr Roux');
    const docId = await createDocument(t.db.pool, 'tarnos', f.parent.id, {
      kind: 'certificat_medical',
      title: 'Certificat du Dr Roux',
      files: [{ fileName: 'roux.pdf', contentType: 'application/pdf', content, sha256: 'b'.repeat(64) }],
      now: new Date(NOW),
    });
    const form = await f.agent.get(urls.absenceForm('tarnos', f.childId));
    expect(page(form).text()).toContain('Ajouter depuis mon espace de stockage');
    expect(page(form).label('stockage')).toBe('Certificat du Dr Roux (Certificat médical ; roux.pdf)');
    const step1 = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'demain', stockage: docId });
    expect(step1.status, step1.text.slice(0, 1500)).toBe(303);
    const recap = await f.agent.get(step1.headers.location!);
    expect(page(recap).text()).toContain('Certificat du Dr Roux : roux.pdf');
    const sent = await validate(f.agent, 'tarnos', draftIdFrom(step1.headers.location));
    const requestId = requestIdFrom(sent.headers.location);
    const { rows } = await t.db.pool.query(`select file_name, content from request_attachments where request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].file_name).toBe('roux.pdf');
    expect(Buffer.compare(rows[0].content, content)).toBe(0);
    expect(await count(t.db.pool, 'private_documents where id = $1', [docId])).toBe(1);
  });
});

describe("Retour à l'étape 1", () => {
  it('brings the choices back, asks for the files again, and replaces the former draft', async () => {
    const f = await absenceFamily(t, 'tarnos', 'RETOUR');
    const first = await postStep1(
      f.agent,
      'tarnos',
      f.childId,
      { inscriptions: f.enrolmentId, periode: 'le', le: '17/12/2026', commentaire: 'Varicelle' },
      [{ content: pdf(), filename: 'j.pdf' }],
    );
    const draftId = draftIdFrom(first.headers.location);
    const recap = await f.agent.get(first.headers.location!);
    expect(page(recap).attrs('a', 'href')).toContain(urls.absenceForm('tarnos', f.childId, draftId));
    const back = await f.agent.get(urls.absenceForm('tarnos', f.childId, draftId));
    expect(back.status).toBe(200);
    expect(page(back).fieldValue('le')).toBe('17/12/2026');
    expect(back.text).toContain('>Varicelle</textarea>');
    expect(back.text).toContain('sélectionnez-les à nouveau');
    expect(page(back).attrs('input[name="brouillon"]', 'value')).toEqual([draftId]);

    const second = await postStep1(f.agent, 'tarnos', f.childId, { brouillon: draftId, inscriptions: f.enrolmentId, periode: 'demain' }, [
      { content: pdf(), filename: 'k.pdf' },
    ]);
    expect(second.status).toBe(303);
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(0);
    expect(page(await f.agent.get(second.headers.location!)).text()).toContain('Le mardi 24 novembre 2026');
  });
});

describe('housekeeping', () => {
  it("keeps an account's three newest drafts: a fourth step 1 removes the oldest with its files", async () => {
    const f = await absenceFamily(t, 'tarnos', 'QUATRE');
    const drafts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'demain' }, [
        { content: pdf(), filename: `j${i}.pdf` },
      ]);
      drafts.push(draftIdFrom(res.headers.location));
      t.clock.advance(60_000);
    }
    const { rows } = await t.db.pool.query<{ id: string }>('select id from absence_drafts where account_id = $1', [f.parent.id]);
    expect(rows.map((r) => r.id).sort()).toEqual(drafts.slice(1).sort());
    expect(await count(t.db.pool, 'absence_draft_files where draft_id = $1', [drafts[0]])).toBe(0);
  });

  it('removes drafts nobody validated after a day, with their files', async () => {
    const f = await absenceFamily(t, 'tarnos', 'VIEUX');
    const step1 = await postStep1(f.agent, 'tarnos', f.childId, { inscriptions: f.enrolmentId, periode: 'demain' }, [
      { content: pdf(), filename: 'j.pdf' },
    ]);
    const draftId = draftIdFrom(step1.headers.location);
    await t.db.pool.query(`update absence_drafts set created_at = $2 where id = $1`, [draftId, '2026-11-22T08:59:00Z']);
    await housekeep(t.db.pool, t.clock);
    expect(await count(t.db.pool, 'absence_drafts where id = $1', [draftId])).toBe(0);
    expect(await count(t.db.pool, 'absence_draft_files where draft_id = $1', [draftId])).toBe(0);
  });
});
