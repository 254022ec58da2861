import fs from 'node:fs';
import path from 'node:path';
import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportWorker } from '../../../src/jobs/import-worker.js';
import { createLogger } from '../../../src/lib/logger.js';
import { ROOT_DIR } from '../../../src/lib/paths.js';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createActivity, createAgentFixture, createChild, createEnrolment, createFamily, createParent } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { familyBalance, invoicedFamilies, listFamilyInvoices } from '../../../src/repositories/billing-invoices.repository.js';

/**
 * The old portal's enrolments, reservations to come and quotients familiaux
 * (docs/import-reprise.md): the sample files of docs/exemples/ imported through the agents'
 * page and the import worker, then imported again (nothing changes), then files of bad rows.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T10:00:00Z' });
  await seedTown();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const sample = (name: string) => fs.readFileSync(path.join(ROOT_DIR, 'docs', 'exemples', name));
const ids: Record<string, string> = {};

/** The families of docs/exemples/familles.csv as the families import leaves them, and the town's activities. */
async function seedTown() {
  const families: [string, [string, string | null][]][] = [
    [
      'F-000101',
      [
        ['Léa', '2017-03-14'],
        ['Hugo', '2020-09-02'],
      ],
    ],
    ['F-000102', [['Chloé', '2016-11-20']]],
    ['F-000103', [['Maïa', '2018-06-01']]],
    [
      'F-000104',
      [
        ['Louise', '2015-01-05'],
        ['Nathan', '2019-07-17'],
        ['Zoé', '2023-04-30'],
      ],
    ],
  ];
  for (const [ref, children] of families) {
    const f = await createFamily(t.db.pool, 'bondoufle', { externalRef: ref, name: ref });
    ids[ref] = f.id;
    for (const [first, birth] of children)
      ids[`${ref}/${first}`] = await createChild(t.db.pool, 'bondoufle', f.id, { firstNames: first, birthDate: birth });
  }
  ids.cantine = await createActivity(t.db.pool, 'bondoufle', { name: 'Restauration scolaire', site: 'École Jean Jaurès' });
  ids.mercredi = await createActivity(t.db.pool, 'bondoufle', {
    name: 'Accueil du mercredi',
    site: 'Centre de loisirs',
    weekdays: [3],
    capacity: 2,
  });
  // Another town with the same reference, child and activity: never matched from Bondoufle.
  const other = await createFamily(t.db.pool, 'tarnos', { externalRef: 'F-000101', name: 'Autre' });
  ids.otherLea = await createChild(t.db.pool, 'tarnos', other.id, { firstNames: 'Léa', birthDate: '2017-03-14' });
  ids.otherCantine = await createActivity(t.db.pool, 'tarnos', { name: 'Restauration scolaire', site: 'École Jean Jaurès' });
  // The demonstration's régie (docs/exemples/soldes.csv names it), made sure of.
  await t.db.pool.query(
    `insert into regies (town_id, name, code) select id, 'Régie Enfance Jeunesse', 'ENF' from towns where slug = 'bondoufle'
     on conflict (town_id, code) do nothing`,
  );
}

async function agentOf(slug = 'bondoufle') {
  const a = await createAgentFixture(t.db.pool, slug);
  const agent = t.agent();
  expect((await signInAgent(agent, slug, a.username, a.password)).status).toBe(303);
  return agent;
}

async function upload(agent: supertest.Agent, type: string, content: Buffer | string, slug = 'bondoufle') {
  const page = await agent.get(`/${slug}/agents/import`);
  expect(page.status).toBe(200);
  return agent
    .post(`/${slug}/agents/import`)
    .set('Sec-Fetch-Site', 'same-origin')
    .field('_csrf', csrfFrom(page.text))
    .field('type', type)
    .attach('fichier', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), `${type}.csv`);
}

/** Uploads, runs the worker until idle, and returns the job's row and the result page. */
async function importFile(agent: supertest.Agent, type: string, content: Buffer | string, slug = 'bondoufle') {
  const res = await upload(agent, type, content, slug);
  expect(res.status, res.text).toBe(303);
  const id = /\/agents\/import\/([0-9a-f-]{36})$/.exec(res.headers.location!)![1]!;
  const w = new ImportWorker(t.db.pool, { clock: t.clock, config: t.config, logger: createLogger('silent') });
  while (await w.runOnce());
  const job = (await t.db.pool.query(`select * from import_jobs where id = $1`, [id])).rows[0];
  const result = await agent.get(`/${slug}/agents/import/${id}`);
  expect(result.status).toBe(200);
  const issues = parse(result.text)
    .rows()
    .map((r) => `${r.header}: ${r.cells[0]}`);
  return { job, text: result.text, issues };
}

