import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { png } from '../../helpers/files.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';
import { nextStatuses, STATUS_LABELS, type RequestStatus } from '../../../src/features/requests/request-state.js';
import { NEW_CHILD, postForm, postMultipart, requestIdFrom, requestRow, signedInAgent, signedInFamily } from './helpers.js';

/**
 * Every transition of the state machine through HTTP: the status, its history row, the
 * mail to the parent (through a real SMTP server), the audit row for agents, and what an
 * acceptance writes into the family file.
 */

let t: TestApp;
const smtp = new TestSmtpServer();
beforeAll(async () => {
  await smtp.start();
  t = await createTestApp({ now: '2026-11-23T09:00:00Z', smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T09:00:00Z');
});

async function mailsTo(address: string) {
  await t.deliverMail();
  return smtp.to(address);
}

async function events(requestId: string) {
  const { rows } = await t.db.pool.query(
    `select from_status, to_status, actor_kind, comment from request_events where request_id = $1 order by id`,
    [requestId],
  );
  return rows.map((r) => `${r.from_status ?? 'null'}→${r.to_status} (${r.actor_kind})${r.comment ? `: ${r.comment}` : ''}`);
}

describe('a request from the parent to the services and back', () => {
  it('goes Envoyée → En cours → Complément demandé → En cours → Acceptée, with a mail at each step, and the child joins the family', async () => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'MARTIN');
    const email = fam.parent.email;

    // The parent asks to add a child.
    const sent = await postForm(
      parentAgent,
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      NEW_CHILD,
    );
    expect(sent.status).toBe(303);
    const id = requestIdFrom(sent.headers.location);
    expect((await requestRow(t.db.pool, id)).status).toBe('sent');
    let mails = await mailsTo(email);
    expect(mails.map((m) => m.subject)).toEqual(['Votre demande a bien été envoyée']);
    expect(mails[0]!.text).toContain("Ajout d'un membre : Lucas MARTIN (enfant)");
    expect(linksIn(mails[0]!)).toContain(`http://portail.test/tarnos/mon-espace/demandes/${id}`);

    // Dernières demandes: the request, its status in words; its detail with the history and the first message.
    const list = await parentAgent.get('/tarnos/mon-espace/demandes');
    expect(parse(list).text()).toContain("Ajout d'un membre : Lucas MARTIN (enfant)");
    expect(list.text).toContain('Envoyée');
    const detail = await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('Demande envoyée par vous.');
    expect(detail.text).toContain('Né en mars.');
    expect(detail.text).toContain('12/03/2021');

    // An agent finds it in the queue and takes it in hand.
    const back = t.agent();
    const officer = await signedInAgent(t.db.pool, back, 'tarnos');
    const queue = await back.get('/tarnos/agents/demandes');
    expect(queue.status).toBe(200);
    expect(parse(queue).text()).toContain("Ajout d'un membre : Lucas MARTIN (enfant)");
    const page = `/tarnos/agents/demandes/${id}`;
    const shown = await back.get(page);
    expect(shown.text).toContain('MARTIN');
    expect(shown.text).toContain('Emma MARTIN');
    expect(shown.text).toContain('Accepter ajoute cet enfant au dossier famille.');
    expect((await postForm(back, page, `${page}/statut`, { action: 'prendre' })).status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('in_progress');
    mails = await mailsTo(email);
    expect(mails.at(-1)!.subject).toBe('Votre demande : en cours');

    // It asks for a complement: a question owed, then a mail, a history row and a message.
    const noQuestion = await postForm(back, page, `${page}/statut`, { action: 'complement', complement: '  ' });
    expect(noQuestion.status).toBe(400);
    expect(parse(noQuestion).errorSummary()).toContainEqual({
      field: 'complement',
      message: 'Saisissez le complément demandé à la famille',
    });
    expect(parse(noQuestion).title()).toMatch(/^Erreur : /);
    const asked = await postForm(back, page, `${page}/statut`, {
      action: 'complement',
      complement: 'Merci de joindre le livret de famille.',
    });
    expect(asked.status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('complement_requested');
    mails = await mailsTo(email);
    expect(mails.at(-1)!.subject).toBe("Les services ont besoin d'un complément");
    expect(mails.at(-1)!.text).toContain('Merci de joindre le livret de famille.');

    // The parent sees one unread message on the dashboard and in Échanges à lire.
    const dashboard = await parentAgent.get('/tarnos/mon-espace');
    expect(dashboard.text).toContain('1 message non lu');
    const inbox = await parentAgent.get('/tarnos/mon-espace/echanges');
    expect(inbox.text).toContain('1 message non lu');
    expect(inbox.text).toContain('Non lu');
    // Opening the request marks it read.
    const open = await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`);
    expect(open.text).toContain("Les services ont besoin d'un complément");
    expect(open.text).toContain('Répondre au complément demandé');
    expect(open.text).toContain('Nouveau');
    expect((await parentAgent.get('/tarnos/mon-espace/echanges')).text).toContain('Aucun message non lu');
    expect((await parentAgent.get('/tarnos/mon-espace')).text).toContain('Aucun message non lu');

    // The parent answers, with the document: back in hand, with a mail.
    const answered = await postMultipart(
      parentAgent,
      `/tarnos/mon-espace/demandes/${id}`,
      `/tarnos/mon-espace/demandes/${id}/messages`,
      { message: 'Voici le livret.' },
      [{ name: 'livret.png', content: png() }],
    );
    expect(answered.status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('in_progress');
    mails = await mailsTo(email);
    expect(mails.at(-1)!.subject).toBe('Votre réponse a bien été transmise');

    // The agent sees the answer and its file, and accepts: the child joins the family file.
    const withAnswer = await back.get(page);
    expect(withAnswer.text).toContain('Voici le livret.');
    const fileLink = parse(withAnswer)
      .attrs('a', 'href')
      .find((href) => href.startsWith('/tarnos/agents/demandes/') && href.includes('/pieces/'))!;
    const download = await back.get(fileLink);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['content-disposition']).toContain('attachment');
    expect((await postForm(back, page, `${page}/statut`, { action: 'accepter' })).status).toBe(303);
    const row = await requestRow(t.db.pool, id);
    expect(row.status).toBe('accepted');
    expect(row.decided_at).not.toBeNull();
    const { rows: children } = await t.db.pool.query(
      `select id, first_names, birth_date, class_name from children where family_id = $1 order by first_names`,
      [fam.familyId],
    );
    expect(children.map((c) => c.first_names)).toEqual(['Emma', 'Lucas']);
    expect(row.outcome.childId).toBe(children.find((c) => c.first_names === 'Lucas')!.id);
    mails = await mailsTo(email);
    expect(mails.at(-1)!.subject).toBe('Votre demande : acceptée');

    // The history holds every transition, and the audit log every agent action.
    expect(await events(id)).toEqual([
      'null→sent (parent)',
      'sent→in_progress (agent)',
      'in_progress→complement_requested (agent): Merci de joindre le livret de famille.',
      'complement_requested→in_progress (parent): Voici le livret.',
      'in_progress→accepted (agent)',
    ]);
    const { rows: audit } = await t.db.pool.query(`select action from audit_log where agent_id = $1 and target_id = $2 order by id`, [
      officer.id,
      id,
    ]);
    expect(audit.map((a) => a.action)).toEqual(['request.take', 'request.complement', 'request.accept']);

    // The parent sees the request accepted and the new member in the family.
    expect((await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`)).text).toContain('Votre demande a été acceptée');
    const after = await parentAgent.get('/tarnos/mon-espace');
    expect(after.text).toContain('Lucas MARTIN');
    // A decided request moves no more.
    const again = await postForm(back, page, `${page}/statut`, { action: 'refuser', motif: 'Trop tard' });
    expect(again.status).toBe(409);
    expect((await requestRow(t.db.pool, id)).status).toBe('accepted');
  });

  it('refuses with a reason, which the parent reads in the mail and on the page; an adult is not added', async () => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'DURAND');
    const sent = await postForm(
      parentAgent,
      '/tarnos/mon-espace/famille/ajouter-un-membre/adulte',
      '/tarnos/mon-espace/famille/ajouter-un-membre/adulte',
      {
        civilite: 'Mme',
        prenoms: 'Nathalie',
        nom: 'Durand',
        courriel: 'Nathalie.Durand@Example.fr',
        telephone: '06 12 34 56 78',
      },
    );
    const id = requestIdFrom(sent.headers.location);
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    const noReason = await postForm(back, page, `${page}/statut`, { action: 'refuser', motif: '' });
    expect(noReason.status).toBe(400);
    expect(parse(noReason).errorSummary()).toContainEqual({ field: 'motif', message: 'Saisissez le motif du refus' });
    expect((await requestRow(t.db.pool, id)).status).toBe('sent');
    const refused = await postForm(back, page, `${page}/statut`, { action: 'refuser', motif: 'Cette personne figure déjà au dossier.' });
    expect(refused.status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('refused');
    // Delivered in one batch with the acknowledgement: found by subject, whatever the order.
    const refusal = (await mailsTo(fam.parent.email)).find((m) => m.subject === 'Votre demande : refusée');
    expect(refusal?.text).toContain('Motif : Cette personne figure déjà au dossier.');
    const { rows } = await t.db.pool.query(`select count(*)::int as n from family_adults where family_id = $1`, [fam.familyId]);
    expect(rows[0].n).toBe(0);
    const detail = await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`);
    expect(detail.text).toContain('Votre demande a été refusée');
    expect(detail.text).toContain('Cette personne figure déjà au dossier.');
    expect(await events(id)).toEqual(['null→sent (parent)', 'sent→refused (agent): Cette personne figure déjà au dossier.']);
  });

  it('adds an accepted adult to the file as a co-représentant without an account', async () => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'BERNARD');
    const sent = await postForm(
      parentAgent,
      '/tarnos/mon-espace/famille/ajouter-un-membre/adulte',
      '/tarnos/mon-espace/famille/ajouter-un-membre/adulte',
      {
        civilite: 'Mme',
        prenoms: 'Claire',
        nom: 'Bernard',
        courriel: 'Claire.Bernard@Example.fr',
        telephone: '0612345678',
      },
    );
    const id = requestIdFrom(sent.headers.location);
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    expect((await postForm(back, page, `${page}/statut`, { action: 'accepter' })).status).toBe(303);
    const { rows } = await t.db.pool.query(
      `select civility, first_names, last_name, email, phone, account_id from family_adults where family_id = $1`,
      [fam.familyId],
    );
    expect(rows).toEqual([
      {
        civility: 'Mme',
        first_names: 'Claire',
        last_name: 'Bernard',
        email: 'claire.bernard@example.fr',
        phone: '06 12 34 56 78',
        account_id: null,
      },
    ]);
    const family = await parentAgent.get('/tarnos/mon-espace/famille');
    expect(family.text).toContain('Claire BERNARD');
    expect(parse(family).text()).toContain("n'a pas d'espace personnel");
    expect(family.text).toContain('(vous)');
  });

  it('lets an agent take back a request waiting for a complement, and write to the family (mail, audit, unread)', async () => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'PETIT');
    const sent = await postForm(
      parentAgent,
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      { ...NEW_CHILD, nom: 'PETIT' },
    );
    const id = requestIdFrom(sent.headers.location);
    const back = t.agent();
    const officer = await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    await postForm(back, page, `${page}/statut`, { action: 'complement', complement: 'Quelle école ?' });
    expect((await postForm(back, page, `${page}/statut`, { action: 'prendre' })).status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('in_progress');

    const token = csrfFrom((await back.get(page)).text);
    const empty = await postMultipart(back, page, `${page}/messages`, { message: ' ' }, [], token);
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Saisissez votre message à la famille');
    const written = await postMultipart(back, page, `${page}/messages`, { message: 'Le dossier sera complet à la rentrée.' }, [], token);
    expect(written.status).toBe(303);
    const mails = await mailsTo(fam.parent.email);
    const note = mails.find((m) => m.subject === 'Nouveau message des services');
    expect(note).toBeDefined();
    // The message itself stays in the space: the mail only says there is one.
    expect(note!.text).not.toContain('Le dossier sera complet');
    const { rows } = await t.db.pool.query(`select action from audit_log where agent_id = $1 order by id`, [officer.id]);
    expect(rows.map((r) => r.action)).toContain('request.message');
    // Two messages from the services, one read when the parent opens the request.
    expect((await parentAgent.get('/tarnos/mon-espace')).text).toContain('2 messages non lus');
    await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`);
    expect((await parentAgent.get('/tarnos/mon-espace')).text).toContain('Aucun message non lu');
    // The parent writes outside a complement: a message, no transition (a minute later, as clocks do).
    t.clock.advance(60_000);
    const msg = await postMultipart(parentAgent, `/tarnos/mon-espace/demandes/${id}`, `/tarnos/mon-espace/demandes/${id}/messages`, {
      message: 'Merci !',
    });
    expect(msg.status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe('in_progress');
    const queue = await back.get('/tarnos/agents/demandes');
    expect(queue.text).toContain('1 nouveau de la famille');
  });

  it('decides once when two agents click at once', async () => {
    const parentAgent = t.agent();
    await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'RACE');
    const sent = await postForm(
      parentAgent,
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      '/tarnos/mon-espace/famille/ajouter-un-membre/enfant',
      { ...NEW_CHILD, nom: 'RACE' },
    );
    const id = requestIdFrom(sent.headers.location);
    const a1 = t.agent();
    const a2 = t.agent();
    await signedInAgent(t.db.pool, a1, 'tarnos');
    await signedInAgent(t.db.pool, a2, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    const [t1, t2] = [csrfFrom((await a1.get(page)).text), csrfFrom((await a2.get(page)).text)];
    const [r1, r2] = await Promise.all([
      a1.post(`${page}/statut`).type('form').send({ _csrf: t1, action: 'accepter' }),
      a2.post(`${page}/statut`).type('form').send({ _csrf: t2, action: 'refuser', motif: 'Non' }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([303, 409]);
    const { rows } = await t.db.pool.query(`select count(*)::int as n from request_events where request_id = $1`, [id]);
    expect(rows[0].n).toBe(2);
  });
});

describe('every transition an agent can make', () => {
  const ACTION: Record<string, Record<string, string>> = {
    in_progress: { action: 'prendre' },
    accepted: { action: 'accepter' },
    refused: { action: 'refuser', motif: 'Motif du refus' },
    complement_requested: { action: 'complement', complement: 'Question des services' },
  };
  const SUBJECT: Record<string, string> = {
    in_progress: 'Votre demande : en cours',
    accepted: 'Votre demande : acceptée',
    refused: 'Votre demande : refusée',
    complement_requested: "Les services ont besoin d'un complément",
  };
  const AUDIT: Record<string, string> = {
    in_progress: 'request.take',
    accepted: 'request.accept',
    refused: 'request.refuse',
    complement_requested: 'request.complement',
  };
  const cases = (['sent', 'in_progress', 'complement_requested'] as RequestStatus[]).flatMap((from) =>
    nextStatuses(from, 'agent').map((to) => [from, to] as const),
  );

  it.each(cases)('%s → %s: the status, a history row, a mail to the parent, an audit row', async (from, to) => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'TABLE');
    const path = '/tarnos/mon-espace/famille/ajouter-un-membre/adulte';
    const sent = await postForm(parentAgent, path, path, { civilite: 'Mme', prenoms: 'Ana', nom: 'Test' });
    const id = requestIdFrom(sent.headers.location);
    const back = t.agent();
    const officer = await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    // Bring the request to `from` the way an agent would.
    if (from !== 'sent') expect((await postForm(back, page, `${page}/statut`, ACTION[from]!)).status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe(from);
    await mailsTo(fam.parent.email);
    const before = smtp.to(fam.parent.email).length;

    const res = await postForm(back, page, `${page}/statut`, ACTION[to]!);
    expect(res.status).toBe(303);
    expect((await requestRow(t.db.pool, id)).status).toBe(to);
    expect((await events(id)).at(-1)).toMatch(new RegExp(`^${from}→${to} \\(agent\\)`));
    const mails = (await mailsTo(fam.parent.email)).slice(before);
    expect(mails.map((m) => m.subject)).toEqual([SUBJECT[to]]);
    expect(mails[0]!.text).toContain("Ajout d'un membre : Ana TEST (adulte)");
    const { rows } = await t.db.pool.query(
      `select action, details from audit_log where agent_id = $1 and target_id = $2 order by id desc limit 1`,
      [officer.id, id],
    );
    expect(rows[0].action).toBe(AUDIT[to]);
    expect(rows[0].details).toMatchObject({ from, to });
    // The parent reads the new status in words.
    expect((await parentAgent.get(`/tarnos/mon-espace/demandes/${id}`)).text).toContain(`>${STATUS_LABELS[to]}</span>`);
  });
});

