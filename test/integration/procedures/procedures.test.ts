import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { pdf } from '../../helpers/files.js';
import { createAgentFixture, createChild, createDocument, createTownForm } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, postMultipart, requestIdFrom, signedInAgent, signedInFamily } from '../requests/helpers.js';

/**
 * NOUVELLE DÉMARCHE (issue 17): the catalogue of built-in requests and published forms, the
 * admins' builder with its versions, and a parent's submission as a request of the queue.
 */

const NOW = '2026-12-02T09:00:00Z';
const SLUG = 'bondoufle';
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

async function family(name: string, slug = SLUG) {
  const agent = t.agent();
  const f = await signedInFamily(db(), agent, slug, name);
  return { ...f, agent };
}

async function admin(slug = SLUG) {
  const agent = t.agent();
  const a = await createAgentFixture(db(), slug, 'admin');
  const res = await signInAgent(agent, slug, a.username, a.password);
  if (res.status !== 303) throw new Error(`admin sign-in failed: ${res.status}`);
  return { ...a, agent };
}

const ALL_KINDS = [
  { id: 'c1', kind: 'text', label: 'Objet', help: 'En quelques mots', required: true, options: [] },
  { id: 'c2', kind: 'long_text', label: 'Précisions', help: '', required: false, options: [] },
  { id: 'c3', kind: 'date', label: 'Date souhaitée', help: '', required: true, options: [] },
  { id: 'c4', kind: 'choice', label: 'Créneau', help: '', required: true, options: ['Matin', 'Après-midi'] },
  { id: 'c5', kind: 'yes_no', label: 'Premier rendez-vous', help: '', required: true, options: [] },
  { id: 'c6', kind: 'number', label: "Nombre d'enfants", help: '', required: false, options: [] },
  { id: 'c7', kind: 'file', label: 'Justificatif', help: '', required: false, options: [] },
];
const VALID = { c1: 'Inscription', c2: 'Deux lignes\nde texte', c3: '16/12/2026', c4: 'Après-midi', c5: 'non', c6: '2' };

const send = (
  agent: ReturnType<TestApp['agent']>,
  formId: string,
  fields: Record<string, string>,
  files: { name: string; content: Buffer }[] = [],
) => postMultipart(agent, urls.procedureForm(SLUG, formId), urls.procedureForm(SLUG, formId), fields, files);

async function storedDocument(slug: string, accountId: string, title: string) {
  const content = pdf(title);
  return createDocument(db(), slug, accountId, {
    kind: 'autre',
    title,
    files: [
      { fileName: 'piece.pdf', contentType: 'application/pdf', content, sha256: crypto.createHash('sha256').update(content).digest('hex') },
    ],
    now: new Date(NOW),
  });
}

describe('the catalogue', () => {
  it('lists the built-in requests and the published forms only, grouped by service', async () => {
    const enfance = await createTownForm(db(), SLUG, { title: 'Rendez-vous Enfance', serviceName: 'Service Enfance Jeunesse' });
    const petite = await createTownForm(db(), SLUG, { title: 'Visite de la crèche', serviceName: 'Service Petite Enfance' });
    const draft = await createTownForm(db(), SLUG, { title: 'Brouillon secret', published: false });
    const other = await createTownForm(db(), 'tarnos', { title: 'Formulaire de Tarnos' });
    const f = await family('CATALOGUE');
    const childId = await createChild(db(), SLUG, f.familyId, { firstNames: 'Lina' });

    const res = await f.agent.get(urls.procedures(SLUG));
    expect(res.status).toBe(200);
    expect(page(res).heading()).toBe('Nouvelle démarche');
    const links = page(res)
      .links('main')
      .map((l) => l.href);
    for (const href of [
      urls.enrolChild(SLUG),
      urls.absenceStart(SLUG, childId),
      urls.contactDetails(SLUG),
      urls.addMember(SLUG),
      urls.quotientDeclaration(SLUG),
      urls.schoolEnrolment(SLUG),
      urls.renewal(SLUG),
      urls.procedureForm(SLUG, enfance.id),
      urls.procedureForm(SLUG, petite.id),
    ]) {
      expect(links).toContain(href);
    }
    expect(links).not.toContain(urls.procedureForm(SLUG, draft.id));
    expect(links).not.toContain(urls.procedureForm('tarnos', other.id));
    expect(page(res).text()).not.toContain('Brouillon secret');
    expect(page(res).texts('h2')).toEqual(
      expect.arrayContaining(['Ma famille', 'Mes enfants', 'Service Enfance Jeunesse', 'Service Petite Enfance']),
    );
    expect(page(res).texts('section[aria-labelledby] h2 ~ ul a .tile__title')).toContain('Signaler une absence de Lina');
    // Each form under its service.
    const petiteSection = page(res)
      .$('section')
      .filter((_, s) => page(res).$(s).find('h2').text() === 'Service Petite Enfance');
    expect(
      petiteSection
        .find('a')
        .map((_, a) => page(res).$(a).attr('href'))
        .get(),
    ).toEqual([urls.procedureForm(SLUG, petite.id)]);
  });

  it('is for signed-in parents', async () => {
    expect((await t.agent().get(urls.procedures(SLUG))).status).toBe(303);
  });
});

