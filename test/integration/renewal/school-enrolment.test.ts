import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertSchool, insertSectors } from '../../../src/repositories/school-sectors.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { pdf } from '../../helpers/files.js';
import { createChild, createDocument, createFamily, createParent, createRequest, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, signedInAgent } from '../requests/helpers.js';

/**
 * "Préinscription scolaire" (issue 16): the school of the family's sector proposed from its
 * address, a derogation with its reason, the pieces; the agents accept with the school and the
 * class (the child's page then shows them) or refuse with a reason, mailed.
 */

const SLUG = 'tarnos';
const OTHER = 'bayeux';
let t: TestApp;
const db = () => t.db.pool;
let ferry: string;
let pasteur: string;
let curie: string;

async function family(name: string, addressLine: string, postalCode = '40220') {
  const agent = t.agent();
  const f = await createFamily(db(), SLUG, { name, addressLine, postalCode, city: 'Tarnos' });
  const childId = await createChild(db(), SLUG, f.id, { firstNames: 'Jade', lastName: name });
  const parent = await createParent(db(), SLUG, { familyId: f.id, lastName: name });
  expect((await signIn(agent, SLUG, parent.username, parent.password)).status).toBe(303);
  return { agent, familyId: f.id, childId, parent };
}

async function livret(accountId: string) {
  const content = pdf('Livret');
  return createDocument(db(), SLUG, accountId, {
    kind: 'livret_famille',
    title: 'Livret de famille',
    files: [
      {
        fileName: 'livret.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
  });
}

async function send(
  agent: ReturnType<TestApp['agent']>,
  fields: Record<string, string>,
  files = [{ name: 'domicile.pdf', content: pdf('D') }],
  token?: string,
) {
  const csrf = token ?? csrfFrom((await agent.get(urls.schoolEnrolment(SLUG))).text);
  let req = agent.post(urls.schoolEnrolment(SLUG)).set('Sec-Fetch-Site', 'same-origin').field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const f of files) req = req.attach('fichiers', f.content, f.name);
  return req;
}

const requestOf = async (childId: string) =>
  (
    await db().query<{ id: string; status: string; payload: Record<string, unknown> }>(
      `select id, status, payload from requests where child_id = $1 and type = 'school_enrolment' order by created_at desc limit 1`,
      [childId],
    )
  ).rows[0];

beforeAll(async () => {
  t = await createTestApp({ now: '2027-03-01T09:00:00Z' });
  const tw = await town(db(), SLUG);
  ferry = (await insertSchool(db(), tw.id, { name: 'École maternelle Jules Ferry', kind: 'maternelle', address: '' }))!;
  pasteur = (await insertSchool(db(), tw.id, { name: 'École élémentaire Pasteur', kind: 'elementaire', address: '' }))!;
  curie = (await insertSchool(db(), tw.id, { name: 'École élémentaire Curie', kind: 'elementaire', address: '' }))!;
  const line = { streetLabel: 'Avenue de la République', streetKey: 'avenue republique', numberFrom: 1, numberTo: 49, postalCode: '40220' };
  await insertSectors(db(), tw.id, [
    { ...line, schoolId: ferry },
    { ...line, schoolId: pasteur },
  ]);
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

const PIECES = { pieceDomicile: 'fichier', pieceVaccinations: 'fichier' };

describe('the parent’s pre-enrolment', () => {
  it('refuses more than four files in all, a stored piece counted, in French, sending nothing', async () => {
    const f = await family('NOMBREUX', '8 avenue de la République');
    const stored = await livret(f.parent.id);
    const four = ['a', 'b', 'c', 'd'].map((n) => ({ name: `${n}.pdf`, content: pdf(n) }));
    const res = await send(f.agent, { enfant: f.childId, niveau: 'CP', pieceLivret: stored, ...PIECES }, four);
    expect(res.status).toBe(400);
    expect(page(res).fieldError('fichiers')).toBe('Joignez 4 fichiers au maximum en tout : vous en avez choisi 5');
    expect(await requestOf(f.childId)).toBeUndefined();
  });

  it('proposes the sector’s schools from the family’s address, however it is written', async () => {
    const f = await family('SECTEUR', '12 bis AV. DE LA REPUBLIQUE');
    const p = page(await f.agent.get(urls.schoolEnrolment(SLUG)));
    expect(p.dd('École maternelle (PS, MS, GS)')).toBe('École maternelle Jules Ferry');
    expect(p.dd('École élémentaire (CP à CM2)')).toBe('École élémentaire Pasteur');
    // Nothing in the storage: the upload is already chosen for each piece, not "Choisir".
    expect(p.selected('pieceDomicile')).toBe('fichier');
    expect(page(await f.agent.get(urls.family(SLUG))).links()).toContainEqual({
      href: urls.schoolEnrolment(SLUG),
      text: 'Préinscription scolaire',
    });

    const none = await family('HORS', '3 chemin des Vignes');
    expect(page(await none.agent.get(urls.schoolEnrolment(SLUG))).dd('École élémentaire (CP à CM2)')).toBe(
      'Aucun secteur trouvé : la mairie vous proposera une école',
    );
  });

  it('sends the request with the sector’s school and the pieces; the agent accepts with the school and class, shown on the child’s page', async () => {
    const f = await family('ACCEPTE', '20 avenue de la République');
    const livretId = await livret(f.parent.id);
    const res = await send(f.agent, { enfant: f.childId, niveau: 'PS', pieceLivret: livretId, ...PIECES });
    expect(res.status, res.text.slice(0, 600)).toBe(303);
    const request = (await requestOf(f.childId))!;
    expect(request.status).toBe('sent');
    expect(request.payload).toMatchObject({
      level: 'PS',
      sectorSchool: { id: ferry, name: 'École maternelle Jules Ferry' },
      derogation: null,
    });
    const files = await db().query(`select file_name from request_attachments where request_id = $1 order by position`, [request.id]);
    expect(files.rows).toEqual([{ file_name: 'domicile.pdf' }, { file_name: 'livret.pdf' }]);

    // A second one for the same child waits for the first.
    const again = await send(f.agent, { enfant: f.childId, niveau: 'PS', pieceLivret: livretId, ...PIECES });
    expect(page(again).fieldError('enfant')).toBe('Une préinscription de Jade attend déjà la réponse des services');

    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect(page(await agent.get(urls.agentSchoolSectors(SLUG))).links()).toContainEqual({
      href: urls.agentSchoolEnrolment(SLUG, request.id),
      text: 'Préinscription scolaire de Jade ACCEPTE en Petite section (PS) (2027-2028)',
    });
    const decision = page(await agent.get(urls.agentSchoolEnrolment(SLUG, request.id)));
    expect(decision.selected('ecole')).toBe(ferry);
    expect(decision.selected('classe')).toBe('PS');
    const wrongKind = await postForm(
      agent,
      urls.agentSchoolEnrolment(SLUG, request.id),
      urls.agentSchoolEnrolmentAccept(SLUG, request.id),
      {
        ecole: pasteur,
        classe: 'PS',
      },
    );
    expect(wrongKind.status).toBe(400);
    expect(page(wrongKind).fieldError('ecole')).toBe(
      "École élémentaire Pasteur est une école élémentaire : elle n'accueille pas la classe Petite section (PS)",
    );
    const ok = await postForm(agent, urls.agentSchoolEnrolment(SLUG, request.id), urls.agentSchoolEnrolmentAccept(SLUG, request.id), {
      ecole: ferry,
      classe: 'MS',
    });
    expect(ok.status).toBe(303);
    const child = page(await f.agent.get(urls.child(SLUG, f.childId)));
    expect(child.dd('École')).toBe('École maternelle Jules Ferry');
    expect(child.dd('Classe')).toBe('Moyenne section (MS)');
  });

  it('takes a derogation with its reason; the agent refuses it with a reason, mailed', async () => {
    const f = await family('DEROGE', '20 avenue de la République');
    const noReason = await send(f.agent, {
      enfant: f.childId,
      niveau: 'CP',
      autreEcole: curie,
      motif: ' ',
      pieceLivret: 'fichier',
      ...PIECES,
    });
    expect(noReason.status).toBe(400);
    expect(page(noReason).errorSummary()).toEqual([
      { field: 'motif', message: 'Expliquez pourquoi vous demandez une autre école que celle du secteur' },
    ]);
    expect(page(noReason).selected('autreEcole')).toBe(curie);
    const res = await send(f.agent, {
      enfant: f.childId,
      niveau: 'CP',
      autreEcole: curie,
      motif: 'Garde chez la grand-mère',
      pieceLivret: 'fichier',
      ...PIECES,
    });
    expect(res.status).toBe(303);
    const request = (await requestOf(f.childId))!;
    expect(request.payload).toMatchObject({
      sectorSchool: { id: pasteur },
      derogation: { schoolId: curie, schoolName: 'École élémentaire Curie', reason: 'Garde chez la grand-mère' },
    });
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect(page(await agent.get(urls.agentSchoolEnrolment(SLUG, request.id))).selected('ecole')).toBe(curie);
    const empty = await postForm(agent, urls.agentSchoolEnrolment(SLUG, request.id), urls.agentSchoolEnrolmentRefuse(SLUG, request.id), {
      motif: '',
    });
    expect(page(empty).errorSummary()).toEqual([{ field: 'motif', message: 'Saisissez le motif du refus, pour la famille' }]);
    const refused = await postForm(agent, urls.agentSchoolEnrolment(SLUG, request.id), urls.agentSchoolEnrolmentRefuse(SLUG, request.id), {
      motif: 'Plus de place en CP à Curie.',
    });
    expect(refused.status).toBe(303);
    const mail = await db().query<{ text_body: string }>(
      `select text_body from mail_outbox where to_address = $1 and subject like '%refusée%'`,
      [f.parent.email],
    );
    expect(mail.rows[0]?.text_body).toContain('Plus de place en CP à Curie.');
    expect(page(await f.agent.get(urls.child(SLUG, f.childId))).dd('École')).toBe('Non renseignée');
  });

  it('refuses a missing child or level, missing pieces, and a forged CSRF token', async () => {
    const f = await family('INVALIDE', '20 avenue de la République');
    const other = await family('AUTRE', '20 avenue de la République');
    const res = await send(other.agent, { enfant: f.childId, niveau: '6e' }, []);
    expect(res.status).toBe(400);
    expect(
      page(res)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['enfant', 'niveau', 'pieceDomicile', 'pieceLivret', 'pieceVaccinations']);
    const forged = await send(f.agent, { enfant: f.childId, niveau: 'CP', pieceLivret: 'fichier', ...PIECES }, undefined, 'forged');
    expect(forged.status).toBe(403);
    expect(await requestOf(f.childId)).toBeUndefined();
  });
});

describe('another town gets a 404', () => {
  it('on the decision page and its actions; a request of another type is not a pre-enrolment', async () => {
    const f = await family('ISOLE', '20 avenue de la République');
    await send(f.agent, { enfant: f.childId, niveau: 'CP', pieceLivret: 'fichier', ...PIECES });
    const request = (await requestOf(f.childId))!;
    const stranger = t.agent();
    await signedInAgent(db(), stranger, OTHER);
    expect((await stranger.get(urls.agentSchoolEnrolment(OTHER, request.id))).status).toBe(404);
    for (const path of [urls.agentSchoolEnrolmentAccept(OTHER, request.id), urls.agentSchoolEnrolmentRefuse(OTHER, request.id)]) {
      expect(
        (await postForm(stranger, urls.agentSchoolSectors(OTHER), path, { ecole: pasteur, classe: 'CP', motif: 'x' })).status,
        path,
      ).toBe(404);
    }
    expect((await requestOf(f.childId))?.status).toBe('sent');
    const otherType = await createRequest(db(), SLUG, { familyId: f.familyId, childId: f.childId });
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect((await agent.get(urls.agentSchoolEnrolment(SLUG, otherType))).status).toBe(404);
    expect((await t.agent().get(urls.schoolEnrolment(SLUG))).status).toBe(303);
  });
});
