import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendReminders } from '../../../src/features/renewal/renewal.service.js';
import { insertCampaign, type CampaignInput } from '../../../src/repositories/renewal.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { pdf } from '../../helpers/files.js';
import { createActivity, createAgentFixture, createDocument, createEnrolment, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, postMultipart, signedInAgent, signedInFamily } from '../requests/helpers.js';

/**
 * The yearly dossier renewal (issue 16): admins open a campaign; a family renews each child
 * (dossier confirmed, pieces from the storage — an expired one refused — or uploaded,
 * activities pre-filled from this year's); agents follow it (counts, late families, export),
 * mark a child incomplete with what is missing or validate it, which enrols the child for
 * the next year; reminders go once per family and reminder to the families not finished.
 */

const NOW = '2027-06-10T08:00:00Z';
const SLUG = 'tarnos';
const OTHER = 'bayeux';
let t: TestApp;
const db = () => t.db.pool;
let campaignId: string;
let canteen: string;
let nursery: string;
let ended: string;

async function campaign(slug: string, overrides: Partial<CampaignInput> = {}) {
  const tw = await town(db(), slug);
  return insertCampaign(
    db(),
    tw.id,
    {
      title: 'Rentrée 2027',
      yearStart: '2027-09-01',
      yearEnd: '2028-07-07',
      opensOn: '2027-05-01',
      closesOn: '2027-06-17',
      requiredKinds: ['justificatif_domicile'],
      reminderDays: [7, 2],
      activityIds: [],
      ...overrides,
    },
    new Date(NOW),
  );
}

