import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { pdf } from '../../helpers/files.js';
import { signIn } from '../../helpers/auth.js';
import { createDocument, createParent, createQuotient } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, postMultipart, requestIdFrom, signedInAgent, signedInFamily } from '../requests/helpers.js';

/**
 * "Mon quotient familial": the QF in force, and a new one declared with its attestation
 * (from the private storage or uploaded) as a request; the agent accepts it, which records
 * the QF with its date of effect and source in the same transaction as the decision, or
 * refuses it, which records nothing.
 */

const NOW = '2026-12-02T09:00:00Z';
const SLUG = 'tarnos';
let t: TestApp;
const db = () => t.db.pool;

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

async function family(name: string) {
  const agent = t.agent();
  const f = await signedInFamily(db(), agent, SLUG, name);
  return { ...f, agent };
}

/** The attestation as a stored document of the parent's private storage. */
async function storedAttestation(accountId: string, title = 'Attestation CAF 2026') {
  const content = pdf('Attestation de quotient familial');
  return createDocument(db(), SLUG, accountId, {
    kind: 'autre',
    title,
    files: [
      {
        fileName: 'attestation-caf.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
    now: new Date(NOW),
  });
}

const declare = (
  agent: ReturnType<TestApp['agent']>,
  fields: Record<string, string>,
  files: { name: string; content: Buffer }[] = [],
  token?: string,
) => postMultipart(agent, urls.quotientDeclaration(SLUG), urls.quotientDeclaration(SLUG), fields, files, token);

async function quotients(familyId: string) {
  const { rows } = await db().query<{
    qf: number;
    effective_from: string;
    source: string;
    request_id: string | null;
    recorded_by: string | null;
  }>(`select qf, effective_from, source, request_id, recorded_by from family_quotients where family_id = $1 order by effective_from`, [
    familyId,
  ]);
  return rows;
}

async function attachments(requestId: string) {
  const { rows } = await db().query<{ id: string; file_name: string }>(
    `select id, file_name from request_attachments where request_id = $1 order by position`,
    [requestId],
  );
  return rows;
}

describe('the parent’s QF page', () => {
  it('shows the QF in force with its date of effect and source, and is linked from MA FAMILLE', async () => {
    const f = await family('QUOTIENT');
    await createQuotient(db(), SLUG, { familyId: f.familyId, qf: 850, effectiveFrom: '2026-09-01' });
    await createQuotient(db(), SLUG, { familyId: f.familyId, qf: 700, effectiveFrom: '2027-01-01' });
    const fam = await f.agent.get(urls.family(SLUG));
    expect(page(fam).links()).toContainEqual({ href: urls.quotientDeclaration(SLUG), text: 'Mon quotient familial' });
    const res = await f.agent.get(urls.quotientDeclaration(SLUG));
    expect(res.status).toBe(200);
    expect(page(res).dd('Quotient familial')).toBe('850 €');
    expect(page(res).dd("Date d'effet")).toBe('01/09/2026');
    expect(page(res).dd('Origine')).toBe('Enregistré par les services');
    expect(page(res).texts('li')).toContain('700 € à partir du 01/01/2027 – Enregistré par les services');
  });

  it('says so when no QF is on file', async () => {
    const f = await family('SANSQF');
    const res = await f.agent.get(urls.quotientDeclaration(SLUG));
    expect(page(res).text()).toContain("Aucun quotient familial n'est enregistré pour votre famille aujourd'hui");
  });

  it('is for a signed-in family only', async () => {
    expect((await t.agent().get(urls.quotientDeclaration(SLUG))).status).toBe(303);
  });
});

describe('declaring a QF', () => {
  it('with a document of the storage: a request in the agents’ queue, the attestation copied onto it', async () => {
    const f = await family('STOCKAGE');
    const docId = await storedAttestation(f.parent.id);
    const form = await f.agent.get(urls.quotientDeclaration(SLUG));
    expect(page(form).label('stockage')).toBe('Attestation CAF 2026 (Autre ; attestation-caf.pdf)');

    const res = await declare(f.agent, { qf: '1 150', dateEffet: '01/01/2027', stockage: docId });
    expect(res.status, res.text.slice(0, 1500)).toBe(303);
    const requestId = requestIdFrom(res.headers.location);
    const { rows } = await db().query(`select type, status, summary, payload, family_id from requests where id = $1`, [requestId]);
    expect(rows[0]).toMatchObject({
      type: 'quotient_declaration',
      status: 'sent',
      family_id: f.familyId,
      summary: 'Quotient familial de 1\u202f150 € à partir du 01/01/2027',
      payload: { qf: 1150, effectiveFrom: '2027-01-01', files: ['Attestation CAF 2026 (espace de stockage)'], previous: null },
    });
    expect((await attachments(requestId)).map((a) => a.file_name)).toEqual(['attestation-caf.pdf']);
    // Nothing is recorded before an agent accepts.
    expect(await quotients(f.familyId)).toEqual([]);
    const mine = await f.agent.get(urls.request(SLUG, requestId));
    expect(page(mine).text()).toContain('Déclaration de quotient familial');
    const qfPage = await f.agent.get(urls.quotientDeclaration(SLUG));
    expect(page(qfPage).links()).toContainEqual({
      href: urls.request(SLUG, requestId),
      text: 'Quotient familial de 1\u202f150 € à partir du 01/01/2027',
    });
  });

  it('with an uploaded attestation', async () => {
    const f = await family('TELEVERSE');
    const res = await declare(f.agent, { qf: '640', dateEffet: '01/12/2026' }, [{ name: 'caf.pdf', content: pdf('CAF') }]);
    expect(res.status).toBe(303);
    const requestId = requestIdFrom(res.headers.location);
    expect((await attachments(requestId)).map((a) => a.file_name)).toEqual(['caf.pdf']);
  });

  it('refuses a QF, a date or a missing attestation with French messages, the values kept, and a 400', async () => {
    const f = await family('ERREURS');
    const docId = await storedAttestation(f.parent.id);
    const before = await db().query(`select count(*)::int as n from requests where family_id = $1`, [f.familyId]);

    const bad = await declare(f.agent, { qf: 'mille', dateEffet: '31/02/2027', stockage: docId });
    expect(bad.status).toBe(400);
    expect(page(bad).title()).toMatch(/^Erreur : Mon quotient familial/);
    expect(page(bad).fieldError('qf')).toContain('Saisissez votre quotient familial en chiffres');
    expect(page(bad).fieldError('dateEffet')).toContain('au format JJ/MM/AAAA');
    expect(page(bad).fieldValue('qf')).toBe('mille');
    expect(page(bad).fieldValue('dateEffet')).toBe('31/02/2027');
    expect(page(bad).checked('stockage')).toEqual([docId]);

    const negative = await declare(f.agent, { qf: '-20', dateEffet: '01/01/2027', stockage: docId });
    expect(negative.status).toBe(400);
    expect(page(negative).fieldError('qf')).toContain('ne peut pas être négatif');
    const absurd = await declare(f.agent, { qf: '999999', dateEffet: '01/01/2035', stockage: docId });
    expect(page(absurd).fieldError('qf')).toContain('Un quotient familial va de 0 à 100\u202f000 €');
    expect(page(absurd).fieldError('dateEffet')).toContain('La date d’effet doit être comprise entre le');

    const empty = await declare(f.agent, { qf: '', dateEffet: '' });
    expect(
      page(empty)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['qf', 'dateEffet', 'fichiers']);
    expect(page(empty).fieldError('fichiers')).toBe(
      'Joignez votre attestation de quotient familial : ajoutez un fichier ou choisissez un document de votre espace de stockage',
    );
    const after = await db().query(`select count(*)::int as n from requests where family_id = $1`, [f.familyId]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses another family’s stored document, and a form without its CSRF token', async () => {
    const f = await family('VOISINS');
    const other = await family('AUTRES');
    const theirs = await storedAttestation(other.parent.id, 'Leur attestation');
    const res = await declare(f.agent, { qf: '900', dateEffet: '01/01/2027', stockage: theirs });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('Leur attestation');
    expect(page(res).fieldError('fichiers')).toContain("Un document choisi n'est plus dans votre espace de stockage");

    const noToken = await f.agent
      .post(urls.quotientDeclaration(SLUG))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('qf', '900')
      .field('dateEffet', '01/01/2027')
      .attach('fichiers', pdf('CAF'), 'caf.pdf');
    expect(noToken.status).toBe(403);
    const { rows } = await db().query(`select count(*)::int as n from requests where family_id = $1`, [f.familyId]);
    expect(rows[0].n).toBe(0);
  });
});

describe('the agent’s decision', () => {
  async function declared(name: string, qf: string, dateEffet: string, previous?: number) {
    const f = await family(name);
    if (previous !== undefined) await createQuotient(db(), SLUG, { familyId: f.familyId, qf: previous });
    const res = await declare(f.agent, { qf, dateEffet }, [{ name: 'attestation.pdf', content: pdf('Attestation') }]);
    if (res.status !== 303) throw new Error(`declaration answered ${res.status}`);
    return { ...f, requestId: requestIdFrom(res.headers.location) };
  }

  it('"Accepter ce quotient" records the QF with its source and request, audited, and mails the parent', async () => {
    const f = await declared('ACCEPTE', '1320', '01/01/2027', 980);
    const agent = t.agent();
    const a = await signedInAgent(db(), agent, SLUG);
    const queue = await agent.get(urls.agentRequests(SLUG, { type: 'quotient_declaration' }));
    expect(page(queue).links()).toContainEqual({
      href: urls.agentRequest(SLUG, f.requestId),
      text: 'Quotient familial de 1\u202f320 € à partir du 01/01/2027',
    });
    const detail = await agent.get(urls.agentRequest(SLUG, f.requestId));
    expect(detail.status).toBe(200);
    expect(page(detail).dd('Quotient familial déclaré')).toBe('1\u202f320 €');
    expect(page(detail).dd("Date d'effet")).toBe('01/01/2027');
    expect(page(detail).dd('Quotient en vigueur à la déclaration')).toBe('980 € depuis le 01/09/2026');
    expect(page(detail).texts('button')).toContain('Accepter ce quotient');
    // The attestation is the request's own copy, served by the back-office.
    const [file] = await attachments(f.requestId);
    expect(page(detail).links()).toContainEqual(
      expect.objectContaining({ href: urls.agentRequestAttachment(SLUG, f.requestId, file!.id) }),
    );
    expect((await agent.get(urls.agentRequestAttachment(SLUG, f.requestId, file!.id))).status).toBe(200);

    const res = await postForm(agent, urls.agentRequest(SLUG, f.requestId), urls.agentRequestStatus(SLUG, f.requestId), {
      action: 'accepter',
    });
    expect(res.status).toBe(303);
    expect(await quotients(f.familyId)).toEqual([
      { qf: 980, effective_from: '2026-09-01', source: 'agent', request_id: null, recorded_by: null },
      { qf: 1320, effective_from: '2027-01-01', source: 'parent_declaration', request_id: f.requestId, recorded_by: a.id },
    ]);
    const audit = await db().query(`select action, details from audit_log where target_id = $1 and action = 'quotient.record'`, [
      f.familyId,
    ]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].details).toMatchObject({ qf: 1320, source: 'parent_declaration', requestId: f.requestId });
    const { rows } = await db().query(`select status from requests where id = $1`, [f.requestId]);
    expect(rows[0].status).toBe('accepted');
    const mails = await db().query(`select subject from mail_outbox where to_address = $1 order by created_at`, [f.parent.email]);
    expect(mails.rows.length).toBe(2);

    // The parent's page now shows the new QF's history.
    const mine = await f.agent.get(urls.quotientDeclaration(SLUG));
    expect(page(mine).texts('li')).toContain('1\u202f320 € à partir du 01/01/2027 – Votre déclaration, acceptée par les services');
  });

  it('a refusal needs its reason and records nothing', async () => {
    const f = await declared('REFUSE', '400', '01/01/2027');
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const noReason = await postForm(agent, urls.agentRequest(SLUG, f.requestId), urls.agentRequestStatus(SLUG, f.requestId), {
      action: 'refuser',
      motif: '',
    });
    expect(noReason.status).toBe(400);
    const res = await postForm(agent, urls.agentRequest(SLUG, f.requestId), urls.agentRequestStatus(SLUG, f.requestId), {
      action: 'refuser',
      motif: "L'attestation date de 2023.",
    });
    expect(res.status).toBe(303);
    expect(await quotients(f.familyId)).toEqual([]);
    const { rows } = await db().query(`select status from requests where id = $1`, [f.requestId]);
    expect(rows[0].status).toBe('refused');
  });

  it('is the declarant’s own: the other parent of the file gets a 404 for it and its attachment, and sees only the accepted QF', async () => {
    const f = await declared('SEPARES', '700', '01/12/2026');
    const coParent = await createParent(db(), SLUG, { familyId: f.familyId, lastName: 'SEPARES', firstNames: 'Alex' });
    const other = t.agent();
    expect((await signIn(other, SLUG, coParent.username, coParent.password)).status).toBe(303);
    expect((await other.get(urls.request(SLUG, f.requestId))).status).toBe(404);
    const [file] = await attachments(f.requestId);
    expect((await other.get(urls.requestAttachment(SLUG, f.requestId, file!.id))).status).toBe(404);
    const hrefs = (res: { text: string }) =>
      page(res)
        .links()
        .map((l) => l.href);
    expect(hrefs(await other.get(urls.quotientDeclaration(SLUG)))).not.toContain(urls.request(SLUG, f.requestId));
    expect(hrefs(await other.get(urls.requests(SLUG)))).not.toContain(urls.request(SLUG, f.requestId));
    // The declarant still has it all.
    expect(hrefs(await f.agent.get(urls.quotientDeclaration(SLUG)))).toContain(urls.request(SLUG, f.requestId));
    expect((await f.agent.get(urls.requestAttachment(SLUG, f.requestId, file!.id))).status).toBe(200);

    // Once accepted, the QF is the family's: both parents see it in force.
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const accepted = await postForm(agent, urls.agentRequest(SLUG, f.requestId), urls.agentRequestStatus(SLUG, f.requestId), {
      action: 'accepter',
    });
    expect(accepted.status).toBe(303);
    const othersPage = page(await other.get(urls.quotientDeclaration(SLUG)));
    expect(othersPage.dd('Quotient familial')).toBe('700 €');
    expect(othersPage.dd('Origine')).toBe('Votre déclaration, acceptée par les services');
    expect(othersPage.links().map((l) => l.href)).not.toContain(urls.request(SLUG, f.requestId));
  });

  it('another town’s agent gets a 404 for the request, its attachment and its decision', async () => {
    const f = await declared('AILLEURS', '800', '01/01/2027');
    const agent = t.agent();
    await signedInAgent(db(), agent, 'bayeux');
    expect((await agent.get(urls.agentRequest('bayeux', f.requestId))).status).toBe(404);
    const [file] = await attachments(f.requestId);
    expect((await agent.get(urls.agentRequestAttachment('bayeux', f.requestId, file!.id))).status).toBe(404);
    const home = await agent.get(urls.agentRequests('bayeux'));
    const res = await agent
      .post(urls.agentRequestStatus('bayeux', f.requestId))
      .type('form')
      .send({ _csrf: csrfFrom(home.text), action: 'accepter' });
    expect(res.status).toBe(404);
    expect(await quotients(f.familyId)).toEqual([]);
  });
});
