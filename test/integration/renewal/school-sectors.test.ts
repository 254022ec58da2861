import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schoolsForAddress } from '../../../src/features/school-enrolment/school-sectors.service.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, signedInAgent } from '../requests/helpers.js';

/**
 * "Secteurs scolaires" (issue 16): admins add schools and streets or import the whole table
 * as CSV (all or nothing, errors per line in French); the lookup from a family's address
 * finds the sector's schools whatever the abbreviations, accents and case.
 */

const SLUG = 'villennes';
const OTHER = 'bondoufle';
let t: TestApp;
const db = () => t.db.pool;
let admin: ReturnType<TestApp['agent']>;

const PAGE = () => urls.agentSchoolSectors(SLUG);

async function importCsv(agent: ReturnType<TestApp['agent']>, content: string | Buffer, name = 'carte.csv') {
  const csrf = csrfFrom((await agent.get(PAGE())).text);
  return agent
    .post(urls.agentSectorImport(SLUG))
    .set('Sec-Fetch-Site', 'same-origin')
    .field('_csrf', csrf)
    .attach('fichier', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), name);
}

async function sectorCount(slug = SLUG) {
  const tw = await town(db(), slug);
  return (await db().query<{ n: number }>(`select count(*)::int as n from school_sectors where town_id = $1`, [tw.id])).rows[0]!.n;
}

beforeAll(async () => {
  t = await createTestApp({ now: '2027-03-01T09:00:00Z' });
  admin = t.agent();
  const a = await createAgentFixture(db(), SLUG, 'admin');
  await signInAgent(admin, SLUG, a.username, a.password);
  for (const [nom, type] of [
    ['École maternelle Jules Ferry', 'maternelle'],
    ['École élémentaire Pasteur', 'elementaire'],
  ] as const) {
    const res = await postForm(admin, PAGE(), urls.agentSchoolNew(SLUG), {
      ecoleNom: nom,
      ecoleType: type,
      ecoleAdresse: '1 place de la Mairie',
    });
    expect(res.status).toBe(303);
  }
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

describe('schools and streets by hand', () => {
  it('adds a school and a street, lists and removes it', async () => {
    const p = page(await admin.get(PAGE()));
    expect(p.row('École maternelle Jules Ferry').cells).toEqual(['Maternelle', '1 place de la Mairie']);
    const school = p
      .$('#ecole option')
      .filter((_, o) => p.$(o).text().startsWith('École élémentaire Pasteur'))
      .attr('value')!;
    const res = await postForm(admin, PAGE(), urls.agentSectorNew(SLUG), {
      voie: 'Rue des Tilleuls',
      numeroDebut: '2',
      numeroFin: '40',
      codePostal: '78670',
      ecole: school,
    });
    expect(res.status).toBe(303);
    const listed = page(await admin.get(urls.agentSchoolSectors(SLUG, { q: 'tilleuls' })));
    expect(listed.row('Rue des Tilleuls').cells.slice(0, 3)).toEqual(['du 2 au 40', '78670', 'École élémentaire Pasteur']);
    const action = listed.$('form[action$="/supprimer"]').attr('action')!;
    expect((await postForm(admin, PAGE(), action, {})).status).toBe(303);
    expect(page(await admin.get(urls.agentSchoolSectors(SLUG, { q: 'tilleuls' }))).text()).toContain('Aucune voie ne correspond');
  });

  it('refuses wrong fields in French, keeping what was typed, a school twice, and a forged CSRF token', async () => {
    const res = await postForm(admin, PAGE(), urls.agentSectorNew(SLUG), {
      voie: 'de la',
      numeroDebut: '30',
      numeroFin: '3',
      codePostal: '786',
      ecole: 'x',
    });
    expect(res.status).toBe(400);
    expect(page(res).errorSummary()).toEqual([
      { field: 'voie', message: 'Saisissez le nom de la voie, pas seulement « de la »' },
      { field: 'numeroFin', message: 'Le numéro de fin doit être supérieur ou égal au numéro de début' },
      { field: 'codePostal', message: 'Saisissez le code postal, 5 chiffres' },
      { field: 'ecole', message: "Choisissez l'école dans la liste" },
    ]);
    expect(page(res).fieldValue('numeroDebut')).toBe('30');
    const school = await postForm(admin, PAGE(), urls.agentSchoolNew(SLUG), {
      ecoleNom: 'École élémentaire Pasteur',
      ecoleType: 'elementaire',
    });
    expect(page(school).errorSummary()).toEqual([
      { field: 'ecoleNom', message: 'La commune a déjà une école nommée « École élémentaire Pasteur »' },
    ]);
    const noKind = await postForm(admin, PAGE(), urls.agentSchoolNew(SLUG), { ecoleNom: 'Autre', ecoleType: 'lycee' });
    expect(page(noKind).fieldError('ecoleType')).toBe('Choisissez maternelle ou élémentaire');
    const forged = await admin
      .post(urls.agentSchoolNew(SLUG))
      .type('form')
      .send({ _csrf: 'forged', ecoleNom: 'X', ecoleType: 'maternelle' });
    expect(forged.status).toBe(403);
  });

  it('takes a street whose abbreviations, spelled out, run past 200 characters', async () => {
    // 197 characters as typed; its key ("avenue avenue …") is longer than the column allows.
    const voie = Array.from({ length: 66 }, () => 'av').join(' ');
    const p = page(await admin.get(PAGE()));
    const school = p
      .$('#ecole option')
      .filter((_, o) => p.$(o).text().startsWith('École élémentaire Pasteur'))
      .attr('value')!;
    const res = await postForm(admin, PAGE(), urls.agentSectorNew(SLUG), {
      voie,
      numeroDebut: '',
      numeroFin: '',
      codePostal: '78670',
      ecole: school,
    });
    expect(res.status).toBe(303);
    const tw = await town(db(), SLUG);
    const found = await schoolsForAddress({ pool: db() }, tw.id, { line: `8 ${voie.toUpperCase()}`, postalCode: '78670' });
    expect(found.map((s) => s.name)).toEqual(['École élémentaire Pasteur']);
  });
});

describe('the CSV import', () => {
  it('replaces the table and the lookup finds the sector whatever the spelling', async () => {
    const csv = [
      'Voie;Numéro début;Numéro fin;Code postal;École',
      'Avenue de la République;1;49;78670;ecole maternelle jules ferry',
      'Av. de la République;1;49;78670;École élémentaire Pasteur',
      'Avenue de la République;50;;78670;École élémentaire Pasteur',
      'Rue Haute;;;78670;École élémentaire Pasteur',
    ].join('\r\n');
    const res = await importCsv(admin, `\uFEFF${csv}`);
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    expect(await sectorCount()).toBe(4);
    const tw = await town(db(), SLUG);
    const names = async (line: string, postalCode = '78670') =>
      (await schoolsForAddress({ pool: db() }, tw.id, { line, postalCode })).map((s) => s.name);
    expect(await names('12 bis AV. DE LA REPUBLIQUE')).toEqual(['École maternelle Jules Ferry', 'École élémentaire Pasteur']);
    expect(await names('12 avenue République')).toEqual(['École maternelle Jules Ferry', 'École élémentaire Pasteur']);
    expect(await names('75 av de la république')).toEqual(['École élémentaire Pasteur']);
    expect(await names('3 r. haute')).toEqual(['École élémentaire Pasteur']);
    expect(await names('12 avenue de la République', '78000')).toEqual([]);
    expect(await names('4 rue Basse')).toEqual([]);

    // Imported again: the table is replaced, not added to.
    expect((await importCsv(admin, csv)).status).toBe(303);
    expect(await sectorCount()).toBe(4);
  });

  it('imports nothing when a line is wrong, and says which lines and why', async () => {
    const before = await sectorCount();
    const res = await importCsv(
      admin,
      [
        'voie;numero_debut;numero_fin;code_postal;ecole',
        'Rue Neuve;;;78670;École élémentaire Pasteur',
        'Rue Vieille;;;7867;Lycée Hugo',
      ].join('\n'),
    );
    expect(res.status).toBe(400);
    expect(page(res).errorSummary()).toEqual([
      { field: 'fichier', message: "Le fichier contient 1 erreur : rien n'a été importé. Corrigez les lignes ci-dessous puis recommencez" },
    ]);
    expect(page(res).texts('.import-line-errors li')).toEqual([
      "Ligne 3 : le code postal « 7867 » doit compter 5 chiffres ; l'école « Lycée Hugo » n'existe pas : créez-la d'abord ou corrigez son nom.",
    ]);
    expect(await sectorCount()).toBe(before);
    const xlsx = await importCsv(admin, Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), 'carte.xlsx');
    expect(page(xlsx).fieldError('fichier')).toContain('pas un fichier CSV');
    const csrf = await admin
      .post(urls.agentSectorImport(SLUG))
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', 'forged')
      .attach('fichier', Buffer.from('voie'), 'c.csv');
    expect(csrf.status).toBe(403);
  });

  it('imports 5,000 lines in one go, fast', async () => {
    const lines = ['voie;numero_debut;numero_fin;code_postal;ecole'];
    for (let i = 1; i <= 5000; i++) lines.push(`Rue numéro ${i};1;99;78670;École élémentaire Pasteur`);
    const started = Date.now();
    const res = await importCsv(admin, lines.join('\r\n'));
    expect(res.status).toBe(303);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await sectorCount()).toBe(5000);
  });
});

