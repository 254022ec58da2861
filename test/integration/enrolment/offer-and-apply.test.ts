import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { pdf } from '../../helpers/files.js';
import { createChild, createEnrolment, createRegie, createTariff } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, postMultipart, signedInAgent, signedInFamily } from '../requests/helpers.js';
import { NOW, offeredActivity, storedCertificate } from './helpers.js';

/**
 * Issue 16: the public offer (ACTIVITÉS), "Inscrire mon enfant" with the pieces the activity
 * requires (from the storage, their validity checked, or uploaded), and the agents' decision.
 */

const SLUG = 'tarnos';
let t: TestApp;
const db = () => t.db.pool;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

const CERTIFICATE = { requiredPieces: [{ kind: 'certificat_medical', maxAgeMonths: 12 }] };

async function family(name: string, child: { birthDate?: string; className?: string } = {}) {
  const agent = t.agent();
  const f = await signedInFamily(db(), agent, SLUG, name, 'Emma', { child: { birthDate: '2018-05-04', className: 'CE2', ...child } });
  return { ...f, agent };
}

const apply = (
  f: { agent: ReturnType<TestApp['agent']> },
  activityId: string,
  fields: Record<string, string>,
  files: { name: string; content: Buffer }[] = [],
) =>
  postMultipart(
    f.agent,
    urls.enrolChild(SLUG, { activite: activityId }),
    urls.enrolChild(SLUG),
    { activite: activityId, du: '04/01/2027', au: '30/06/2027', ...fields },
    files,
  );

async function requestsOf(familyId: string) {
  const { rows } = await db().query(`select id, type, status, payload from requests where family_id = $1 and type = 'enrolment'`, [
    familyId,
  ]);
  return rows;
}

describe('the public offer', () => {
  it('lists the activities by service with ages, price range, places and enrolment state, and opens no session', async () => {
    const id = await offeredActivity(
      db(),
      SLUG,
      { service: 'Sport', minAge: 6, maxAge: 11, enrolmentClosesAt: new Date('2027-01-31T17:00:00Z') },
      { name: 'Multisport', site: 'Gymnase', capacity: 12 },
    );
    await createRegie(db(), SLUG, { activityIds: [id] });
    await createTariff(db(), SLUG, id, {
      brackets: [
        { qfMin: 0, priceCents: 150, nonResidentPriceCents: null },
        { qfMin: 900, priceCents: 620, nonResidentPriceCents: null },
      ],
    });
    const before = (await db().query('select count(*)::int as n from session')).rows[0].n;
    const res = await supertest(t.app).get(urls.activityOffer(SLUG));
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/^ef\.sid=/));
    expect((await db().query('select count(*)::int as n from session')).rows[0].n).toBe(before);
    const p = page(res);
    const card = p.$('li.panel').filter((_, el) => p.$(el).find('h3').text() === 'Multisport');
    expect(card.closest('section').find('h2').text()).toBe('Sport');
    const dd = (term: string) =>
      card
        .find('dt')
        .filter((_, el) => p.$(el).text() === term)
        .next('dd')
        .text();
    expect(dd('Pour qui')).toBe('De 6 à 11 ans');
    expect(dd('Où')).toBe('Gymnase');
    expect(dd('Quand')).toBe('Du 04/01/2027 au 30/06/2027, en période scolaire : mercredi');
    expect(dd('Prix')).toMatch(/^De 1,50\s€ à 6,20\s€ par repas, selon le quotient familial$/);
    expect(dd('Places')).toBe('12 places sur 12');
    expect(dd('Inscription')).toBe("Inscriptions ouvertes jusqu'au 31/01/2027 à 18:00");
    // Anonymous: "Inscrire mon enfant" leads to the sign-in.
    expect(card.find('a.button').attr('href')).toBe(`${urls.townHome(SLUG)}#perso-title`);
  });

  it("shows the demo town's own activities, described", async () => {
    const p = page(await supertest(t.app).get(urls.activityOffer(SLUG)));
    const card = p.$('li.panel').filter((_, el) => p.$(el).find('h3').text() === 'Accueil de loisirs (vacances)');
    expect(card.closest('section').find('h2').text()).toBe('Accueil de loisirs');
    expect(card.find('dt:contains("Pour qui") + dd').text()).toBe('De 3 à 11 ans');
    expect(card.find('dt:contains("Inscription") + dd').text()).toBe("Inscriptions ouvertes jusqu'au 30/06/2027 à 18:00");
  });

  it('shows an activity that opens later, a full one, and the detail page; another town or a bad id is a 404', async () => {
    const later = await offeredActivity(db(), SLUG, { enrolmentOpensAt: new Date('2027-01-10T08:00:00Z') }, { name: 'Stage poterie' });
    const full = await offeredActivity(db(), SLUG, {}, { name: 'Piscine', capacity: 1 });
    const f = await family('PLEIN');
    await createEnrolment(db(), SLUG, { activityId: full, childId: f.childId, startDate: '2027-01-04', endDate: '2027-06-30' });
    const detail = page(await supertest(t.app).get(urls.activityOfferDetail(SLUG, later)));
    expect(detail.heading()).toBe('Stage poterie');
    expect(detail.dd('Inscription')).toBe('Inscriptions à partir du 10/01/2027 à 09:00');
    expect(detail.has('a.button')).toBe(false);
    const fullPage = page(await f.agent.get(urls.activityOfferDetail(SLUG, full)));
    expect(fullPage.dd('Places')).toBe('Complet');
    expect(fullPage.dd('Inscription')).toBe("Complet : inscription sur liste d'attente");
    expect(fullPage.one('a.button').attr('href')).toBe(urls.enrolChild(SLUG, { activite: full }));
    expect((await supertest(t.app).get(urls.activityOfferDetail('bayeux', later))).status).toBe(404);
    expect((await supertest(t.app).get(urls.activityOfferDetail(SLUG, 'x'))).status).toBe(404);
  });
});