async function count(sql: string): Promise<number> {
  return (await t.db.pool.query(sql)).rows[0].n;
}
const counts = async () => ({
  enrolments: await count(`select count(*)::int as n from enrolments`),
  reservations: await count(`select count(*)::int as n from reservations`),
  quotients: await count(`select count(*)::int as n from family_quotients`),
  booked: await count(`select coalesce(sum(booked), 0)::int as n from activity_days`),
});

describe('the sample files', () => {
  it('import enrolments, reservations to come and quotients; a second import changes nothing and says so', async () => {
    const agent = await agentOf();
    const start = await counts();
    const enrol = await importFile(agent, 'inscriptions', sample('inscriptions.csv'));
    expect(enrol.job).toMatchObject({ kind: 'inscriptions', status: 'done', total_rows: 4, families_created: 4, rows_rejected: 0 });
    const lea = await t.db.pool.query(
      `select to_char(start_date, 'YYYY-MM-DD') as s, to_char(end_date, 'YYYY-MM-DD') as e from enrolments where child_id = $1`,
      [ids['F-000101/Léa']],
    );
    // No dates: the activity's whole period.
    expect(lea.rows).toEqual([{ s: '2026-09-01', e: '2027-07-02' }]);

    const resa = await importFile(agent, 'reservations', sample('reservations.csv'));
    expect(resa.job).toMatchObject({ kind: 'reservations', status: 'done', total_rows: 5, families_created: 5, rows_rejected: 0 });
    const wednesday = await t.db.pool.query(`select booked from activity_days where activity_id = $1 and day = '2026-12-02'`, [
      ids.mercredi,
    ]);
    expect(wednesday.rows[0].booked).toBe(2);

    const qf = await importFile(agent, 'quotients', sample('quotients.csv'));
    expect(qf.job).toMatchObject({ kind: 'quotients', status: 'done', total_rows: 4, families_created: 4, rows_rejected: 0 });
    const q = await t.db.pool.query(`select qf, source from family_quotients where family_id = $1`, [ids['F-000102']]);
    expect(q.rows).toEqual([{ qf: 1240, source: 'agent' }]);

    const before = await counts();
    expect(before).toEqual({
      enrolments: start.enrolments + 4,
      reservations: start.reservations + 5,
      quotients: start.quotients + 4,
      booked: start.booked + 5,
    });
    for (const [type, n] of [
      ['inscriptions', 4],
      ['reservations', 5],
      ['quotients', 4],
    ] as const) {
      const again = await importFile(agent, type, sample(`${type}.csv`));
      expect(again.job).toMatchObject({ status: 'done', families_created: 0, families_existing: n, rows_rejected: 0 });
      expect(again.text).toContain('Lignes déjà importées (rien de changé)');
    }
    expect(await counts()).toEqual(before);
    // The other town's namesakes were never matched.
    expect(await count(`select count(*)::int as n from enrolments where child_id = '${ids.otherLea}'`)).toBe(0);
  });
});