describe('the admins’ builder', () => {
  it('creates a form, adds fields, publishes it as version 1, audited; the list shows it', async () => {
    const a = await admin();
    const services = await db().query<{ id: string }>(
      `select s.id from town_services s join towns t on t.id = s.town_id where t.slug = $1 and s.name = 'Service Enfance Jeunesse'`,
      [SLUG],
    );
    const created = await postForm(a.agent, urls.agentFormNew(SLUG), urls.agentFormNew(SLUG), {
      titre: 'Demande de rendez-vous',
      intro: 'Pour rencontrer le service.',
      service: services.rows[0]!.id,
    });
    expect(created.status).toBe(303);
    const formPath = created.headers.location!;
    const formId = formPath.split('/').pop()!;
    expect(formPath).toBe(urls.agentForm(SLUG, formId));

    const noFields = await postForm(a.agent, formPath, urls.agentFormPublish(SLUG, formId), {});
    expect(noFields.status).toBe(400);
    expect(page(noFields).errorSummary()).toEqual([
      { field: 'publier', message: 'Ajoutez au moins un champ avant de publier le formulaire' },
    ]);

    const add = (fields: Record<string, string>) => postForm(a.agent, formPath, urls.agentFormFields(SLUG, formId), fields);
    expect((await add({ libelle: 'Objet', type: 'text', obligatoire: 'oui' })).status).toBe(303);
    expect((await add({ libelle: 'Créneau', type: 'choice', options: 'Matin\nAprès-midi' })).status).toBe(303);

    const published = await postForm(a.agent, formPath, urls.agentFormPublish(SLUG, formId), {});
    expect(published.status).toBe(303);
    const versions = await db().query(`select version, title, fields from town_form_versions where form_id = $1`, [formId]);
    expect(versions.rows).toEqual([
      {
        version: 1,
        title: 'Demande de rendez-vous',
        fields: [
          { id: 'c1', kind: 'text', label: 'Objet', help: '', required: true, options: [] },
          { id: 'c2', kind: 'choice', label: 'Créneau', help: '', required: false, options: ['Matin', 'Après-midi'] },
        ],
      },
    ]);
    const audit = await db().query(`select action from audit_log where target_id = $1 order by id`, [formId]);
    expect(audit.rows.map((r) => r.action)).toEqual(['town_form.create', 'town_form.update', 'town_form.update', 'town_form.publish']);

    const list = await a.agent.get(urls.agentForms(SLUG));
    expect(page(list).row('Demande de rendez-vous').cells).toContain('Publié (version 1)');
    expect(page(list).links('nav')).toContainEqual(expect.objectContaining({ href: urls.agentForms(SLUG), text: 'Formulaires' }));

    const preview = await a.agent.get(urls.agentFormPreview(SLUG, formId));
    expect(preview.status).toBe(200);
    expect(page(preview).label('c1')).toBe('* Objet (obligatoire)');
  });

  it('refuses each invalid input with a French message', async () => {
    const a = await admin();
    const form = await createTownForm(db(), SLUG, { published: false, fields: [] });
    const formPath = urls.agentForm(SLUG, form.id);
    const add = (fields: Record<string, string>) => postForm(a.agent, formPath, urls.agentFormFields(SLUG, form.id), fields);

    const blank = await add({ libelle: '  ', type: 'text' });
    expect(blank.status).toBe(400);
    expect(page(blank).fieldError('libelle')).toBe('Saisissez le libellé du champ');
    const noOptions = await add({ libelle: 'Créneau', type: 'choice', options: '' });
    expect(page(noOptions).fieldError('options')).toBe('Saisissez au moins deux options, une par ligne');
    expect(page(noOptions).fieldValue('libelle')).toBe('Créneau');
    const badKind = await add({ libelle: 'Objet', type: 'signature' });
    expect(page(badKind).fieldError('type')).toBe('Choisissez le type de champ');

    const noTitle = await postForm(a.agent, urls.agentFormNew(SLUG), urls.agentFormNew(SLUG), { titre: '', service: '' });
    expect(noTitle.status).toBe(400);
    expect(
      page(noTitle)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['titre', 'service']);
    const otherTownService = await db().query<{ id: string }>(
      `select s.id from town_services s join towns t on t.id = s.town_id where t.slug = 'tarnos' limit 1`,
    );
    const foreign = await postForm(a.agent, urls.agentFormNew(SLUG), urls.agentFormNew(SLUG), {
      titre: 'Titre',
      service: otherTownService.rows[0]!.id,
    });
    expect(page(foreign).fieldError('service')).toBe('Choisissez le service qui reçoit les demandes parmi la liste');

    const twenty = Array.from({ length: 20 }, (_, i) => ({
      id: `c${i + 1}`,
      kind: 'text',
      label: `Q${i + 1}`,
      help: '',
      required: false,
      options: [],
    }));
    const full = await createTownForm(db(), SLUG, { published: false, fields: twenty });
    const tooMany = await postForm(a.agent, urls.agentForm(SLUG, full.id), urls.agentFormFields(SLUG, full.id), {
      libelle: 'Q21',
      type: 'text',
    });
    expect(tooMany.status).toBe(400);
    expect(page(tooMany).fieldError('libelle')).toBe("Un formulaire comporte 20 champs au maximum : retirez-en un avant d'en ajouter");
    const { rows } = await db().query(`select jsonb_array_length(fields) as n from town_forms where id = $1`, [full.id]);
    expect(rows[0].n).toBe(20);

    const noToken = await a.agent.post(urls.agentFormFields(SLUG, form.id)).type('form').send({ libelle: 'Objet', type: 'text' });
    expect(noToken.status).toBe(403);
  });

  it('is for admins only: an agent and another town’s admin get 404', async () => {
    const form = await createTownForm(db(), SLUG);
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect((await agent.get(urls.agentForms(SLUG))).status).toBe(404);
    expect((await agent.get(urls.agentForm(SLUG, form.id))).status).toBe(404);
    expect(
      page(await agent.get(urls.agentRequests(SLUG)))
        .links('nav')
        .map((l) => l.text),
    ).not.toContain('Formulaires');
    const tarnos = await admin('tarnos');
    expect((await tarnos.agent.get(urls.agentForm('tarnos', form.id))).status).toBe(404);
  });
});

