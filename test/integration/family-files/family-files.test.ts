import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findFamilyByKey } from '../../../src/repositories/accounts.repository.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createFamily, createParent, familyByKey, town } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { pdfFontNames, pdfUnicodeText } from '../../helpers/pdf.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T10:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

async function agentOf(slug = 'tarnos', role: 'agent' | 'admin' = 'agent') {
  const a = await createAgentFixture(t.db.pool, slug, role);
  const agent = t.agent();
  expect((await signInAgent(agent, slug, a.username, a.password)).status).toBe(303);
  return { agent, record: a };
}

/** GETs a form page and posts it with the page's token. */
async function submit(agent: supertest.Agent, formPath: string, fields: Record<string, string>, action = formPath) {
  const page = await agent.get(formPath);
  expect(page.status).toBe(200);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

async function auditRows(action: string, targetId?: string) {
  const { rows } = await t.db.pool.query<{
    action: string;
    target_id: string;
    details: Record<string, unknown>;
    ip: string;
    agent_id: string;
  }>(
    `select action, target_id, details, ip, agent_id from audit_log where action = $1 and ($2::text is null or target_id = $2) order by id`,
    [action, targetId ?? null],
  );
  return rows;
}

/** The error summary links to the field and the field carries its message; the title says "Erreur". */
function expectFieldError(html: string, field: string, message: string) {
  const p = parse(html);
  expect(p.title()).toMatch(/^Erreur : /);
  expect(p.errorSummary().map((e) => e.field)).toContain(field);
  // The date's three boxes share one message.
  expect(p.fieldError(field.startsWith('dateNaissance') ? 'dateNaissance' : field)).toContain(message);
}

let seq = 0;
async function newFamily(agent: supertest.Agent, fields: Partial<Record<string, string>> = {}) {
  seq += 1;
  const res = await submit(agent, '/tarnos/agents/familles/nouveau', {
    nom: `Famille${String.fromCharCode(65 + (seq % 26))}test`,
    reference: '',
    adresse: '3 rue du Port',
    codePostal: '40220',
    ville: 'Tarnos',
    ...fields,
  });
  expect(res.status).toBe(303);
  const id = /\/agents\/familles\/([0-9a-f-]{36})$/.exec(res.headers.location!)![1]!;
  return id;
}

const VALID_CHILD = {
  prenoms: 'Jules',
  nom: 'Bernard',
  dateNaissanceJour: '4',
  dateNaissanceMois: '5',
  dateNaissanceAnnee: '2018',
  ecole: 'École Jean Jaurès',
  classe: 'CE2',
  sante: 'Asthme léger\r\nVentoline dans le sac',
  allergies: 'Arachide',
  medecinNom: 'Dr Lafitte',
  medecinTelephone: '05 59 64 00 00',
  autorisationPhoto: 'oui',
  sortieSeul: 'non',
  personne1Nom: 'Josette Bernard',
  personne1Lien: 'grand-mère',
  personne1Telephone: '06 12 34 56 78',
};

describe('family files are for agents of the town only', () => {
  it('answers 404 to anonymous visitors, parents, agents of another town, and ids of another town', async () => {
    const { agent } = await agentOf();
    const familyId = await newFamily(agent);
    const adult = await submit(agent, `/tarnos/agents/familles/${familyId}/adultes/nouveau`, {
      civilite: 'Mme',
      nom: 'Garcia',
      prenoms: 'Ana',
      courriel: 'ana.garcia@example.fr',
      telephone: '',
    });
    expect(adult.status).toBe(303);
    const { rows: adults } = await t.db.pool.query<{ id: string }>(`select id from family_adults where family_id = $1`, [familyId]);
    const adultId = adults[0]!.id;
    const child = await submit(agent, `/tarnos/agents/familles/${familyId}/enfants/nouveau`, VALID_CHILD);
    expect(child.status).toBe(303);
    const { rows: children } = await t.db.pool.query<{ id: string }>(`select id from children where family_id = $1`, [familyId]);
    const childId = children[0]!.id;

    const gets = [
      '/tarnos/agents/familles',
      '/tarnos/agents/familles/nouveau',
      `/tarnos/agents/familles/${familyId}`,
      `/tarnos/agents/familles/${familyId}/modifier`,
      `/tarnos/agents/familles/${familyId}/cle-enfance`,
      `/tarnos/agents/familles/${familyId}/courrier-cle-enfance.pdf`,
      `/tarnos/agents/familles/${familyId}/adultes/nouveau`,
      `/tarnos/agents/familles/${familyId}/adultes/${adultId}`,
      `/tarnos/agents/familles/${familyId}/adultes/${adultId}/creation-rapide`,
      `/tarnos/agents/familles/${familyId}/enfants/nouveau`,
      `/tarnos/agents/familles/${familyId}/enfants/${childId}`,
    ];
    const posts = [
      '/tarnos/agents/familles/nouveau',
      `/tarnos/agents/familles/${familyId}/modifier`,
      `/tarnos/agents/familles/${familyId}/cle-enfance`,
      `/tarnos/agents/familles/${familyId}/adultes/nouveau`,
      `/tarnos/agents/familles/${familyId}/adultes/${adultId}`,
      `/tarnos/agents/familles/${familyId}/adultes/${adultId}/creation-rapide`,
      `/tarnos/agents/familles/${familyId}/enfants/nouveau`,
      `/tarnos/agents/familles/${familyId}/enfants/${childId}`,
      `/tarnos/agents/familles/${familyId}/comptes/${adultId}/renvoyer-courriel`,
    ];
    for (const path of gets) expect((await agent.get(path)).status, path).toBe(200);

    const anonymous = t.agent();
    const parent = await createParent(t.db.pool, 'tarnos');
    const parentAgent = t.agent();
    await signIn(parentAgent, 'tarnos', parent.username, parent.password);
    const { agent: bayeuxAgent } = await agentOf('bayeux');
    for (const who of [anonymous, parentAgent]) {
      for (const path of gets) expect((await who.get(path)).status, path).toBe(404);
      // A POST with a valid token of the visitor's own session still finds nothing.
      const token = csrfFrom((await who.get('/tarnos/').expect(200)).text);
      for (const path of posts) expect((await who.post(path).type('form').send({ _csrf: token })).status, path).toBe(404);
    }
    // An agent of Bayeux: the Tarnos pages are closed, and Tarnos ids under /bayeux are unknown.
    const bayeuxToken = csrfFrom((await bayeuxAgent.get('/bayeux/agents/familles').expect(200)).text);
    for (const path of gets) {
      expect((await bayeuxAgent.get(path)).status, path).toBe(404);
      if (path.includes(familyId)) expect((await bayeuxAgent.get(path.replace('/tarnos/', '/bayeux/'))).status, path).toBe(404);
    }
    for (const path of posts.filter((p) => p.includes(familyId))) {
      expect(
        (await bayeuxAgent.post(path.replace('/tarnos/', '/bayeux/')).type('form').send({ _csrf: bayeuxToken, nom: 'X' })).status,
        path,
      ).toBe(404);
    }
    // Unknown or malformed ids are the same 404, never a 500.
    for (const path of [
      '/tarnos/agents/familles/not-a-uuid',
      `/tarnos/agents/familles/${familyId}/enfants/123`,
      `/tarnos/agents/familles/${familyId}/adultes/00000000-0000-4000-8000-000000000000`,
      `/tarnos/agents/familles/00000000-0000-4000-8000-000000000000/courrier-cle-enfance.pdf`,
    ]) {
      expect((await agent.get(path)).status, path).toBe(404);
    }
    // Nothing changed on Tarnos' file.
    expect((await auditRows('family.update', familyId)).length).toBe(0);
  });

  it('refuses every form without its CSRF token (403)', async () => {
    const { agent } = await agentOf();
    const familyId = await newFamily(agent);
    await submit(agent, `/tarnos/agents/familles/${familyId}/adultes/nouveau`, {
      civilite: 'M',
      nom: 'Roux',
      prenoms: 'Paul',
      courriel: '',
      telephone: '',
    });
    const { rows } = await t.db.pool.query<{ id: string }>(`select id from family_adults where family_id = $1`, [familyId]);
    await submit(agent, `/tarnos/agents/familles/${familyId}/enfants/nouveau`, VALID_CHILD);
    const { rows: children } = await t.db.pool.query<{ id: string }>(`select id from children where family_id = $1`, [familyId]);
    const posts = [
      '/tarnos/agents/familles/nouveau',
      `/tarnos/agents/familles/${familyId}/modifier`,
      `/tarnos/agents/familles/${familyId}/cle-enfance`,
      `/tarnos/agents/familles/${familyId}/adultes/nouveau`,
      `/tarnos/agents/familles/${familyId}/adultes/${rows[0]!.id}`,
      `/tarnos/agents/familles/${familyId}/adultes/${rows[0]!.id}/creation-rapide`,
      `/tarnos/agents/familles/${familyId}/enfants/nouveau`,
      `/tarnos/agents/familles/${familyId}/enfants/${children[0]!.id}`,
      `/tarnos/agents/familles/${familyId}/comptes/${rows[0]!.id}/renvoyer-courriel`,
    ];
    const before = (await t.db.pool.query(`select cle_enfance from families where id = $1`, [familyId])).rows[0];
    for (const path of posts) {
      expect((await agent.post(path).type('form').send({ nom: 'Pirate' })).status, path).toBe(403);
      expect((await agent.post(path).type('form').send({ _csrf: 'forged', nom: 'Pirate' })).status, path).toBe(403);
    }
    expect((await t.db.pool.query(`select cle_enfance from families where id = $1`, [familyId])).rows[0]).toEqual(before);
  });
});

describe('the list of family files', () => {
  it('searches by name, reference, key, child, adult and account, without accents or case', async () => {
    const { agent } = await agentOf();
    const id = await newFamily(agent, { nom: 'Etchegaray', reference: 'DOS-7781' });
    await submit(agent, `/tarnos/agents/familles/${id}/adultes/nouveau`, {
      civilite: 'Mme',
      nom: 'Iriart',
      prenoms: 'Maïté',
      courriel: 'maite.iriart@example.fr',
      telephone: '06 11 22 33 44',
    });
    await submit(agent, `/tarnos/agents/familles/${id}/enfants/nouveau`, { ...VALID_CHILD, prenoms: 'Ximun', nom: 'Etchegaray' });
    const key = (await t.db.pool.query<{ cle_enfance: string }>(`select cle_enfance from families where id = $1`, [id])).rows[0]!
      .cle_enfance;
    const parent = await createParent(t.db.pool, 'tarnos', { familyId: id, lastName: 'Oyharçabal', firstNames: 'Peio' });

    for (const q of [
      'etchegaray',
      'ÉTCHEGARAY',
      'dos-7781',
      key.toLowerCase(),
      'ximun',
      'maite',
      'Iriart',
      'maite.iriart@',
      'oyharcabal',
      parent.username,
    ]) {
      const res = await agent.get(`/tarnos/agents/familles?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(res.text, q).toContain(`/tarnos/agents/familles/${id}"`);
      expect(parse(res).title()).toMatch(new RegExp(`^Familles – recherche « ${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} »`));
    }
    const none = await agent.get('/tarnos/agents/familles?q=zzzz-personne');
    expect(none.text).toContain('Aucune famille pour « zzzz-personne »');
    // Another town's families never show.
    const martinBayeux = await familyByKey(t.db.pool, 'bayeux', '14400-MARTIN1');
    expect((await agent.get('/tarnos/agents/familles?q=martin')).text).not.toContain(martinBayeux.id);
  });

  it('follows every change of what it searches: a child renamed, an adult removed, an account moved to another file', async () => {
    const { agent } = await agentOf();
    const found = async (q: string) => (await agent.get(`/tarnos/agents/familles?q=${encodeURIComponent(q)}`)).text;
    const first = await newFamily(agent, { nom: 'Harambillet', reference: 'DOS-9901' });
    const second = await newFamily(agent, { nom: 'Larrechea', reference: 'DOS-9902' });
    await submit(agent, `/tarnos/agents/familles/${first}/enfants/nouveau`, { ...VALID_CHILD, prenoms: 'Xabi', nom: 'Harambillet' });
    await submit(agent, `/tarnos/agents/familles/${first}/adultes/nouveau`, {
      civilite: 'M',
      nom: 'Sallaberry',
      prenoms: 'Beñat',
      courriel: 'benat.sallaberry@example.fr',
      telephone: '06 11 22 33 45',
    });
    const parent = await createParent(t.db.pool, 'tarnos', { familyId: first, lastName: 'Iturralde', firstNames: 'Maddi' });
    expect(await found('xabi')).toContain(`/tarnos/agents/familles/${first}"`);
    expect(await found('benat')).toContain(`/tarnos/agents/familles/${first}"`);
    expect(await found('iturralde')).toContain(`/tarnos/agents/familles/${first}"`);
    // Two people's names are never read as one: the child's first name and the adult's.
    expect(await found('harambillet beñat')).toContain('Aucune famille');

    await t.db.pool.query(`update children set first_names = 'Ellande' where family_id = $1`, [first]);
    await t.db.pool.query(`delete from family_adults where family_id = $1`, [first]);
    await t.db.pool.query(`update accounts set family_id = $2 where id = $1`, [parent.id, second]);
    expect(await found('xabi')).toContain('Aucune famille');
    expect(await found('ellande')).toContain(`/tarnos/agents/familles/${first}"`);
    expect(await found('sallaberry')).toContain('Aucune famille');
    const moved = await found('iturralde');
    expect(moved).toContain(`/tarnos/agents/familles/${second}"`);
    expect(moved).not.toContain(`/tarnos/agents/familles/${first}"`);
    // The file's own name, changed through its form.
    await submit(agent, `/tarnos/agents/familles/${second}/modifier`, {
      nom: 'Larretxea',
      reference: 'DOS-9902',
      adresse: '3 rue du Port',
      codePostal: '40220',
      ville: 'Tarnos',
    });
    expect(await found('larretxea')).toContain(`/tarnos/agents/familles/${second}"`);
  });

  it('pages through the files, and survives whatever is typed in the query string', async () => {
    const { agent } = await agentOf();
    for (let n = 1; n <= 45; n++) {
      await createFamily(t.db.pool, 'tarnos', { cleEnfance: `PAGE-${n}`, name: `Zpagination${String(n).padStart(2, '0')}` });
    }
    const first = await agent.get('/tarnos/agents/familles?q=zpagination');
    expect(first.text).toContain('45 familles pour « zpagination » – page 1 sur 3');
    expect(first.text).toContain('ZPAGINATION01');
    expect(first.text).not.toContain('ZPAGINATION21');
    expect(parse(first).attrs('a', 'href')).toContain('/tarnos/agents/familles?q=zpagination&page=2');
    const third = await agent.get('/tarnos/agents/familles?q=zpagination&page=3');
    expect(third.text).toContain('ZPAGINATION45');
    expect(third.text).toContain('Page précédente');
    expect(third.text).not.toContain('Page suivante');
    const beyond = await agent.get('/tarnos/agents/familles?q=zpagination&page=9');
    expect(beyond.status).toBe(200);
    expect(beyond.text).toContain('page 9 sur 3');
    for (const qs of ['q=%25', 'q=_', "q=' OR 1=1--", 'q[]=a&q[]=b', 'page=-1', 'page=abc', 'q=' + 'x'.repeat(500), 'q=%00', 'page[x]=1']) {
      const res = await agent.get(`/tarnos/agents/familles?${qs}`);
      // A NUL byte is refused everywhere with the French 400 page (middleware/nul-bytes.ts).
      expect(res.status, qs).toBe(qs === 'q=%00' ? 400 : 200);
    }
    const percent = await agent.get('/tarnos/agents/familles?q=%25');
    expect(percent.text).toContain('Aucune famille');
  });
});

describe('creating and editing a family file', () => {
  it('creates a file with a Clé Enfance in the seeds format, audited, and shows it', async () => {
    const { agent, record } = await agentOf();
    const id = await newFamily(agent, { nom: 'Lacoste', reference: 'T-2026-001', codePostal: '40 220' });
    const { rows } = await t.db.pool.query(`select name, external_ref, postal_code, cle_enfance, town_id from families where id = $1`, [
      id,
    ]);
    expect(rows[0]).toMatchObject({ name: 'Lacoste', external_ref: 'T-2026-001', postal_code: '40220' });
    expect(rows[0].cle_enfance).toMatch(/^\d{5}-[A-Z0-9]{7}$/);
    const audit = await auditRows('family.create', id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.agent_id).toBe(record.id);
    const page = await agent.get(`/tarnos/agents/familles/${id}`);
    expect(page.text).toContain('Le dossier famille a été créé');
    expect(page.text).toContain(rows[0].cle_enfance);
    expect(parse(page).title()).toMatch(/^Dossier famille LACOSTE – /);
  });

  it('refuses each kind of invalid input with the message beside the field and the typed values kept', async () => {
    const { agent } = await agentOf();
    await newFamily(agent, { nom: 'Prise', reference: 'REF-PRISE' });
    const cases: [Record<string, string>, string, string][] = [
      [{ nom: '' }, 'nom', 'Saisissez le nom de la famille'],
      [{ nom: 'Dupont<script>' }, 'nom', 'Le nom de la famille ne doit contenir que des lettres'],
      [{ nom: 'x'.repeat(101) }, 'nom', 'Le nom de la famille doit comporter 100 caractères au maximum'],
      [{ reference: 'ref#1' }, 'reference', 'La référence ne doit contenir que des lettres'],
      [{ reference: 'r'.repeat(51) }, 'reference', 'La référence doit comporter 50 caractères au maximum'],
      [{ reference: 'ref-prise' }, 'reference', 'Cette référence est déjà celle du dossier famille PRISE'],
      [{ codePostal: '4022' }, 'codePostal', 'Saisissez un code postal français valide'],
      [{ adresse: 'ligne\nautre' }, 'adresse', "L'adresse contient un caractère qui n'est pas accepté"],
      [{ ville: 'v'.repeat(101) }, 'ville', 'La ville doit comporter 100 caractères au maximum'],
    ];
    const countBefore = (await t.db.pool.query(`select count(*)::int as n from families`)).rows[0].n;
    for (const [fields, field, message] of cases) {
      const res = await submit(agent, '/tarnos/agents/familles/nouveau', {
        nom: 'Valide',
        reference: '',
        adresse: '1 place de la Mairie',
        codePostal: '40220',
        ville: 'Tarnos',
        ...fields,
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expectFieldError(res.text, field, message);
      if (!('adresse' in fields)) expect(parse(res).fieldValue('adresse')).toBe('1 place de la Mairie');
    }
    expect((await t.db.pool.query(`select count(*)::int as n from families`)).rows[0].n).toBe(countBefore);
  });

  it('edits the file, audits the fields that changed, and refuses a reference of another file', async () => {
    const { agent } = await agentOf();
    await newFamily(agent, { nom: 'Autre', reference: 'AUTRE-1' });
    const id = await newFamily(agent, { nom: 'Dufau', reference: 'DUF-1' });
    const form = await agent.get(`/tarnos/agents/familles/${id}/modifier`);
    expect(parse(form).fieldValue('nom')).toBe('Dufau');
    const taken = await submit(agent, `/tarnos/agents/familles/${id}/modifier`, {
      nom: 'Dufau',
      reference: 'autre-1',
      adresse: '',
      codePostal: '',
      ville: '',
    });
    expect(taken.status).toBe(400);
    expectFieldError(taken.text, 'reference', 'Cette référence est déjà celle du dossier famille AUTRE');
    expect(parse(taken).fieldValue('reference')).toBe('autre-1');
    const ok = await submit(agent, `/tarnos/agents/familles/${id}/modifier`, {
      nom: 'Dufau-Larre',
      reference: 'DUF-1',
      adresse: '8 allée des Pins',
      codePostal: '40220',
      ville: 'Tarnos',
    });
    expect(ok.status).toBe(303);
    const audit = await auditRows('family.update', id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details.fields).toEqual(['name', 'addressLine']);
    expect((await agent.get(`/tarnos/agents/familles/${id}`)).text).toContain('DUFAU-LARRE');
  });
});

describe('adults and children of a file', () => {
  it('adds and edits an adult, audited, with validation', async () => {
    const { agent } = await agentOf();
    const id = await newFamily(agent);
    const path = `/tarnos/agents/familles/${id}/adultes/nouveau`;
    const valid = {
      civilite: 'M',
      nom: "D'Artagnan",
      prenoms: 'Charles',
      courriel: ' Charles.DArtagnan@Example.FR ',
      telephone: '0559640000',
    };
    const cases: [Record<string, string>, string, string][] = [
      [{ civilite: '' }, 'civilite', 'Sélectionnez la civilité'],
      [{ civilite: 'Dr' }, 'civilite', 'Sélectionnez la civilité'],
      [{ nom: '' }, 'nom', 'Saisissez le nom'],
      [{ prenoms: '' }, 'prenoms', 'Saisissez le prénom ou les prénoms'],
      [{ courriel: 'pas-une-adresse' }, 'courriel', 'Saisissez une adresse de courriel valide'],
      [{ courriel: 'a@b.fr\r\nBcc: x@evil.fr' }, 'courriel', 'Saisissez une adresse de courriel valide'],
      [{ telephone: '12' }, 'telephone', 'Saisissez un numéro de téléphone valide'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await submit(agent, path, { ...valid, ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expectFieldError(res.text, field, message);
      expect(res.text).toContain('Artagnan');
    }
    const ok = await submit(agent, path, valid);
    expect(ok.status).toBe(303);
    const { rows } = await t.db.pool.query(`select id, email, phone, last_name from family_adults where family_id = $1`, [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'charles.dartagnan@example.fr', phone: '05 59 64 00 00', last_name: "D'Artagnan" });
    expect(await auditRows('adult.create', rows[0].id)).toHaveLength(1);

    const edit = await submit(agent, `/tarnos/agents/familles/${id}/adultes/${rows[0].id}`, { ...valid, telephone: '06 12 34 56 78' });
    expect(edit.status).toBe(303);
    const audit = await auditRows('adult.update', rows[0].id);
    expect(audit[0]!.details.fields).toEqual(['phone']);
    const bad = await submit(agent, `/tarnos/agents/familles/${id}/adultes/${rows[0].id}`, { ...valid, nom: '' });
    expect(bad.status).toBe(400);
    expectFieldError(bad.text, 'nom', 'Saisissez le nom');
    const file = await agent.get(`/tarnos/agents/familles/${id}`);
    expect(file.text).toContain('M. Charles D&#39;ARTAGNAN');
    expect(file.text).toContain('06 12 34 56 78');
    expect(file.text).toContain('Aucun compte');
  });

  it("adds and edits a child's file — health, authorisations, persons allowed to collect — with validation", async () => {
    const { agent } = await agentOf();
    const id = await newFamily(agent);
    const path = `/tarnos/agents/familles/${id}/enfants/nouveau`;
    const form = await agent.get(path);
    // The family name is suggested.
    expect(
      parse(form)
        .attrs('input', 'value')
        .some((v) => v.startsWith('Famille')),
    ).toBe(true);
    const cases: [Record<string, string>, string, string][] = [
      [{ prenoms: '' }, 'prenoms', "Saisissez le prénom ou les prénoms de l'enfant"],
      [{ nom: '' }, 'nom', "Saisissez le nom de l'enfant"],
      [{ dateNaissanceJour: '31', dateNaissanceMois: '2' }, 'dateNaissanceJour', 'La date de naissance doit être une date réelle'],
      [{ dateNaissanceAnnee: '2027' }, 'dateNaissanceJour', 'La date de naissance doit être dans le passé'],
      [{ dateNaissanceMois: '' }, 'dateNaissanceMois', 'La date de naissance doit comporter un mois'],
      [{ medecinTelephone: 'abc' }, 'medecinTelephone', 'Saisissez un numéro de téléphone valide pour le médecin'],
      [{ autorisationPhoto: '' }, 'autorisationPhoto', "Indiquez si l'enfant peut être photographié"],
      [{ sortieSeul: 'peut-être' }, 'sortieSeul', "Indiquez si l'enfant peut partir seul"],
      [{ personne1Nom: '' }, 'personne1Nom', 'Saisissez le nom de la personne 1'],
      [{ personne2Telephone: '999' }, 'personne2Telephone', 'Saisissez un numéro de téléphone valide pour la personne 2'],
      [{ sante: 'x'.repeat(2001) }, 'sante', 'Les informations de santé doivent comporter 2000 caractères au maximum'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await submit(agent, path, { ...VALID_CHILD, ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expectFieldError(res.text, field, message);
      expect(res.text).toContain('Arachide');
    }
    expect((await t.db.pool.query(`select count(*)::int as n from children where family_id = $1`, [id])).rows[0].n).toBe(0);

    expect((await submit(agent, path, VALID_CHILD)).status).toBe(303);
    const { rows } = await t.db.pool.query(
      `select id, birth_date, health_notes, allergies, doctor_name, doctor_phone, photo_consent, may_leave_alone from children where family_id = $1`,
      [id],
    );
    expect(rows[0]).toMatchObject({
      birth_date: '2018-05-04',
      health_notes: 'Asthme léger\nVentoline dans le sac',
      allergies: 'Arachide',
      doctor_phone: '05 59 64 00 00',
      photo_consent: true,
      may_leave_alone: false,
    });
    const persons = await t.db.pool.query(`select full_name, relationship, phone from child_authorised_persons where child_id = $1`, [
      rows[0].id,
    ]);
    expect(persons.rows).toEqual([{ full_name: 'Josette Bernard', relationship: 'grand-mère', phone: '06 12 34 56 78' }]);
    expect(await auditRows('child.create', rows[0].id)).toHaveLength(1);

    const childPath = `/tarnos/agents/familles/${id}/enfants/${rows[0].id}`;
    const editForm = await agent.get(childPath);
    expect(parse(editForm).attrs('input', 'value')).toContain('Josette Bernard');
    expect(editForm.text).toContain('Ventoline dans le sac');
    const edited = await submit(agent, childPath, {
      ...VALID_CHILD,
      sortieSeul: 'oui',
      personne1Nom: '',
      personne1Lien: '',
      personne1Telephone: '',
      personne3Nom: 'Marc Voisin',
    });
    expect(edited.status).toBe(303);
    const after = await t.db.pool.query(`select full_name, position from child_authorised_persons where child_id = $1`, [rows[0].id]);
    expect(after.rows).toEqual([{ full_name: 'Marc Voisin', position: 1 }]);
    const audit = await auditRows('child.update', rows[0].id);
    expect(audit[0]!.details.fields).toEqual(['mayLeaveAlone', 'authorisedPersons']);
    const file = await agent.get(`/tarnos/agents/familles/${id}`);
    expect(file.text).toContain('Jules BERNARD');
    expect(file.text).toContain('Marc Voisin');
    expect(file.text).toContain('Autorisées');
  });

  it('escapes what was typed everywhere it is shown', async () => {
    const { agent } = await agentOf();
    const xss = await createFamily(t.db.pool, 'tarnos', { cleEnfance: 'XSS-1', name: '<img src=x onerror=alert(1)>' });
    const list = await agent.get('/tarnos/agents/familles?q=img');
    const file = await agent.get(`/tarnos/agents/familles/${xss.id}`);
    for (const html of [list.text, file.text]) {
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;IMG SRC=X ONERROR=ALERT(1)&gt;');
    }
  });
});

describe('the Clé Enfance', () => {
  it('regenerates the key: the old one stops working at once, the new one opens sign-up; audited', async () => {
    const { agent } = await agentOf();
    const tarnos = await town(t.db.pool, 'tarnos');
    const martin = await familyByKey(t.db.pool, 'tarnos', '40220-MARTIN1');
    const confirm = await agent.get(`/tarnos/agents/familles/${martin.id}/cle-enfance`);
    expect(confirm.text).toContain('40220-MARTIN1');
    expect(confirm.text).toContain('cessera aussitôt de fonctionner');
    const res = await agent
      .post(`/tarnos/agents/familles/${martin.id}/cle-enfance`)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) });
    expect(res.status).toBe(303);
    const key = (await t.db.pool.query<{ cle_enfance: string }>(`select cle_enfance from families where id = $1`, [martin.id])).rows[0]!
      .cle_enfance;
    expect(key).toMatch(/^\d{5}-[A-Z0-9]{7}$/);
    expect(await findFamilyByKey(t.db.pool, tarnos.id, '40220-MARTIN1')).toBeUndefined();
    expect((await findFamilyByKey(t.db.pool, tarnos.id, key))?.id).toBe(martin.id);
    expect((await findFamilyByKey(t.db.pool, tarnos.id, key.toLowerCase()))?.id).toBe(martin.id);
    const audit = await auditRows('family.key_regenerate', martin.id);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain('MARTIN1');
    const file = await agent.get(`/tarnos/agents/familles/${martin.id}`);
    expect(file.text).toContain(`La nouvelle clé Enfance est ${key}`);
  });

  it('prints the letter: a tagged French PDF with the key and the way to create an account, as a download', async () => {
    const { agent } = await agentOf();
    const durand = await familyByKey(t.db.pool, 'tarnos', '40220-DURAND2');
    const res = await agent
      .get(`/tarnos/agents/familles/${durand.id}/courrier-cle-enfance.pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="cle-enfance-durand.pdf"');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    const pdf = res.body as Buffer;
    const raw = pdf.toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).toBe(true);
    expect(raw).toContain('/StructTreeRoot');
    expect(raw).toContain('/MarkInfo');
    expect(raw).toContain('/Marked true');
    expect(raw).toContain('/Lang (fr-FR)');
    expect(raw).toContain('/DisplayDocTitle true');
    const text = pdfUnicodeText(pdf);
    expect(text).toContain('40220-DURAND2');
    expect(text).toContain('http://portail.test/tarnos/');
    expect(text).toContain('Créer mon espace');
    expect(text).toContain('SERVICES');
    expect(text).toContain('Famille DURAND');
    // Every character has its glyph: the letter embeds DejaVu, as the billing documents do.
    expect(text).not.toContain('\u0000');
    expect(pdfFontNames(pdf).some((f) => f.endsWith('+DejaVuSans'))).toBe(true);
    expect(await auditRows('family.letter', durand.id)).toHaveLength(1);
  });
});