describe('rows refused, each with its line and column', () => {
  it('explains every bad enrolment row', async () => {
    const agent = await agentOf();
    const file = [
      'reference_famille;prenom_enfant;date_naissance_enfant;activite;site;date_debut;date_fin',
      'F-999999;Léa;;Restauration scolaire;École Jean Jaurès;;',
      'F-000103;Arthur;;Restauration scolaire;École Jean Jaurès;;',
      'F-000103;Maïa;;Piscine;;;',
      'F-000103;Maïa;;Restauration scolaire;École Jean Jaurès;31/02/2026;',
      'F-000103;Maïa;;Restauration scolaire;École Jean Jaurès;01/08/2027;',
      'F-000103;Maïa;;Restauration scolaire;École Jean Jaurès;;',
      'F-000103;Maïa;;Restauration scolaire;École Jean Jaurès;;',
      ';;;;;;',
    ].join('\n');
    const before = await counts();
    const { job, issues } = await importFile(agent, 'inscriptions', file);
    expect(job).toMatchObject({ status: 'done', families_created: 1, rows_rejected: 6, total_rows: 7 });
    expect(issues).toEqual([
      expect.stringMatching(/^2: Colonne reference_famille : aucune famille de la commune n'a la référence « F-999999 »/),
      expect.stringMatching(/^3: Colonne prenom_enfant : aucun enfant « Arthur » dans le dossier de la famille F-000103/),
      expect.stringMatching(/^4: Colonne activite : aucune activité de la commune ne s'appelle « Piscine »/),
      "5: Colonne date_debut : la date « 31/02/2026 » n'existe pas",
      expect.stringMatching(/^6: Colonne date_debut : le 01\/08\/2027 est hors de la période de « Restauration scolaire »/),
      '8: Cette ligne répète la ligne 7 du fichier : elle est ignorée',
    ]);
    expect((await counts()).enrolments).toBe(before.enrolments + 1);
  });

  it('explains every bad reservation row: past day, not enrolled, a day off, a full day', async () => {
    const agent = await agentOf();
    await createEnrolment(t.db.pool, 'bondoufle', { activityId: ids.mercredi!, childId: ids['F-000104/Nathan']! });
    await createEnrolment(t.db.pool, 'bondoufle', { activityId: ids.mercredi!, childId: ids['F-000104/Zoé']! });
    const file = [
      'reference_famille;prenom_enfant;date_naissance_enfant;activite;site;date',
      'F-000101;Léa;;Restauration scolaire;École Jean Jaurès;20/11/2026',
      'F-000102;Chloé;;Accueil du mercredi;Centre de loisirs;09/12/2026',
      'F-000101;Léa;;Restauration scolaire;École Jean Jaurès;09/12/2026',
      'F-000104;Nathan;;Accueil du mercredi;Centre de loisirs;2026-12-02',
      'F-000104;Zoé;;Accueil du mercredi;Centre de loisirs;16/12/2026',
      'F-000104;Louise;;Accueil du mercredi;Centre de loisirs;16/12/2026',
      'F-000104;Nathan;;Accueil du mercredi;Centre de loisirs;16/12/2026',
      'F-000101;Léa;;Restauration scolaire;École Jean Jaurès;le 10 décembre',
      'F-000101;Léa;1999-01-01;Restauration scolaire;École Jean Jaurès;10/12/2026',
    ].join('\n');
    const before = await counts();
    const { job, issues } = await importFile(agent, 'reservations', file);
    expect(job).toMatchObject({ status: 'done', families_created: 2, rows_rejected: 7 });
    expect(issues).toEqual([
      '2: Colonne date : le 20/11/2026 est passé ; seules les réservations à venir sont reprises',
      expect.stringMatching(/^3: Colonne activite : Chloé n'est pas inscrit\(e\) à « Accueil du mercredi » le 09\/12\/2026/),
      "4: Colonne date : « Restauration scolaire » n'a pas lieu le 09/12/2026",
      // 02/12 was filled by the sample file (2 places).
      expect.stringMatching(/^5: Colonne date : « Accueil du mercredi » est complet le 02\/12\/2026 \(2 places, toutes réservées\)/),
      expect.stringMatching(/^8: Colonne date : « Accueil du mercredi » est complet le 16\/12\/2026/),
      '9: Colonne date : la date « le 10 décembre » doit être au format JJ/MM/AAAA',
      expect.stringMatching(/^10: Colonne prenom_enfant : aucun enfant « Léa » né le 01\/01\/1999/),
    ]);
    const after = await counts();
    expect(after.reservations).toBe(before.reservations + 2);
    expect(await count(`select max(booked)::int as n from activity_days where activity_id = '${ids.mercredi}'`)).toBe(2);
  });

  it('explains every bad quotient row and keeps a different QF already there', async () => {
    const agent = await agentOf();
    const file = [
      'reference_famille;qf;date_debut;date_fin;source',
      'F-000101;900;01/01/2026;;CAF',
      'F-000102;mille;01/01/2027;;',
      'F-000102;-5;01/01/2027;;',
      'F-000102;800;;;',
      'F-000102;800;01/03/2027;01/01/2027;',
      'F-000102;800;01/02/2027;;voisin',
      'F-000103;500;01/01/2027;;CAF',
      'F-000103;500;01/01/2027;;CAF',
    ].join('\n');
    const { job, issues } = await importFile(agent, 'quotients', file);
    expect(job).toMatchObject({ status: 'done', families_created: 1, rows_rejected: 7 });
    expect(issues).toEqual([
      expect.stringMatching(
        /^2: Colonne qf : un quotient familial de 850 € est déjà enregistré pour cette famille à partir du 01\/01\/2026/,
      ),
      "3: Colonne qf : « mille » n'est pas un quotient familial en euros (un nombre entier de 0 à 100 000)",
      "4: Colonne qf : « -5 » n'est pas un quotient familial en euros (un nombre entier de 0 à 100 000)",
      '5: Colonne date_debut : la date est vide',
      '6: Colonne date_fin : la fin de validité précède son début',
      "7: Colonne source : « voisin » n'est pas une source connue (CAF, MSA, mairie ou famille)",
      '9: Cette ligne répète la ligne 8 du fichier : elle est ignorée',
    ]);
    const kept = await t.db.pool.query(`select qf from family_quotients where family_id = $1 and effective_from = '2026-01-01'`, [
      ids['F-000101'],
    ]);
    expect(kept.rows).toEqual([{ qf: 850 }]);
  });

  it('refuses at the upload a file whose columns are not of the chosen kind', async () => {
    const agent = await agentOf();
    const res = await upload(agent, 'quotients', sample('inscriptions.csv'));
    expect(res.status).toBe(400);
    expect(parse(res.text).text('main')).toContain("« prenom_enfant », n'est pas une colonne d'un fichier « Quotients familiaux »");
    const bad = await upload(agent, 'factures', sample('quotients.csv'));
    expect(bad.status).toBe(400);
    expect(parse(bad.text).text('main')).toContain('Choisissez le type de fichier à importer dans la liste');
  });
});

describe('open balances', () => {
  const balances = () =>
    t.db.pool.query(
      `select f.external_ref as ref, i.number, i.total_cents::int as total, to_char(i.due_on, 'YYYY-MM-DD') as due, i.status, i.source_ref,
              l.kind, l.category, l.activity_name as label, l.amount_cents as amount
         from invoices i join families f on f.id = i.family_id join invoice_lines l on l.invoice_id = i.id
        where i.kind = 'opening_balance' order by f.external_ref`,
    );

  it('become invoices of the régie the family sees and pays; a second import changes nothing', async () => {
    const agent = await agentOf();
    const { job } = await importFile(agent, 'soldes', sample('soldes.csv'));
    expect(job).toMatchObject({ kind: 'soldes', status: 'done', families_created: 3, rows_rejected: 0 });
    const rows = (await balances()).rows;
    expect(rows).toEqual([
      expect.objectContaining({
        ref: 'F-000101',
        total: 4250,
        due: '2026-11-23',
        status: 'issued',
        source_ref: 'FA-2026-00412',
        kind: 'opening_balance',
        category: 'reprise',
        label: 'Cantine octobre 2026',
        amount: 4250,
      }),
      expect.objectContaining({ ref: 'F-000102', total: 11820, due: '2026-12-15', source_ref: 'FA-2026-00398' }),
      expect.objectContaining({ ref: 'F-000104', total: 700, due: '2026-12-15', source_ref: 'FA-2026-00455' }),
    ]);
    expect(rows[0].number).toMatch(/^ENF-2026-\d{6}$/);
    const townId = (await t.db.pool.query(`select id from towns where slug = 'bondoufle'`)).rows[0].id;
    // The family's invoices, as its pages list them, and its balance, as payment takes it.
    const seen = await listFamilyInvoices(t.db.pool, townId, ids['F-000101']!, null);
    expect(seen.map((i) => i.number)).toContain(rows[0].number);
    expect(await familyBalance(t.db.pool, townId, ids['F-000101']!)).toBeGreaterThanOrEqual(4250);
    // The monthly run of November still invoices the family: an opening balance does not take its place.
    const regieId = (await t.db.pool.query(`select id from regies where town_id = $1 and code = 'ENF'`, [townId])).rows[0].id;
    expect(await invoicedFamilies(t.db.pool, townId, regieId, '2026-11-01', [ids['F-000101']!])).toEqual(new Set());

    // The parent of the family sees it among the invoices, with its line, and may pay it.
    const parent = await createParent(t.db.pool, 'bondoufle', { familyId: ids['F-000101']! });
    const browser = t.agent();
    expect((await signIn(browser, 'bondoufle', parent.username, parent.password)).status).toBe(303);
    const list = await browser.get('/bondoufle/mon-espace/factures');
    expect(list.status).toBe(200);
    expect(parse(list.text).text('main')).toContain(rows[0].number);
    const invoiceId = (await t.db.pool.query(`select id from invoices where number = $1`, [rows[0].number])).rows[0].id;
    const shown = await browser.get(`/bondoufle/mon-espace/factures/${invoiceId}`);
    expect(shown.status).toBe(200);
    expect(parse(shown.text).text('main')).toContain('Cantine octobre 2026');

    const counter = async () => (await t.db.pool.query(`select coalesce(sum(last_number), 0)::int as n from billing_counters`)).rows[0].n;
    const before = await counter();
    const again = await importFile(agent, 'soldes', sample('soldes.csv'));
    expect(again.job).toMatchObject({ families_created: 0, families_existing: 3, rows_rejected: 0 });
    expect((await balances()).rows).toEqual(rows);
    expect(await counter()).toBe(before);
  });

  it('explains every bad balance row', async () => {
    const agent = await agentOf();
    const file = [
      'reference_famille;numero_document;montant;libelle;date_echeance;regie',
      'F-999999;X-1;10;;15/12/2026;ENF',
      'F-000103;X-2;douze;;15/12/2026;ENF',
      'F-000103;X-3;12,345;;15/12/2026;ENF',
      'F-000103;X-4;0;;15/12/2026;ENF',
      'F-000103;X-5;10;;15/13/2026;ENF',
      'F-000103;X-6;10;;15/12/2026;XYZ',
      'F-000101;FA-2026-00412;50;;15/11/2026;ENF',
      'F-000103;X-7;10,5;;15/12/2026;ENF',
      'F-000103;X-7;10,5;;15/12/2026;ENF',
    ].join('\n');
    const { job, issues } = await importFile(agent, 'soldes', file);
    expect(job).toMatchObject({ status: 'done', families_created: 1, rows_rejected: 8 });
    expect(issues).toEqual([
      expect.stringMatching(/^2: Colonne reference_famille : aucune famille de la commune n'a la référence « F-999999 »/),
      "3: Colonne montant : « douze » n'est pas un montant en euros (par exemple 42,50)",
      "4: Colonne montant : « 12,345 » n'est pas un montant en euros (par exemple 42,50)",
      '5: Colonne montant : un solde de 0 € ne se reprend pas',
      "6: Colonne date_echeance : la date « 15/13/2026 » n'existe pas",
      expect.stringMatching(/^7: Colonne regie : la commune n'a pas de régie « XYZ »/),
      expect.stringMatching(/^8: Colonne montant : le document FA-2026-00412 a déjà été repris \(facture ENF-2026-\d{6}\) pour 42,50 €/),
      '10: Cette ligne répète la ligne 9 du fichier : elle est ignorée',
    ]);
    const x7 = await t.db.pool.query(`select total_cents::int as total from invoices where source_ref = 'X-7'`);
    expect(x7.rows).toEqual([{ total: 1050 }]);
  });
});

describe('the towns and the pages', () => {
  it("matches only the town's own families: Tarnos's file cannot reach Bondoufle's", async () => {
    const agent = await agentOf('tarnos');
    const before = await counts();
    const file =
      'reference_famille;prenom_enfant;activite;site\nF-000102;Chloé;Restauration scolaire;École Jean Jaurès\nF-000101;Léa;Restauration scolaire;École Jean Jaurès\n';
    const { job, issues } = await importFile(agent, 'inscriptions', file, 'tarnos');
    expect(job).toMatchObject({ families_created: 1, rows_rejected: 1 });
    expect(issues).toEqual([
      expect.stringMatching(/^2: Colonne reference_famille : aucune famille de la commune n'a la référence « F-000102 »/),
    ]);
    const made = await t.db.pool.query(`select child_id, activity_id from enrolments where child_id = $1 or activity_id = $2`, [
      ids.otherLea,
      ids.otherCantine,
    ]);
    expect(made.rows).toEqual([{ child_id: ids.otherLea, activity_id: ids.otherCantine }]);
    expect((await counts()).enrolments).toBe(before.enrolments + 1);
  });

  it('offers the new kinds with their sample files; CSRF and other towns refused as for the families', async () => {
    const agent = await agentOf();
    const page = await agent.get('/bondoufle/agents/import');
    const text = parse(page.text).text('main');
    for (const label of [
      'Inscriptions aux activités (exemple : inscriptions.csv)',
      'Réservations à venir (exemple : reservations.csv)',
      'Quotients familiaux (exemple : quotients.csv)',
      'Soldes restant dus (exemple : soldes.csv)',
    ]) {
      expect(text).toContain(label);
    }
    const before = await count(`select count(*)::int as n from import_jobs`);
    const noToken = await agent
      .post('/bondoufle/agents/import')
      .set('Sec-Fetch-Site', 'same-origin')
      .field('type', 'quotients')
      .attach('fichier', sample('quotients.csv'), 'q.csv');
    expect(noToken.status).toBe(403);
    const other = await agentOf('tarnos');
    const token = await csrfToken(other, '/bondoufle/agents/connexion');
    const foreign = await other
      .post('/bondoufle/agents/import')
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', token)
      .field('type', 'quotients')
      .attach('fichier', sample('quotients.csv'), 'q.csv');
    expect(foreign.status).toBe(404);
    const anonymous = t.agent();
    expect((await anonymous.get('/bondoufle/agents/import')).status).toBe(404);
    expect(await count(`select count(*)::int as n from import_jobs`)).toBe(before);
  });
});