describe('a parent’s submission', () => {
  it('sends typed answers as a request with its file; the agent reads label: value and downloads the file', async () => {
    const form = await createTownForm(db(), SLUG, { title: 'Rendez-vous', serviceName: 'Service Enfance Jeunesse', fields: ALL_KINDS });
    const f = await family('ENVOI');
    const shown = await f.agent.get(urls.procedureForm(SLUG, form.id));
    expect(shown.status).toBe(200);
    expect(page(shown).label('c1')).toBe('* Objet (obligatoire)');

    const res = await send(f.agent, form.id, VALID, [{ name: 'justificatif.pdf', content: pdf('Justificatif') }]);
    expect(res.status, res.text.slice(0, 1000)).toBe(303);
    const requestId = requestIdFrom(res.headers.location);
    const { rows } = await db().query(`select type, status, summary, payload from requests where id = $1`, [requestId]);
    expect(rows[0]).toMatchObject({ type: 'town_form', status: 'sent', summary: 'Rendez-vous' });
    expect(rows[0].payload.answers.map((a: { value: unknown }) => a.value)).toEqual([
      'Inscription',
      'Deux lignes\nde texte',
      '2026-12-16',
      'Après-midi',
      false,
      2,
      ['justificatif.pdf (fichier ajouté)'],
    ]);
    const mine = await f.agent.get(urls.request(SLUG, requestId));
    expect(page(mine).dd('Date souhaitée')).toBe('16/12/2026');
    const list = await f.agent.get(urls.requests(SLUG));
    expect(page(list).links()).toContainEqual(expect.objectContaining({ href: urls.request(SLUG, requestId) }));

    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const queue = await agent.get(urls.agentRequests(SLUG));
    expect(page(queue).links()).toContainEqual({ href: urls.agentRequest(SLUG, requestId), text: 'Rendez-vous' });
    const detail = await agent.get(urls.agentRequest(SLUG, requestId));
    expect(page(detail).dd('Objet')).toBe('Inscription');
    expect(page(detail).dd('Premier rendez-vous')).toBe('Non');
    expect(page(detail).dd("Nombre d'enfants")).toBe('2');
    expect(page(detail).dd('Service destinataire')).toBe('Service Enfance Jeunesse');
    const files = await db().query<{ id: string }>(`select id from request_attachments where request_id = $1`, [requestId]);
    expect((await agent.get(urls.agentRequestAttachment(SLUG, requestId, files.rows[0]!.id))).status).toBe(200);
    // Same state machine and mails as the others.
    const accepted = await postForm(agent, urls.agentRequest(SLUG, requestId), urls.agentRequestStatus(SLUG, requestId), {
      action: 'accepter',
    });
    expect(accepted.status).toBe(303);
    const mails = await db().query(`select subject from mail_outbox where to_address = $1 order by created_at`, [f.parent.email]);
    expect(mails.rows.map((m) => m.subject)).toEqual(['Votre demande a bien été envoyée', 'Votre demande : acceptée']);
  });

  it('refuses each kind’s invalid input and a missing required answer, values kept, nothing sent', async () => {
    const form = await createTownForm(db(), SLUG, {
      fields: ALL_KINDS.map((k) => (k.kind === 'file' ? { ...k, required: true } : k)),
    });
    const f = await family('ERREURS');
    const bad = await send(f.agent, form.id, { c1: '', c2: 'x'.repeat(5001), c3: '31/02/2026', c4: 'Soir', c5: 'peut-être', c6: 'deux' });
    expect(bad.status).toBe(400);
    expect(page(bad).title()).toMatch(/^Erreur : /);
    expect(page(bad).errorSummary()).toEqual([
      { field: 'c1', message: 'Saisissez une réponse pour « Objet »' },
      { field: 'c2', message: 'La réponse à « Précisions » doit comporter 5000 caractères au maximum' },
      { field: 'c3', message: "La date saisie pour « Date souhaitée » n'existe pas : vérifiez le jour et le mois" },
      { field: 'c4', message: 'Choisissez une réponse de la liste pour « Créneau »' },
      { field: 'c5', message: 'Choisissez « Oui » ou « Non » pour « Premier rendez-vous »' },
      { field: 'c6', message: "Saisissez « Nombre d'enfants » en chiffres, par exemple 12" },
      { field: 'c7', message: 'Joignez « Justificatif » : ajoutez un fichier ou choisissez un document de votre espace de stockage' },
    ]);
    expect(page(bad).fieldValue('c3')).toBe('31/02/2026');
    expect(page(bad).fieldValue('c6')).toBe('deux');

    const long = await send(f.agent, form.id, { ...VALID, c1: 'x'.repeat(201) }, [{ name: 'a.pdf', content: pdf('a') }]);
    expect(page(long).errorSummary()).toEqual([
      { field: 'c1', message: 'La réponse à « Objet » doit comporter 200 caractères au maximum' },
    ]);

    const wrongType = await send(f.agent, form.id, VALID, [{ name: 'script.exe', content: Buffer.from('MZ not a document') }]);
    expect(wrongType.status).toBe(400);
    expect(page(wrongType).fieldError('c7')).toContain('format');

    const { rows } = await db().query(`select count(*)::int as n from requests where family_id = $1`, [f.familyId]);
    expect(rows[0].n).toBe(0);
  });

  it('takes a document of the parent’s storage, refuses another family’s, and a form without its CSRF token', async () => {
    const form = await createTownForm(db(), SLUG, { fields: ALL_KINDS });
    const f = await family('STOCKAGE');
    const mine = await storedDocument(SLUG, f.parent.id, 'Ma pièce');
    const other = await family('VOISINE');
    const theirs = await storedDocument(SLUG, other.parent.id, 'Leur pièce');

    const refused = await send(f.agent, form.id, { ...VALID, stockage: theirs });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain('Leur pièce');
    expect(page(refused).fieldError('c7')).toBe("Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste");

    const ok = await send(f.agent, form.id, { ...VALID, stockage: mine });
    expect(ok.status).toBe(303);
    const requestId = requestIdFrom(ok.headers.location);
    const files = await db().query(`select file_name from request_attachments where request_id = $1`, [requestId]);
    expect(files.rows).toEqual([{ file_name: 'piece.pdf' }]);

    const noToken = await f.agent
      .post(urls.procedureForm(SLUG, form.id))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('c1', 'Objet')
      .attach('fichiers', pdf('x'), 'x.pdf');
    expect(noToken.status).toBe(403);
  });

  it('gives 404 for another town’s form, an unpublished one, and another family’s request', async () => {
    const tarnosForm = await createTownForm(db(), 'tarnos');
    const draft = await createTownForm(db(), SLUG, { published: false });
    const form = await createTownForm(db(), SLUG);
    const f = await family('PROPRE');
    expect((await f.agent.get(urls.procedureForm(SLUG, tarnosForm.id))).status).toBe(404);
    expect((await f.agent.get(urls.procedureForm(SLUG, draft.id))).status).toBe(404);
    expect((await send(f.agent, draft.id, { c1: 'Objet' })).status).toBe(404);

    const res = await send(f.agent, form.id, { c1: 'Objet' });
    const requestId = requestIdFrom(res.headers.location);
    const other = await family('AUTRE');
    expect((await other.agent.get(urls.request(SLUG, requestId))).status).toBe(404);
    const tarnosParent = await family('TARNOS', 'tarnos');
    expect((await tarnosParent.agent.get(urls.request('tarnos', requestId))).status).toBe(404);
  });

  it('keeps the questions as asked when the form changes afterwards, and stops offering an unpublished form', async () => {
    const a = await admin();
    const form = await createTownForm(db(), SLUG, { title: 'Version une' });
    const f = await family('VERSIONS');
    const res = await send(f.agent, form.id, { c1: 'Ma réponse' });
    const requestId = requestIdFrom(res.headers.location);

    const formPath = urls.agentForm(SLUG, form.id);
    const edited = await postForm(a.agent, urls.agentFormField(SLUG, form.id, 'c1'), urls.agentFormField(SLUG, form.id, 'c1'), {
      libelle: 'Nouvelle question',
      type: 'text',
    });
    expect(edited.status).toBe(303);
    expect((await postForm(a.agent, formPath, urls.agentFormPublish(SLUG, form.id), {})).status).toBe(303);
    const versions = await db().query(`select version from town_form_versions where form_id = $1 order by version`, [form.id]);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2]);
    expect(page(await f.agent.get(urls.procedureForm(SLUG, form.id))).label('c1')).toBe('Nouvelle question');

    const mine = await f.agent.get(urls.request(SLUG, requestId));
    expect(page(mine).dd('Objet')).toBe('Ma réponse');
    expect(page(mine).text()).not.toContain('Nouvelle question');
    const { rows } = await db().query(`select payload from requests where id = $1`, [requestId]);
    expect(rows[0].payload).toMatchObject({ version: 1, versionId: form.versionId });
    // A version's questions cannot be rewritten.
    await expect(db().query(`update town_form_versions set title = 'x' where id = $1`, [form.versionId])).rejects.toThrow(
      /cannot be changed/,
    );

    expect((await postForm(a.agent, formPath, urls.agentFormUnpublish(SLUG, form.id), {})).status).toBe(303);
    expect((await f.agent.get(urls.procedureForm(SLUG, form.id))).status).toBe(404);
    expect(
      page(await f.agent.get(urls.procedures(SLUG)))
        .links()
        .map((l) => l.href),
    ).not.toContain(urls.procedureForm(SLUG, form.id));
    expect((await f.agent.get(urls.request(SLUG, requestId))).status).toBe(200);
  });
});