describe('access', () => {
  it('lets agents read, only admins change, and another town reach nothing', async () => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect((await agent.get(PAGE())).status).toBe(200);
    expect((await postForm(agent, PAGE(), urls.agentSchoolNew(SLUG), { ecoleNom: 'X', ecoleType: 'maternelle' })).status).toBe(404);
    const tw = await town(db(), SLUG);
    const { rows } = await db().query<{ id: string }>(`select id from school_sectors where town_id = $1 limit 1`, [tw.id]);
    const sectorId = rows[0]!.id;
    expect((await postForm(agent, PAGE(), urls.agentSectorDelete(SLUG, sectorId), {})).status).toBe(404);

    const strangerAdmin = t.agent();
    const a = await createAgentFixture(db(), OTHER, 'admin');
    await signInAgent(strangerAdmin, OTHER, a.username, a.password);
    expect(page(await strangerAdmin.get(urls.agentSchoolSectors(OTHER))).text()).toContain('La carte scolaire est vide.');
    const res = await postForm(strangerAdmin, urls.agentSchoolSectors(OTHER), urls.agentSectorDelete(OTHER, sectorId), {});
    expect(res.status).toBe(404);
    expect((await admin.get(urls.agentSchoolSectors(OTHER))).status).toBe(404);
    expect(await sectorCount()).toBe(5000);
  });
});