describe('the history', () => {
  it('cannot be rewritten, but outlives the account that wrote it', async () => {
    const parentAgent = t.agent();
    const fam = await signedInFamily(t.db.pool, parentAgent, 'tarnos', 'HISTOIRE');
    const path = '/tarnos/mon-espace/famille/ajouter-un-membre/adulte';
    const id = requestIdFrom(
      (await postForm(parentAgent, path, path, { civilite: 'M', prenoms: 'Marc', nom: 'Histoire' })).headers.location,
    );
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    await postForm(back, `/tarnos/agents/demandes/${id}`, `/tarnos/agents/demandes/${id}/statut`, { action: 'prendre' });
    await expect(t.db.pool.query(`update request_events set comment = 'réécrit' where request_id = $1`, [id])).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(t.db.pool.query(`update request_events set to_status = 'accepted' where request_id = $1`, [id])).rejects.toThrow(
      /cannot be changed/,
    );
    // Removing the account keeps every row, with who it was in words.
    await t.db.pool.query(`delete from accounts where id = $1`, [fam.parent.id]);
    const { rows } = await t.db.pool.query(
      `select actor_kind, account_id, actor_label from request_events where request_id = $1 order by id`,
      [id],
    );
    expect(rows[0]).toEqual({ actor_kind: 'parent', account_id: null, actor_label: 'Jean HISTOIRE' });
    expect((await requestRow(t.db.pool, id)).account_id).toBeNull();
  });
});