function stored(accountId: string, validUntil: string | null, title = 'Facture EDF') {
  const content = pdf(title);
  return createDocument(db(), SLUG, accountId, {
    kind: 'justificatif_domicile',
    title,
    validUntil,
    files: [
      {
        fileName: 'domicile.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
    now: new Date(NOW),
  });
}

/** A family whose child ate at the canteen and went to the nursery this year. */
async function family(name: string) {
  const agent = t.agent();
  const f = await signedInFamily(db(), agent, SLUG, name, 'Léa');
  await createEnrolment(db(), SLUG, { activityId: canteen, childId: f.childId });
  await createEnrolment(db(), SLUG, { activityId: nursery, childId: f.childId });
  return { ...f, agent };
}

const send = (
  agent: ReturnType<TestApp['agent']>,
  childId: string,
  fields: Record<string, string>,
  files: { name: string; content: Buffer }[] = [],
) => postMultipart(agent, urls.renewalChild(SLUG, childId), urls.renewalChild(SLUG, childId), fields, files);

/** A multipart body with two activities ticked (supertest's field() takes one value per call). */
async function sendWithActivities(
  agent: ReturnType<TestApp['agent']>,
  childId: string,
  fields: Record<string, string>,
  activities: string[],
  files: { name: string; content: Buffer }[] = [],
) {
  const csrf = csrfFrom((await agent.get(urls.renewalChild(SLUG, childId))).text);
  let req = agent.post(urls.renewalChild(SLUG, childId)).set('Sec-Fetch-Site', 'same-origin').field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const a of activities) req = req.field('activites', a);
  for (const f of files) req = req.attach('fichiers', f.content, f.name);
  return req;
}

async function followUp(agent: ReturnType<TestApp['agent']>) {
  return page(await agent.get(urls.agentRenewal(SLUG, campaignId)));
}

const renewalRequestOf = async (childId: string) =>
  (
    await db().query<{ id: string; status: string; type: string }>(
      `select r.id, r.status, r.type from renewal_submissions s join requests r on r.id = s.request_id where s.child_id = $1 order by s.created_at desc limit 1`,
      [childId],
    )
  ).rows[0];

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  const longYear = { startDate: '2026-09-01', endDate: '2028-07-07' };
  canteen = await createActivity(db(), SLUG, { name: 'Restauration scolaire', ...longYear });
  nursery = await createActivity(db(), SLUG, { name: 'Garderie du matin', ...longYear });
  ended = await createActivity(db(), SLUG, { name: 'Atelier 2026-2027' });
  campaignId = await campaign(SLUG, { activityIds: [canteen, nursery, ended] });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

describe('opening a campaign (admins)', () => {
  it('opens one from the form; an agent may follow campaigns but not open one', async () => {
    const admin = t.agent();
    const a = await createAgentFixture(db(), SLUG, 'admin');
    await signInAgent(admin, SLUG, a.username, a.password);
    const form = await admin.get(urls.agentRenewalNew(SLUG));
    expect(form.status).toBe(200);
    expect(page(form).fieldValue('relances')).toBe('7, 2');
    const res = await postForm(admin, urls.agentRenewalNew(SLUG), urls.agentRenewalNew(SLUG), {
      titre: 'Rentrée 2028',
      rentree: '01/09/2028',
      finAnnee: '06/07/2029',
      ouverture: '01/05/2028',
      cloture: '30/06/2028',
      relances: '7, 2',
      activites: [canteen],
      pieces: ['justificatif_domicile', 'attestation_assurance'],
    });
    expect(res.status).toBe(303);
    const shown = page(await admin.get(res.headers.location!));
    expect(shown.heading()).toBe('Rentrée 2028');
    expect(shown.dd('Pièces demandées')).toBe("Justificatif de domicile, Attestation d'assurance");
    expect(shown.dd('Activités concernées')).toBe('Restauration scolaire');

    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect((await agent.get(urls.agentRenewals(SLUG))).status).toBe(200);
    expect((await agent.get(urls.agentRenewalNew(SLUG))).status).toBe(404);
    expect((await agent.get(urls.agentRenewalEdit(SLUG, campaignId))).status).toBe(404);
  });

  it('refuses a wrong form with French messages and what was typed, and a forged CSRF token', async () => {
    const admin = t.agent();
    const a = await createAgentFixture(db(), SLUG, 'admin');
    await signInAgent(admin, SLUG, a.username, a.password);
    const res = await postForm(admin, urls.agentRenewalNew(SLUG), urls.agentRenewalNew(SLUG), {
      titre: '',
      rentree: '01/09/2027',
      finAnnee: '06/07/2028',
      ouverture: '01/05/2027',
      cloture: '02/09/2027',
      relances: 'souvent',
      activites: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(res.status).toBe(400);
    expect(page(res).errorSummary()).toEqual([
      { field: 'titre', message: 'Saisissez le titre de la campagne' },
      { field: 'cloture', message: 'La clôture doit être avant la rentrée' },
      { field: 'relances', message: 'Saisissez des nombres de jours entre 1 et 30, séparés par des virgules, par exemple 7, 2' },
      { field: 'activites', message: 'Choisissez les activités dans la liste' },
    ]);
    expect(page(res).fieldValue('cloture')).toBe('02/09/2027');
    const forged = await admin.post(urls.agentRenewalNew(SLUG)).type('form').send({ _csrf: 'forged', titre: 'X' });
    expect(forged.status).toBe(403);
  });
});

describe('editing a campaign (admins)', () => {
  it('shows the campaign as saved, and saves a change', async () => {
    const admin = t.agent();
    const a = await createAgentFixture(db(), SLUG, 'admin');
    await signInAgent(admin, SLUG, a.username, a.password);
    const id = await campaign(SLUG, {
      title: 'Rentrée à corriger',
      opensOn: '2029-05-01',
      closesOn: '2029-06-30',
      yearStart: '2029-09-01',
      yearEnd: '2030-07-05',
    });
    const form = page(await admin.get(urls.agentRenewalEdit(SLUG, id)));
    expect(form.fieldValue('cloture')).toBe('30/06/2029');
    expect(form.fieldValue('relances')).toBe('7, 2');
    expect(form.checked('pieces')).toEqual(['justificatif_domicile']);
    const res = await postForm(admin, urls.agentRenewalEdit(SLUG, id), urls.agentRenewalEdit(SLUG, id), {
      titre: 'Rentrée 2029',
      rentree: '03/09/2029',
      finAnnee: '05/07/2030',
      ouverture: '01/05/2029',
      cloture: '15/06/2029',
      relances: '3',
    });
    expect(res.status).toBe(303);
    const shown = page(await admin.get(urls.agentRenewal(SLUG, id)));
    expect(shown.heading()).toBe('Rentrée 2029');
    expect(shown.dd('Pièces demandées')).toBe('Aucune');
    expect(shown.dd('Relances')).toBe('3 jours avant (le 12/06/2029) ; 0 relance envoyée');
  });
});

describe('a family renews a child', () => {
  it('shows what to do, pre-fills this year’s activities, and sends the renewal with a stored piece', async () => {
    const f = await family('RENOUVEAU');
    const docId = await stored(f.parent.id, '2028-01-31');
    const overview = page(await f.agent.get(urls.renewal(SLUG)));
    expect(overview.text('.renewal-children')).toContain('État : À faire');
    const form = page(await f.agent.get(urls.renewalChild(SLUG, f.childId)));
    expect(form.checked('activites').sort()).toEqual([canteen, nursery].sort());
    expect(form.links()).toContainEqual({
      href: urls.childFile(SLUG, f.childId),
      text: 'Voir ou mettre à jour le dossier administratif de Léa',
    });
    // The link stands alone in its paragraph: no period left to fall alone onto the next line.
    expect(
      form
        .$(`main p > a[href="${urls.childFile(SLUG, f.childId)}"]`)
        .parent()
        .text(),
    ).toBe('Voir ou mettre à jour le dossier administratif de Léa');

    // The nursery is dropped: only the canteen stays ticked.
    const res = await sendWithActivities(f.agent, f.childId, { confirme: 'oui', 'piece-justificatif_domicile': docId }, [canteen]);
    expect(res.status, res.text.slice(0, 800)).toBe(303);
    const request = await renewalRequestOf(f.childId);
    expect(request).toMatchObject({ type: 'renewal', status: 'sent' });
    const files = await db().query(`select file_name from request_attachments where request_id = $1`, [request!.id]);
    expect(files.rows).toEqual([{ file_name: 'domicile.pdf' }]);
    expect(page(await f.agent.get(urls.renewal(SLUG))).text('.renewal-children')).toContain('État : Envoyé');
    // Sent once: the form is not offered again.
    const again = await send(f.agent, f.childId, { confirme: 'oui', 'piece-justificatif_domicile': docId });
    expect(again.status).toBe(400);
    expect(page(again).text()).toContain('Le renouvellement du dossier de Léa est « Envoyé »');
  });

  it('accepts an uploaded piece instead of a stored one', async () => {
    const f = await family('TELEVERSE');
    // Nothing in the storage: "Je joins le fichier ci-dessous" is already chosen, not "Choisir".
    expect(page(await f.agent.get(urls.renewalChild(SLUG, f.childId))).selected('piece-justificatif_domicile')).toBe('fichier');
    const res = await send(f.agent, f.childId, { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' }, [
      { name: 'quittance.pdf', content: pdf('Quittance') },
    ]);
    expect(res.status).toBe(303);
    expect((await renewalRequestOf(f.childId))?.status).toBe('sent');
  });

  it('refuses an expired piece with its reason, a missing confirmation, a forgotten file, and a forged CSRF token', async () => {
    const f = await family('EXPIRE');
    const old = await stored(f.parent.id, '2027-05-31', 'Vieille facture');
    const res = await send(f.agent, f.childId, { 'piece-justificatif_domicile': old });
    expect(res.status).toBe(400);
    expect(page(res).errorSummary()).toEqual([
      { field: 'confirme', message: 'Confirmez que le dossier administratif de Léa est à jour, après l’avoir vérifié ou mis à jour' },
      {
        field: 'piece-justificatif_domicile',
        message: "Expiré : valable jusqu'au 31 mai 2027 : choisissez un document valide ou joignez le fichier",
      },
    ]);
    expect(page(res).selected('piece-justificatif_domicile')).toBe(old);
    const noFile = await send(f.agent, f.childId, { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' });
    expect(page(noFile).fieldError('fichiers')).toBe('Joignez le fichier de : justificatif de domicile');
    const forged = await postMultipart(
      f.agent,
      urls.renewalChild(SLUG, f.childId),
      urls.renewalChild(SLUG, f.childId),
      { confirme: 'oui' },
      [],
      'forged',
    );
    expect(forged.status).toBe(403);
    expect(await renewalRequestOf(f.childId)).toBeUndefined();
  });
});

describe('a renewal arriving after the close', () => {
  it('is refused in French, what was typed kept, rather than a page not found', async () => {
    // The form is shown at 23:55 in Paris on the closing day; it arrives at 00:00:05, the day after.
    t.clock.set('2027-06-17T21:55:00Z');
    try {
      const f = await family('MINUIT');
      const token = csrfFrom((await f.agent.get(urls.renewalChild(SLUG, f.childId))).text);
      t.clock.set('2027-06-17T22:00:05Z');
      const path = urls.renewalChild(SLUG, f.childId);
      const fields = { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' };
      const res = await postMultipart(f.agent, path, path, fields, [{ name: 'd.pdf', content: pdf('D') }], token);
      expect(res.status).toBe(400);
      expect(page(res).fieldError('confirme')).toBe(
        "Le renouvellement était possible jusqu'au 17/06/2027 : la campagne est close et votre envoi n'a pas été enregistré. Contactez le service enfance.",
      );
      expect(page(res).checked('confirme')).toEqual(['oui']);
      expect(await renewalRequestOf(f.childId)).toBeUndefined();
      expect((await f.agent.get(urls.renewalChild(SLUG, f.childId))).status).toBe(404);
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('the agents follow and decide', () => {
  it('marks a child incomplete with what is missing (mailed), then validates it: next year’s enrolments exist', async () => {
    const f = await family('DECISION');
    const sent = await sendWithActivities(
      f.agent,
      f.childId,
      { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' },
      [canteen],
      [{ name: 'a.pdf', content: pdf('A') }],
    );
    expect(sent.status).toBe(303);
    const request = (await renewalRequestOf(f.childId))!;
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const before = await followUp(agent);
    expect(before.row('Léa DECISION').cells[1]).toContain('Envoyé');

    const empty = await postForm(agent, urls.agentRenewal(SLUG, campaignId), urls.agentRenewalIncomplete(SLUG, campaignId, request.id), {
      manque: ' ',
    });
    expect(empty.status).toBe(400);
    expect(page(empty).errorSummary()).toEqual([{ field: 'manque', message: 'Saisissez ce qui manque au dossier, pour la famille' }]);

    const forged = await agent
      .post(urls.agentRenewalIncomplete(SLUG, campaignId, request.id))
      .type('form')
      .send({ _csrf: 'forged', manque: 'x' });
    expect(forged.status).toBe(403);
    const res = await postForm(agent, urls.agentRenewal(SLUG, campaignId), urls.agentRenewalIncomplete(SLUG, campaignId, request.id), {
      manque: 'Le justificatif de domicile est illisible.',
    });
    expect(res.status).toBe(303);
    expect((await followUp(agent)).row('Léa DECISION').cells[1]).toBe(
      'Incomplet, envoyé le 10/06/2027 : Le justificatif de domicile est illisible.',
    );
    const mail = await db().query<{ text_body: string }>(`select text_body from mail_outbox where to_address = $1 and subject = $2`, [
      f.parent.email,
      "Les services ont besoin d'un complément",
    ]);
    expect(mail.rows[0]?.text_body).toContain('Le justificatif de domicile est illisible.');
    expect(page(await f.agent.get(urls.renewal(SLUG))).text('.renewal-children')).toContain(
      'Les services attendent un complément : Le justificatif de domicile est illisible.',
    );

    // The family answers on the request: the renewal is "envoyé" again, and can be validated.
    const answer = await postMultipart(
      f.agent,
      urls.request(SLUG, request.id),
      urls.requestMessages(SLUG, request.id),
      { message: 'Voici une copie lisible.' },
      [{ name: 'b.pdf', content: pdf('B') }],
    );
    expect(answer.status).toBe(303);
    const valid = await postForm(agent, urls.agentRenewal(SLUG, campaignId), urls.agentRenewalValidate(SLUG, campaignId, request.id), {});
    expect(valid.status).toBe(303);
    const enrolments = await db().query<{ activity_id: string; start_date: string; end_date: string }>(
      `select activity_id, start_date, end_date from enrolments where child_id = $1 and start_date >= '2027-09-01' order by activity_id`,
      [f.childId],
    );
    expect(enrolments.rows).toEqual([{ activity_id: canteen, start_date: '2027-09-01', end_date: '2028-07-07' }]);
    expect((await followUp(agent)).row('Léa DECISION').cells[1]).toContain('Validé');
    expect(page(await f.agent.get(urls.renewal(SLUG))).text('.renewal-children')).toContain('État : Validé');
  });

  it('refuses to validate into an activity that ends before the rentrée, writing nothing', async () => {
    const f = await family('TERMINE');
    await sendWithActivities(
      f.agent,
      f.childId,
      { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' },
      [canteen, ended],
      [{ name: 'c.pdf', content: pdf('C') }],
    );
    const request = (await renewalRequestOf(f.childId))!;
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const res = await postForm(agent, urls.agentRenewal(SLUG, campaignId), urls.agentRenewalValidate(SLUG, campaignId, request.id), {});
    expect(res.status).toBe(400);
    expect(page(res).errorSummary()[0]!.message).toBe(
      "L'activité « Atelier 2026-2027 » se termine le 02/07/2027, avant la rentrée : prolongez ses dates avant de valider",
    );
    expect((await renewalRequestOf(f.childId))?.status).toBe('sent');
    const next = await db().query(`select 1 from enrolments where child_id = $1 and start_date >= '2027-09-01'`, [f.childId]);
    expect(next.rowCount).toBe(0);
  });

  it('counts by status, lists the late families and exports the follow-up', async () => {
    const late = await family('RETARD');
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const p = await followUp(agent);
    expect(p.texts('.late-families li')).toContain(`RETARD (${late.key}) : Léa`);
    const todo = Number(p.one('[data-count="todo"]').text());
    const filtered = page(await agent.get(urls.agentRenewal(SLUG, campaignId, { statut: 'todo' })));
    expect(filtered.rows('table').length).toBe(todo);
    const csv = await agent.get(urls.agentRenewalExport(SLUG, campaignId));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n')).toContain(`RETARD;${late.key};Léa RETARD;À faire;;;`);
  });
});

describe('reminders', () => {
  it('mails the families not finished once per reminder, and never those who sent everything', async () => {
    const late = await family('RELANCE');
    const done = await family('ATEMPS');
    await send(done.agent, done.childId, { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' }, [
      { name: 'd.pdf', content: pdf('D') },
    ]);
    const ctx = { pool: db(), clock: t.clock, config: t.config };
    const mails = async (to: string) =>
      (
        await db().query<{ subject: string }>(
          `select subject from mail_outbox where to_address = $1 and subject like 'Renouvellement%' order by created_at`,
          [to],
        )
      ).rows;

    t.clock.set('2027-06-09T06:00:00Z'); // 8 days left: no reminder due
    await sendReminders(ctx);
    expect(await mails(late.parent.email)).toEqual([]);

    t.clock.set('2027-06-10T06:00:00Z'); // 7 days left
    await sendReminders(ctx);
    await sendReminders(ctx); // the job run twice mails nobody twice
    t.clock.set('2027-06-12T06:00:00Z'); // 5 days left: the 7-day reminder was sent
    await sendReminders(ctx);
    expect(await mails(late.parent.email)).toEqual([{ subject: 'Renouvellement du dossier : plus que 7 jours' }]);

    t.clock.set('2027-06-15T06:00:00Z'); // 2 days left
    await sendReminders(ctx);
    expect(await mails(late.parent.email)).toEqual([
      { subject: 'Renouvellement du dossier : plus que 7 jours' },
      { subject: 'Renouvellement du dossier : plus que 2 jours' },
    ]);
    expect(await mails(done.parent.email)).toEqual([]);

    t.clock.set('2027-06-18T06:00:00Z'); // closed
    await sendReminders(ctx);
    expect(await mails(late.parent.email)).toHaveLength(2);
    t.clock.set(NOW);
  });
});

describe('a reminder sent late', () => {
  it('says the days really left, and on the closing day that it is the last one', async () => {
    const ctx = { pool: db(), clock: t.clock, config: t.config };
    const subjects = async (to: string) =>
      (
        await db().query<{ subject: string }>(
          `select subject from mail_outbox where to_address = $1 and subject like 'Renouvellement%' order by created_at`,
          [to],
        )
      ).rows.map((r) => r.subject);
    // The job did not run on the 7th day before the close: the 7-day reminder goes out with 5 days left.
    const five = await family('CINQJOURS');
    t.clock.set('2027-06-12T06:00:00Z');
    await sendReminders(ctx);
    expect(await subjects(five.parent.email)).toEqual(['Renouvellement du dossier : plus que 5 jours']);
    // Nor on the 2nd: the 2-day reminder goes out on the closing day.
    t.clock.set('2027-06-17T06:00:00Z');
    await sendReminders(ctx);
    expect(await subjects(five.parent.email)).toEqual([
      'Renouvellement du dossier : plus que 5 jours',
      'Renouvellement du dossier : dernier jour',
    ]);
    t.clock.set(NOW);
  });
});

describe('another family or town gets a 404', () => {
  it('on every route', async () => {
    const mine = await family('PROPRIO');
    const other = await family('VOISIN');
    await send(mine.agent, mine.childId, { confirme: 'oui', 'piece-justificatif_domicile': 'fichier' }, [
      { name: 'e.pdf', content: pdf('E') },
    ]);
    const request = (await renewalRequestOf(mine.childId))!;

    expect((await other.agent.get(urls.renewalChild(SLUG, mine.childId))).status).toBe(404);
    const csrf = csrfFrom((await other.agent.get(urls.renewal(SLUG))).text);
    const post = await other.agent
      .post(urls.renewalChild(SLUG, mine.childId))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', csrf)
      .field('confirme', 'oui');
    expect(post.status).toBe(404);
    // A child of the family but another town's path: the town's campaign does not know it.
    expect((await mine.agent.get(urls.renewalChild(SLUG, crypto.randomUUID()))).status).toBe(404);

    const stranger = t.agent();
    await signedInAgent(db(), stranger, OTHER);
    const admin = await createAgentFixture(db(), OTHER, 'admin');
    const strangerAdmin = t.agent();
    await signInAgent(strangerAdmin, OTHER, admin.username, admin.password);
    for (const path of [urls.agentRenewal(OTHER, campaignId), urls.agentRenewalExport(OTHER, campaignId)]) {
      expect((await stranger.get(path)).status, path).toBe(404);
    }
    expect((await strangerAdmin.get(urls.agentRenewalEdit(OTHER, campaignId))).status).toBe(404);
    const editPost = await postForm(strangerAdmin, urls.agentRenewals(OTHER), urls.agentRenewalEdit(OTHER, campaignId), { titre: 'Volée' });
    expect(editPost.status).toBe(404);
    for (const path of [
      urls.agentRenewalValidate(OTHER, campaignId, request.id),
      urls.agentRenewalIncomplete(OTHER, campaignId, request.id),
    ]) {
      expect((await postForm(stranger, urls.agentRenewals(OTHER), path, { manque: 'x' })).status, path).toBe(404);
    }
    // The town's agent, but a request of another campaign.
    const otherCampaign = await campaign(SLUG, {
      opensOn: '2028-05-01',
      closesOn: '2028-06-30',
      yearStart: '2028-09-01',
      yearEnd: '2029-07-06',
    });
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const wrong = await postForm(agent, urls.agentRenewals(SLUG), urls.agentRenewalValidate(SLUG, otherCampaign, request.id), {});
    expect(wrong.status).toBe(404);
    expect((await renewalRequestOf(mine.childId))?.status).toBe('sent');
  });
});