describe('Inscrire mon enfant', () => {
  it('offers only the children who fit the ages, and says why the others do not', async () => {
    const id = await offeredActivity(db(), SLUG, { minAge: 6, maxAge: 11 }, { name: 'Centre de loisirs' });
    const f = await family('AGES', { birthDate: '2018-05-04' });
    await createChild(db(), SLUG, f.familyId, { firstNames: 'Léo', lastName: 'AGES', birthDate: '2022-02-01' });
    await createChild(db(), SLUG, f.familyId, { firstNames: 'Zoé', lastName: 'AGES', birthDate: null });
    const p = page(await f.agent.get(urls.enrolChild(SLUG, { activite: id })));
    expect(p.label('enfant')).toBe('Emma AGES');
    expect(p.all('input[name=enfant]').length).toBe(1);
    expect(p.texts('ul.not-eligible li')).toEqual([
      "Léo AGES : 4 ans le 4 janvier 2027, moins que l'âge minimum de 6 ans",
      "Zoé AGES : sa date de naissance n'est pas dans son dossier",
    ]);
    // A child posted anyway is refused with the same reason.
    const leo = (await db().query(`select id from children where family_id = $1 and first_names = 'Léo'`, [f.familyId])).rows[0].id;
    const res = await apply(f, id, { enfant: leo });
    expect(res.status).toBe(400);
    expect(page(res).fieldError('enfant')).toBe(
      "L'inscription de Léo n'est pas possible : 4 ans le 4 janvier 2027, moins que l'âge minimum de 6 ans",
    );
    expect(await requestsOf(f.familyId)).toEqual([]);
  });

  it('filters on school levels', async () => {
    const id = await offeredActivity(db(), SLUG, { schoolLevels: ['CM1', 'CM2'] });
    const f = await family('NIVEAU', { className: 'CE2' });
    const p = page(await f.agent.get(urls.enrolChild(SLUG, { activite: id })));
    expect(p.texts('ul.not-eligible li')).toEqual(["Emma NIVEAU : sa classe (CE2) n'est pas parmi CM1, CM2"]);
  });

  it('accepts a valid certificate from the storage: the request carries a copy, the agent accepts, the child is enrolled', async () => {
    const id = await offeredActivity(db(), SLUG, { ...CERTIFICATE, asksPai: true, asksDiet: true }, { name: 'Judo' });
    const f = await family('STOCK');
    const doc = await storedCertificate(db(), SLUG, f.parent.id, { issuedOn: '2026-09-15' });
    const form = page(await f.agent.get(urls.enrolChild(SLUG, { activite: id })));
    expect(form.label('piece-certificat_medical')).toBe('Certificat du Dr Martin (Sans date limite de validité)');
    const res = await apply(f, id, { enfant: f.childId, jours: '3', 'piece-certificat_medical': doc, pai: 'non', regime: 'Sans porc' });
    expect(
      res.status,
      page(res)
        .errorSummary()
        .map((e) => e.message)
        .join(' | '),
    ).toBe(303);
    const [request] = await requestsOf(f.familyId);
    expect(res.headers.location).toBe(urls.enrolmentApplication(SLUG, request.id));
    expect(request).toMatchObject({
      status: 'sent',
      payload: {
        activityId: id,
        childId: f.childId,
        startDate: '2027-01-04',
        endDate: '2027-06-30',
        daysWords: 'mercredis',
        pai: 'non',
        diet: 'Sans porc',
        pieces: ['Certificat médical de moins de 12 mois : Certificat du Dr Martin (espace de stockage)'],
      },
    });
    const files = await db().query(`select file_name from request_attachments where request_id = $1`, [request.id]);
    expect(files.rows.map((r) => r.file_name)).toEqual(['certificat.pdf']);
    const requestPage = page(await f.agent.get(urls.request(SLUG, request.id)));
    expect(requestPage.links()).toContainEqual({
      href: urls.enrolmentApplication(SLUG, request.id),
      text: "Suivi de l'inscription et rang sur la liste d'attente",
    });
    const status = page(await f.agent.get(urls.enrolmentApplication(SLUG, request.id)));
    expect(status.dd('État')).toBe('Envoyée');
    expect(status.dd("Liste d'attente")).toBe('1er rang');

    const staff = t.agent();
    await signedInAgent(db(), staff, SLUG);
    const detail = page(await staff.get(urls.agentRequest(SLUG, request.id)));
    expect(detail.dd('Pièces')).toBe('Certificat médical de moins de 12 mois : Certificat du Dr Martin (espace de stockage)');
    const accepted = await postForm(staff, urls.agentRequest(SLUG, request.id), urls.agentRequestStatus(SLUG, request.id), {
      action: 'accepter',
    });
    expect(accepted.status).toBe(303);
    const enrolments = await db().query(`select activity_id, start_date, end_date from enrolments where child_id = $1`, [f.childId]);
    expect(enrolments.rows).toEqual([{ activity_id: id, start_date: '2027-01-04', end_date: '2027-06-30' }]);
    expect(page(await f.agent.get(urls.enrolmentApplication(SLUG, request.id))).dd('État')).toBe('Acceptée');
  });

  it('refuses an expired certificate and one too old, with the reason and the date; nothing is sent', async () => {
    const id = await offeredActivity(db(), SLUG, CERTIFICATE);
    const f = await family('EXPIRE');
    const expired = await storedCertificate(db(), SLUG, f.parent.id, {
      issuedOn: '2026-06-01',
      validUntil: '2026-11-30',
      title: 'Ancien certificat',
    });
    const old = await storedCertificate(db(), SLUG, f.parent.id, { issuedOn: '2025-10-01', title: 'Certificat 2025' });
    const form = page(await f.agent.get(urls.enrolChild(SLUG, { activite: id })));
    expect(form.texts('label[for^="piece-certificat_medical"]')).toContain(
      "Ancien certificat (Expiré : valable jusqu'au 30 novembre 2026 – ne convient pas : il est expiré depuis le 30 novembre 2026)",
    );
    const res = await apply(f, id, { enfant: f.childId, 'piece-certificat_medical': expired });
    expect(res.status).toBe(400);
    expect(page(res).fieldError('piece-certificat_medical')).toBe(
      '« Ancien certificat » ne convient pas pour la pièce « Certificat médical de moins de 12 mois » : il est expiré depuis le 30 novembre 2026',
    );
    expect(page(res).fieldValue('du')).toBe('04/01/2027');
    const res2 = await apply(f, id, { enfant: f.childId, 'piece-certificat_medical': old });
    expect(page(res2).fieldError('piece-certificat_medical')).toBe(
      '« Certificat 2025 » ne convient pas pour la pièce « Certificat médical de moins de 12 mois » : il a été délivré le 1er octobre 2025, il y a plus de 12 mois',
    );
    expect(await requestsOf(f.familyId)).toEqual([]);
  });

  it('takes an uploaded file instead', async () => {
    const id = await offeredActivity(db(), SLUG, CERTIFICATE);
    const f = await family('FICHIER');
    // Nothing in the storage: the upload is the only way, already ticked, so a parent who adds
    // the file is not told to "join the piece" for a radio they had no reason to tick.
    const form = page(await f.agent.get(urls.enrolChild(SLUG, { activite: id })));
    expect(form.label('piece-certificat_medical')).toBe("J'ajoute le fichier ci-dessous");
    expect(form.checked('piece-certificat_medical')).toEqual(['fichier']);
    const res = await apply(f, id, { enfant: f.childId, 'piece-certificat_medical': 'fichier' }, [
      { name: 'certificat-scan.pdf', content: pdf('Certificat') },
    ]);
    expect(res.status).toBe(303);
    const [request] = await requestsOf(f.familyId);
    const files = await db().query(`select file_name from request_attachments where request_id = $1`, [request.id]);
    expect(files.rows.map((r) => r.file_name)).toEqual(['certificat-scan.pdf']);
  });

  it.each([
    ['no child chosen', { enfant: '' }, 'enfant', "Choisissez l'enfant à inscrire"],
    ['a date that cannot be read', { du: '31/02/2027' }, 'du', 'Saisissez le premier jour au format JJ/MM/AAAA, par exemple 04/01/2027'],
    ['a last day before the first', { au: '01/01/2027' }, 'au', 'Le dernier jour doit être le même que le premier jour ou après'],
    [
      'a period outside the activity',
      { au: '31/07/2027' },
      'au',
      "La période doit être comprise dans celle de l'activité, du 04/01/2027 au 30/06/2027",
    ],
    ['a day the activity does not run', { jours: '1' }, 'jours', "Choisissez les jours parmi ceux de l'activité"],
    ['no PAI answer', { pai: '' }, 'pai', "Indiquez si l'enfant a un projet d'accueil individualisé (PAI)"],
    [
      'no piece',
      { 'piece-certificat_medical': '' },
      'piece-certificat_medical',
      'Joignez la pièce « Certificat médical de moins de 12 mois » : choisissez un document de votre espace de stockage ou ajoutez un fichier',
    ],
    [
      '"file" chosen without a file',
      { 'piece-certificat_medical': 'fichier' },
      'fichiers',
      'Ajoutez le fichier de la pièce « Certificat médical de moins de 12 mois »',
    ],
  ])('refuses %s with a French message (400), keeping what was typed', async (_what, change, field, message) => {
    const id = await offeredActivity(db(), SLUG, { ...CERTIFICATE, asksPai: true });
    const f = await family('INVALIDE');
    const doc = await storedCertificate(db(), SLUG, f.parent.id, { issuedOn: '2026-09-15' });
    const res = await apply(f, id, {
      enfant: f.childId,
      pai: 'oui',
      'piece-certificat_medical': doc,
      ...(change as Record<string, string>),
    });
    expect(res.status).toBe(400);
    expect(page(res).fieldError(field)).toBe(message);
    expect(await requestsOf(f.familyId)).toEqual([]);
  });

  it('refuses a post without the CSRF token, a second application for the same child, a child already enrolled, and an activity not open', async () => {
    const id = await offeredActivity(db(), SLUG);
    const f = await family('CSRF');
    const noToken = await f.agent
      .post(urls.enrolChild(SLUG))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('activite', id)
      .field('enfant', f.childId);
    expect(noToken.status).toBe(403);
    expect((await apply(f, id, { enfant: f.childId })).status).toBe(303);
    const again = await apply(f, id, { enfant: f.childId });
    expect(page(again).fieldError('enfant')).toBe("Une demande d'inscription d'Emma à cette activité est déjà en cours");
    const enrolled = await offeredActivity(db(), SLUG);
    await createEnrolment(db(), SLUG, { activityId: enrolled, childId: f.childId, startDate: '2027-01-04', endDate: '2027-03-31' });
    expect(page(await apply(f, enrolled, { enfant: f.childId })).fieldError('enfant')).toBe(
      'Emma a déjà une inscription à cette activité sur une partie de cette période',
    );
    const closed = await offeredActivity(db(), SLUG, { enrolmentOpensAt: null });
    expect((await f.agent.get(urls.enrolChild(SLUG, { activite: closed }))).status).toBe(404);
    expect((await apply(f, closed, { enfant: f.childId })).status).toBe(404);
  });

  it('tells a parent whose form arrives after the close, in French, rather than a page not found', async () => {
    const id = await offeredActivity(db(), SLUG, { enrolmentClosesAt: new Date('2026-12-02T17:00:00Z') }, { name: 'Chorale' });
    const f = await family('TARDIVE');
    t.clock.set('2026-12-02T17:00:01Z');
    try {
      const res = await apply(f, id, { enfant: f.childId, jours: '3' });
      expect(res.status).toBe(400);
      expect(page(res).fieldError('enfant')).toBe(
        "Les inscriptions à cette activité ne sont pas ouvertes : consultez l'offre pour leurs dates",
      );
      expect(await requestsOf(f.familyId)).toEqual([]);
    } finally {
      t.clock.set(NOW);
    }
  });

  it("is 404 for another family's child, another family's application, and another town's activity", async () => {
    const id = await offeredActivity(db(), SLUG);
    const owner = await family('PROPRIO');
    expect((await apply(owner, id, { enfant: owner.childId })).status).toBe(303);
    const [request] = await requestsOf(owner.familyId);
    const other = await family('AUTRE');
    expect((await other.agent.get(urls.enrolmentApplication(SLUG, request.id))).status).toBe(404);
    const stolen = await apply(other, id, { enfant: owner.childId });
    expect(stolen.status).toBe(400);
    expect(page(stolen).fieldError('enfant')).toBe("Choisissez l'enfant à inscrire parmi ceux de votre dossier");
    const bayeuxActivity = await offeredActivity(db(), 'bayeux');
    expect((await other.agent.get(urls.enrolChild(SLUG, { activite: bayeuxActivity }))).status).toBe(404);
    expect((await apply(other, bayeuxActivity, { enfant: other.childId })).status).toBe(404);
    expect((await other.agent.get(urls.enrolmentApplication('bayeux', request.id))).status).toBe(404);
    expect((await t.agent().get(urls.enrolmentApplication(SLUG, request.id))).status).toBe(404);
  });

  it("refuses another family's stored certificate, forged into the form, and sends nothing", async () => {
    const id = await offeredActivity(db(), SLUG, CERTIFICATE, { name: 'Escalade' });
    const owner = await family('CERTIFIE');
    const theirs = await storedCertificate(db(), SLUG, owner.parent.id, { issuedOn: '2026-09-15' });
    const other = await family('EMPRUNT');
    const res = await apply(other, id, { enfant: other.childId, jours: '3', 'piece-certificat_medical': theirs });
    expect(res.status).toBe(400);
    expect(page(res).fieldError('piece-certificat_medical')).toBe(
      "Le document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste",
    );
    expect(await requestsOf(other.familyId)).toEqual([]);
  });

  it('mails the reason of a refusal', async () => {
    const id = await offeredActivity(db(), SLUG);
    const f = await family('REFUS');
    await apply(f, id, { enfant: f.childId });
    const [request] = await requestsOf(f.familyId);
    const staff = t.agent();
    await signedInAgent(db(), staff, SLUG);
    const res = await postForm(staff, urls.agentRequest(SLUG, request.id), urls.agentRequestStatus(SLUG, request.id), {
      action: 'refuser',
      motif: 'Le groupe des 6-8 ans est complet.',
    });
    expect(res.status).toBe(303);
    const mails = await db().query(`select subject, text_body from mail_outbox where to_address = $1 order by created_at`, [
      f.parent.email,
    ]);
    expect(mails.rows.at(-1).text_body).toContain('Le groupe des 6-8 ans est complet.');
    expect(page(await f.agent.get(urls.enrolmentApplication(SLUG, request.id))).dd('Motif du refus')).toBe(
      'Le groupe des 6-8 ans est complet.',
    );
  });
});
