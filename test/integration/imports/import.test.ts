import fs from 'node:fs';
import path from 'node:path';
import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportWorker } from '../../../src/jobs/import-worker.js';
import { createLogger } from '../../../src/lib/logger.js';
import { ROOT_DIR } from '../../../src/lib/paths.js';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, town } from '../../helpers/fixtures.js';
import { page as parse, type Page } from '../../helpers/html.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';

let t: TestApp;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  await smtp.start();
  t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

const SAMPLE = fs.readFileSync(path.join(ROOT_DIR, 'docs', 'exemples', 'familles.csv'));
const HEADER =
  'reference_famille;nom_famille;code_postal;adulte1_civilite;adulte1_nom;adulte1_prenom;adulte1_courriel;adulte2_civilite;adulte2_nom;adulte2_prenom;adulte2_courriel;enfant1_prenom;enfant1_date_naissance';

function worker(options: { concurrency?: number; batchSize?: number } = {}) {
  return new ImportWorker(t.db.pool, { clock: t.clock, config: t.config, logger: createLogger('silent'), ...options });
}

/** Runs the import worker until no job is left, as the background loop would. */
async function runImports() {
  const w = worker({ concurrency: 2, batchSize: 2 });
  while (await w.runOnce());
}

async function agentOf(slug = 'bondoufle') {
  const a = await createAgentFixture(t.db.pool, slug);
  const agent = t.agent();
  expect((await signInAgent(agent, slug, a.username, a.password)).status).toBe(303);
  return { agent, record: a };
}

/** Posts the upload form as a browser does: same-origin multipart, the token before the file. */
async function upload(agent: supertest.Agent, content: Buffer | string, fileName = 'familles.csv', slug = 'bondoufle') {
  const page = await agent.get(`/${slug}/agents/import`);
  expect(page.status).toBe(200);
  return agent
    .post(`/${slug}/agents/import`)
    .set('Sec-Fetch-Site', 'same-origin')
    .field('_csrf', csrfFrom(page.text))
    .attach('fichier', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), fileName);
}

/** The reasons the result page gives for the rows of line `line` of the file. */
function issuesOn(p: Page, line: number): string[] {
  return p
    .rows()
    .filter((r) => r.header === String(line))
    .map((r) => r.cells[0]!);
}

function jobIdOf(res: supertest.Response): string {
  expect(res.status).toBe(303);
  return /\/agents\/import\/([0-9a-f-]{36})$/.exec(res.headers.location!)![1]!;
}

async function jobRow(id: string) {
  return (await t.db.pool.query(`select * from import_jobs where id = $1`, [id])).rows[0];
}

let unique = 0;
/** References and emails unique to one test, so tests do not see each other's families. */
function tag() {
  unique += 1;
  return `t${unique}${Math.random().toString(36).slice(2, 6)}`;
}

describe('the import pages are for agents of the town only', () => {
  it('answers 404 to anonymous visitors, parents and agents of another town; CSRF protects the upload', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const id = jobIdOf(await upload(agent, `${HEADER}\n${ref};Acces;;;;;;;;;;;\n`));
    const gets = [
      '/bondoufle/agents/import',
      '/bondoufle/agents/import/modele-familles.csv',
      `/bondoufle/agents/import/${id}`,
      `/bondoufle/agents/import/${id}/etat`,
    ];
    for (const p of gets) expect((await agent.get(p)).status, p).toBe(200);

    const parent = await createParent(t.db.pool, 'bondoufle');
    const parentAgent = t.agent();
    await signIn(parentAgent, 'bondoufle', parent.username, parent.password);
    const { agent: other } = await agentOf('tarnos');
    for (const who of [t.agent(), parentAgent, other]) {
      for (const p of gets) expect((await who.get(p)).status, p).toBe(404);
      // Without a token: refused before anything else, like any POST.
      const post = await who
        .post('/bondoufle/agents/import')
        .set('Sec-Fetch-Site', 'same-origin')
        .attach('fichier', SAMPLE, 'familles.csv');
      expect(post.status).toBe(403);
      // With their session's token: the page does not exist for them.
      const token = await csrfToken(who, '/bondoufle/agents/connexion');
      const withToken = await who
        .post('/bondoufle/agents/import')
        .set('Sec-Fetch-Site', 'same-origin')
        .field('_csrf', token)
        .attach('fichier', SAMPLE, 'familles.csv');
      expect(withToken.status).toBe(404);
    }
    // Another town's job under the agent's own town: unknown.
    expect((await other.get(`/tarnos/agents/import/${id}`)).status).toBe(404);
    expect((await other.get(`/tarnos/agents/import/${id}/etat`)).status).toBe(404);
    expect((await agent.get('/bondoufle/agents/import/pas-un-id')).status).toBe(404);

    const page = await agent.get('/bondoufle/agents/import');
    const before = (await t.db.pool.query(`select count(*)::int as n from import_jobs`)).rows[0].n;
    // No token, a wrong token, a cross-site request, or no fetch metadata at all: 403, nothing stored.
    expect(
      (await agent.post('/bondoufle/agents/import').set('Sec-Fetch-Site', 'same-origin').attach('fichier', SAMPLE, 'f.csv')).status,
    ).toBe(403);
    expect(
      (
        await agent
          .post('/bondoufle/agents/import')
          .set('Sec-Fetch-Site', 'same-origin')
          .field('_csrf', 'forged')
          .attach('fichier', SAMPLE, 'f.csv')
      ).status,
    ).toBe(403);
    expect(
      (
        await agent
          .post('/bondoufle/agents/import')
          .set('Sec-Fetch-Site', 'cross-site')
          .field('_csrf', csrfFrom(page.text))
          .attach('fichier', SAMPLE, 'f.csv')
      ).status,
    ).toBe(403);
    // No token at all, and no header saying where it comes from.
    expect((await agent.post('/bondoufle/agents/import').attach('fichier', SAMPLE, 'f.csv')).status).toBe(403);
    expect((await t.db.pool.query(`select count(*)::int as n from import_jobs`)).rows[0].n).toBe(before);
    await runImports();
  });

  it('offers a template that the import accepts', async () => {
    const { agent } = await agentOf();
    const template = await agent.get('/bondoufle/agents/import/modele-familles.csv').buffer(true);
    expect(template.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(template.headers['content-disposition']).toBe('attachment; filename="modele-familles.csv"');
    const body = template.text;
    expect(body.startsWith('\uFEFFreference_famille;nom_famille;')).toBe(true);
    expect(body).toContain('\r\n');
    const ref = tag();
    const res = await upload(agent, body.replace('F-000123', ref).replace('sophie.martin@example.fr', `${ref}@example.fr`));
    expect(res.status).toBe(303);
    await runImports();
    expect((await t.db.pool.query(`select count(*)::int as n from families where external_ref = $1`, [ref])).rows[0].n).toBe(1);
  });
});

describe('the job queue runs an uploaded import', () => {
  it('queues one job with the upload, which takes the import to its end; the page follows its progress', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const csv = `${HEADER}\r\n${ref};DUPONT;91070;Mme;DUPONT;Anne;${ref}@example.fr;;;;;Léo;2018-05-02\r\n`;
    const id = jobIdOf(await upload(agent, csv));
    const queued = await t.db.pool.query(
      `select j.state from pgboss.job j join import_jobs i on i.job_id = j.id where i.id = $1 and j.name = 'import'`,
      [id],
    );
    expect(queued.rows).toEqual([{ state: 'created' }]);
    expect((await agent.get(`/bondoufle/agents/import/${id}/etat`)).body).toMatchObject({ status: 'pending', finished: false });

    // Also completes the jobs of the imports other tests ran by hand: nothing is left to do for them.
    expect(await t.jobs.runDue('import')).toBeGreaterThanOrEqual(1);
    expect((await agent.get(`/bondoufle/agents/import/${id}/etat`)).body).toMatchObject({ status: 'done', finished: true });
    expect((await t.db.pool.query(`select count(*)::int as n from families where external_ref = $1`, [ref])).rows[0].n).toBe(1);
    const done = await t.db.pool.query(`select j.state from pgboss.job j join import_jobs i on i.job_id = j.id where i.id = $1`, [id]);
    expect(done.rows).toEqual([{ state: 'completed' }]);
    expect(await t.jobs.runDue('import')).toBe(0);
  });
});

describe('importing a file of known families', () => {
  it('creates family files, adults, children and pre-created accounts with their mail; audited; the result page says it all', async () => {
    const { agent, record } = await agentOf();
    const res = await upload(agent, SAMPLE, 'familles.csv');
    const id = jobIdOf(res);
    const pending = await agent.get(`/bondoufle/agents/import/${id}`);
    expect(parse(pending).text()).toContain("L'import attend son tour");
    expect(parse(pending).all('[role="status"][aria-live="polite"]').length).toBeGreaterThan(0);
    expect(pending.text).toContain('Actualiser la progression');
    const progressScript = parse(pending).one('script[src^="/public/js/job-progress."][src$=".js"]');
    expect(progressScript.is('[defer]')).toBe(true);
    expect((await agent.get(`/bondoufle/agents/import/${id}/etat`)).body).toMatchObject({
      status: 'pending',
      totalRows: 4,
      finished: false,
    });

    await runImports();
    const job = await jobRow(id);
    expect(job).toMatchObject({
      status: 'done',
      total_rows: 4,
      processed_rows: 4,
      families_created: 4,
      families_existing: 0,
      rows_rejected: 0,
      adults_created: 6,
      children_created: 7,
      accounts_total: 5,
      accounts_created: 5,
      accounts_skipped: 0,
    });
    expect(job.content.length).toBe(0); // the file is not kept once imported

    const bondoufle = await town(t.db.pool, 'bondoufle');
    const { rows: families } = await t.db.pool.query(
      `select id, name, external_ref, address_line, cle_enfance from families where town_id = $1 and external_ref like 'F-0001%' order by external_ref`,
      [bondoufle.id],
    );
    expect(families.map((f) => f.name)).toEqual(['Martin', 'Durand', "D'Arcangues", 'Nguyen Lefèvre']);
    expect(families[1].address_line).toBe('4 avenue de la Gare, Bâtiment B');
    expect(families[2].address_line).toBe('1 place de la Mairie; appartement 3');
    for (const f of families) expect(f.cle_enfance).toMatch(/^\d{5}-[A-Z0-9]{7}$/);
    const children = await t.db.pool.query(
      `select first_names, last_name, birth_date from children where family_id = $1 order by birth_date`,
      [families[3].id],
    );
    expect(children.rows).toEqual([
      { first_names: 'Louise', last_name: 'Lefèvre', birth_date: '2015-01-05' },
      { first_names: 'Nathan', last_name: 'Lefèvre', birth_date: '2019-07-17' },
      { first_names: 'Zoé', last_name: 'Lefèvre', birth_date: '2023-04-30' },
    ]);
    const accounts = await t.db.pool.query(
      `select a.email, a.family_id, a.created_via, fa.id as adult_id from accounts a join family_adults fa on fa.account_id = a.id
        where a.town_id = $1 and a.email like '%@example.fr' and a.family_id = any($2::uuid[]) order by a.email`,
      [bondoufle.id, families.map((f) => f.id)],
    );
    expect(accounts.rows.map((a) => a.email)).toEqual([
      'chantal.durand@example.fr',
      'karim.martin@example.fr',
      'paul.lefevre@example.fr',
      'sophie.martin@example.fr',
      'thi-mai.nguyen@example.fr',
    ]);
    expect(accounts.rows.every((a) => a.created_via === 'precreated')).toBe(true);

    // Each adult with an email gets the Création rapide mail: link, username, temporary password.
    await t.deliverMail();
    const mail = smtp.to('sophie.martin@example.fr').at(-1)!;
    expect(mail.subject).toBe('Votre espace famille a été créé');
    expect(mail.text).toMatch(/Nom d'utilisateur : smartin\d*/);
    expect(mail.text).toMatch(/Mot de passe : \S{12}/);
    expect(linksIn(mail).some((l) => l.startsWith('http://portail.test/bondoufle/activation?'))).toBe(true);

    const audit = await t.db.pool.query<{ action: string; n: number }>(
      `select action, count(*)::int as n from audit_log where agent_id = $1 group by action order by action`,
      [record.id],
    );
    expect(Object.fromEntries(audit.rows.map((r) => [r.action, r.n]))).toMatchObject({
      'import.start': 1,
      'family.create': 4,
      'account.precreate': 5,
      'import.finish': 1,
    });

    const result = await agent.get(`/bondoufle/agents/import/${id}`);
    expect(parse(result).heading()).toBe("Résultat de l'import");
    expect(parse(result).dd('Dossiers famille créés')).toBe('4');
    expect(result.text).toContain('Aucune ligne refusée.');
    expect(result.text).not.toContain('job-progress');
    expect((await agent.get(`/bondoufle/agents/import/${id}/etat`)).body).toMatchObject({ status: 'done', finished: true });
    expect((await agent.get('/bondoufle/agents/import')).text).toContain(`/bondoufle/agents/import/${id}`);
  });

  it('creates nothing twice when the same file is imported again (references and emails)', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const file = `${HEADER}\r\n${ref}-1;Roux;91070;Mme;Roux;Anne;${ref}.anne@example.fr;;;;;Tom;01/02/2019\r\n${ref}-2;Petit;;M;Petit;Luc;${ref}.luc@example.fr;;;;;;\r\n`;
    jobIdOf(await upload(agent, file));
    await runImports();
    const count = async () =>
      (
        await t.db.pool.query(
          `select (select count(*) from families where external_ref like $1)::int as families,
                  (select count(*) from accounts where email like $2)::int as accounts,
                  (select count(*) from children c join families f on f.id = c.family_id where f.external_ref like $1)::int as children,
                  (select count(*) from mail_outbox where to_address like $2)::int as mails`,
          [`${ref}-%`, `${ref}.%`],
        )
      ).rows[0];
    expect(await count()).toEqual({ families: 2, accounts: 2, children: 1, mails: 2 });

    const second = jobIdOf(await upload(agent, file));
    await runImports();
    expect(await count()).toEqual({ families: 2, accounts: 2, children: 1, mails: 2 });
    expect(await jobRow(second)).toMatchObject({
      status: 'done',
      families_created: 0,
      families_existing: 2,
      accounts_total: 0,
      rows_rejected: 0,
    });
    expect(parse(await agent.get(`/bondoufle/agents/import/${second}`)).dd('Familles déjà présentes (non modifiées)')).toBe('2');

    // Same people under a new reference: a new file, but no second account for an email that has one.
    const renamed = file.replaceAll(`${ref}-1;`, `${ref}-9;`).replace(`${ref}-2;Petit;;M;Petit;Luc;${ref}.luc@example.fr;;;;;;\r\n`, '');
    const third = jobIdOf(await upload(agent, renamed));
    await runImports();
    expect(await jobRow(third)).toMatchObject({ families_created: 1, accounts_total: 1, accounts_created: 0, accounts_skipped: 1 });
    expect((await count()).accounts).toBe(2);
    expect(parse(await agent.get(`/bondoufle/agents/import/${third}`)).text()).toContain(
      `Anne ROUX : l'adresse ${ref}.anne@example.fr est déjà celle d'un compte de l'Espace Famille : aucun compte créé`,
    );
  });

  it('reads a BOM and Windows line endings, quoted cells and empty lines', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const file = `\uFEFF${HEADER}\r\n"${ref}-1";"Lopez; dit ""Lolo""";91070;M;Lopez;Jose;;;;;;;\r\n\r\n;;;;;;;;;;;;\r\n${ref}-2;Blanc;;;;;;;;;;Inès;2020-01-31\r\n`;
    const id = jobIdOf(await upload(agent, Buffer.from(file, 'utf8')));
    expect((await jobRow(id)).total_rows).toBe(2);
    await runImports();
    expect(await jobRow(id)).toMatchObject({ status: 'done', families_created: 1, rows_rejected: 1 });
    const { rows } = await t.db.pool.query(`select name from families where external_ref like $1 order by external_ref`, [`${ref}-%`]);
    expect(rows.map((r) => r.name)).toEqual(['Blanc']);
    // "Lopez; dit "Lolo"" is read whole, then refused for its quotes — on the right line.
    expect(issuesOn(parse(await agent.get(`/bondoufle/agents/import/${id}`)), 2)).toContainEqual(
      expect.stringMatching(/^Le nom de la famille « Lopez; dit "Lolo" » ne doit contenir que des lettres/),
    );
  });

  it('refuses each kind of wrong row with its line number and reason in French, and imports the others', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const parent = await createParent(t.db.pool, 'bondoufle');
    const lines = [
      HEADER,
      `${ref}-ok;Valide;91070;Mme;Valide;Eva;${ref}.eva@example.fr;M;Valide;Noé;${ref}.eva@example.fr;Lou;03/03/2020`, // 2: ok, same email twice
      `;Sansref;;;;;;;;;;;`, // 3
      `${ref}-3;;;;;;;;;;;;`, // 4
      `${ref}-4;Code;1234;;;;;;;;;;`, // 5
      `${ref}-5;Civ;;Dr;Civ;Anne;;;;;;;`, // 6
      `${ref}-6;Nom;;Mme;;Anne;;;;;;;`, // 7
      `${ref}-7;Mail;;Mme;Mail;Anne;anne@;;;;;;`, // 8
      `${ref}-8;Enfant;;;;;;;;;;;01/01/2019`, // 9
      `${ref}-9;Date;;;;;;;;;;Max;31/02/2019`, // 10
      `${ref}-10;Futur;;;;;;;;;;Max;01/01/2030`, // 11
      `${ref}-11;Format;;;;;;;;;;Max;2019/01/01`, // 12
      `${ref}-12;Trop;;;;;;;;;;;;en trop`, // 13
      `${ref}-ok;Doublon;;;;;;;;;;;`, // 14
      `${ref}-13;Compte;;M;Compte;Jean;${parent.email};;;;;;`, // 15: email already has an account
      `${ref}-14;Dernier;;;;;;;;;;;`, // 16
    ];
    const id = jobIdOf(await upload(agent, lines.join('\n')));
    await runImports();
    expect(await jobRow(id)).toMatchObject({
      status: 'done',
      total_rows: 15,
      families_created: 3,
      rows_rejected: 12,
      accounts_created: 1,
      accounts_skipped: 1,
    });
    const page = parse(await agent.get(`/bondoufle/agents/import/${id}`));
    const expected: [number, string][] = [
      [3, 'La référence de la famille (reference_famille) est vide'],
      [4, 'Le nom de la famille (nom_famille) est vide'],
      [5, "Le code postal « 1234 » n'est pas un code postal français valide"],
      [6, "Adulte 1 : la civilité « Dr » n'est pas reconnue (M ou Mme)"],
      [7, 'Adulte 1 : le nom est vide'],
      [8, "Adulte 1 : l'adresse de courriel « anne@ » n'est pas valide"],
      [9, 'Enfant 1 : le prénom est vide'],
      [10, "Enfant 1 : la date de naissance « 31/02/2019 » n'existe pas"],
      [11, "Enfant 1 : la date de naissance « 01/01/2030 » n'est pas passée"],
      [12, 'Enfant 1 : la date de naissance « 2019/01/01 » doit être au format JJ/MM/AAAA'],
      [13, 'La ligne a 14 colonnes, plus que les 13 de la première ligne'],
      [14, `La référence « ${ref}-ok » figure déjà ligne 2 du fichier : cette ligne est ignorée`],
    ];
    for (const [line, message] of expected)
      expect(
        issuesOn(page, line).some((m) => m.startsWith(message)),
        message,
      ).toBe(true);
    expect(issuesOn(page, 2)).toContain(
      `Adulte 2 : l'adresse ${ref}.eva@example.fr est déjà celle d'un adulte de la ligne 2 : aucun compte créé pour cet adulte`,
    );
    expect(issuesOn(page, 15).some((m) => m.startsWith(`Jean COMPTE : l'adresse ${parent.email} est déjà celle d'un compte`))).toBe(true);
    expect(page.dd('Lignes refusées')).toBe('12');
  });

  it('refuses a file that is not a UTF-8 semicolon CSV, too large, or without rows, with a French message and no 500', async () => {
    const { agent } = await agentOf();
    const before = (await t.db.pool.query(`select count(*)::int as n from import_jobs`)).rows[0].n;
    const cases: [Buffer | string, string, number][] = [
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), 'Ce fichier est un classeur', 400],
      [Buffer.from('%PDF-1.7\n%âãÏÓ\n'), 'Ce fichier est un document PDF', 400],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), "n'est pas un fichier texte", 400],
      [Buffer.from('reference_famille;nom_famille\r\nF-1;H\xe9l\xe8ne\r\n', 'latin1'), "n'est pas encodé en UTF-8", 400],
      ['reference_famille,nom_famille\nF-1,Martin\n', 'ne sont pas séparées par des points-virgules', 400],
      ['reference_famille;nom;ville\nF-1;Martin;Tarnos\n', "La colonne 2, « nom », n'est pas une colonne connue", 400],
      ['nom_famille;ville\nMartin;Tarnos\n', 'Il manque la colonne « reference_famille »', 400],
      ['reference_famille;nom_famille\r\n', 'Le fichier ne contient aucune famille', 400],
      ['', 'Le fichier est vide', 400],
      [Buffer.alloc(10 * 1024 * 1024 + 1, 0x61), 'Le fichier dépasse 10 Mo', 413],
    ];
    for (const [content, message, status] of cases) {
      const res = await upload(agent, content, 'fichier.csv');
      expect(res.status, message).toBe(status);
      const refused = parse(res);
      expect(refused.title()).toMatch(/^Erreur : Importer des familles/);
      expect(refused.errorSummary().map((e) => e.field)).toEqual(['fichier']);
      expect(refused.fieldError('fichier'), message).toContain(message);
      expect(refused.one('input#fichier').attr('aria-invalid')).toBe('true');
    }
    // No file at all (another field name), and a multipart body cut short: a 400 page, not a 500.
    const page = await agent.get('/bondoufle/agents/import');
    const noFile = await agent.post('/bondoufle/agents/import').set('Sec-Fetch-Site', 'same-origin').field('_csrf', csrfFrom(page.text));
    expect(noFile.status).toBe(400);
    const wrongField = await agent
      .post('/bondoufle/agents/import')
      .set('Sec-Fetch-Site', 'same-origin')
      .field('_csrf', csrfFrom(page.text))
      .attach('autre', SAMPLE, 'f.csv');
    expect(wrongField.status).toBe(400);
    expect(parse(wrongField).fieldError('fichier')).toContain("Le fichier n'a pas pu être reçu");
    const truncated = await agent
      .post('/bondoufle/agents/import')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send(
        `--XYZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.text)}\r\n--XYZ\r\nContent-Disposition: form-data; name="fichier"; filename="f.csv"\r\n\r\nreference_famille`,
      );
    expect(truncated.status).toBe(400);
    expect(truncated.text).toContain('Demande incorrecte');
    expect((await t.db.pool.query(`select count(*)::int as n from import_jobs`)).rows[0].n).toBe(before);
  });

  it('imports the rows before a quote never closed, and says where reading stopped', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const file = `${HEADER}\n${ref}-1;Avant;;;;;;;;;;;\n${ref}-2;"Ouvert;;;;;;;;;;;\n${ref}-3;Apres;;;;;;;;;;;\n`;
    const id = jobIdOf(await upload(agent, file));
    await runImports();
    expect(await jobRow(id)).toMatchObject({ status: 'done', families_created: 1 });
    expect((await agent.get(`/bondoufle/agents/import/${id}`)).text).toContain(
      '<tr><th scope="row">3</th><td>Un guillemet ouvert sur cette ligne n’est jamais fermé : la suite du fichier n’a pas pu être lue</td></tr>',
    );
  });
});

describe('the import worker', () => {
  it('never processes one job twice: a second worker skips a job another holds, and takes it over when its lease has expired', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const rows = Array.from(
      { length: 6 },
      (_, i) => `${ref}-${i};Fam${String.fromCharCode(65 + i)};;Mme;Fam;Eve;${ref}.${i}@example.fr;;;;;;`,
    );
    const id = jobIdOf(await upload(agent, [HEADER, ...rows].join('\n')));

    // Two workers at once: the job is claimed by one of them only (the other may help with its accounts).
    const [a, b] = await Promise.all([worker({ batchSize: 2 }).runOnce(), worker({ batchSize: 2 }).runOnce()]);
    expect([a, b].filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await jobRow(id)).toMatchObject({ status: 'done', families_created: 6, accounts_created: 6 });
    expect((await t.db.pool.query(`select count(*)::int as n from accounts where email like $1`, [`${ref}.%`])).rows[0].n).toBe(6);
    expect((await t.db.pool.query(`select count(*)::int as n from families where external_ref like $1`, [`${ref}-%`])).rows[0].n).toBe(6);

    // A job whose worker died mid-way: held while its lease runs, resumed from the first row not committed after.
    const ref2 = tag();
    const rows2 = Array.from({ length: 5 }, (_, i) => `${ref2}-${i};Gam${String.fromCharCode(65 + i)};;;;;;;;;;;`);
    const id2 = jobIdOf(await upload(agent, [HEADER, ...rows2].join('\n')));
    const { claimJob } = await import('../../../src/repositories/import-jobs.repository.js');
    const claimed = await claimJob(t.db.pool, t.clock.now(), 60);
    expect(claimed?.id).toBe(id2);
    const { importBatch, planFile } = await import('../../../src/features/imports/import.service.js');
    const plan = planFile(claimed!.content.toString('utf8'), '2026-11-23');
    if (!plan.ok) throw new Error('plan');
    const ctx = { pool: t.db.pool, clock: t.clock, config: t.config, logger: createLogger('silent') };
    await importBatch(ctx, await town(t.db.pool, 'bondoufle'), claimed!, plan.rows, 0, 2, 60_000);
    expect(await worker().runOnce()).toBe(false); // still held
    t.clock.advance(61_000);
    expect(await worker({ batchSize: 2 }).runOnce()).toBe(true);
    expect(await jobRow(id2)).toMatchObject({ status: 'done', processed_rows: 5, families_created: 5 });
    expect((await t.db.pool.query(`select count(*)::int as n from families where external_ref like $1`, [`${ref2}-%`])).rows[0].n).toBe(5);

    // A worker with nothing to claim helps another's job through its accounts.
    const ref3 = tag();
    const rows3 = Array.from(
      { length: 3 },
      (_, i) => `${ref3}-${i};Ham${String.fromCharCode(65 + i)};;M;Ham;Leo;${ref3}.${i}@example.fr;;;;;;`,
    );
    const id3 = jobIdOf(await upload(agent, [HEADER, ...rows3].join('\n')));
    const held = await claimJob(t.db.pool, t.clock.now(), 60);
    const plan3 = planFile(held!.content.toString('utf8'), '2026-11-23');
    if (!plan3.ok) throw new Error('plan');
    await importBatch(ctx, await town(t.db.pool, 'bondoufle'), held!, plan3.rows, 0, 3, 60_000);
    expect(await jobRow(id3)).toMatchObject({ status: 'running', phase: 'accounts', accounts_total: 3, accounts_created: 0 });
    expect(await worker().runOnce()).toBe(true);
    expect(await jobRow(id3)).toMatchObject({ status: 'done', accounts_created: 3 });
    expect(await worker().runOnce()).toBe(false);
  });

  it('falls back to one row at a time when a batch fails, and refuses only the row that fails', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    // A row the database refuses (here by a trigger of this test's database): the whole batch fails at first.
    await t.db.pool.query(`create or replace function refuse_panne() returns trigger language plpgsql as $$
      begin raise exception 'panne simulée'; end $$`);
    await t.db.pool.query(
      `create trigger refuse_panne before insert on families for each row when (new.name = 'Panne') execute function refuse_panne()`,
    );
    try {
      const id = jobIdOf(
        await upload(
          agent,
          `${HEADER}\n${ref}-1;Avant;;;;;;;;;;;\n${ref}-2;Panne;;;;;;;;;;;\n${ref}-3;Apres;;M;Apres;Jon;${ref}.3@example.fr;;;;;;\n`,
        ),
      );
      await runImports();
      expect(await jobRow(id)).toMatchObject({ status: 'done', families_created: 2, rows_rejected: 1, accounts_created: 1 });
      expect(issuesOn(parse(await agent.get(`/bondoufle/agents/import/${id}`)), 3)).toContainEqual(
        expect.stringMatching(/^Cette ligne n'a pas pu être enregistrée à cause d'une erreur inattendue/),
      );
    } finally {
      await t.db.pool.query(`drop trigger refuse_panne on families`);
    }
  });

  it('goes on when one account cannot be created, with a remark for the agent', async () => {
    const { agent } = await agentOf();
    const ref = tag();
    const id = jobIdOf(
      await upload(
        agent,
        `${HEADER}\n${ref}-1;Ibarra;;M;Ibarra;Ion;${ref}.1@example.fr;;;;;;\n${ref}-2;Ugarte;;M;Ugarte;Ane;${ref}.2@example.fr;;;;;;\n`,
      ),
    );
    const { claimJob } = await import('../../../src/repositories/import-jobs.repository.js');
    const { importBatch, planFile } = await import('../../../src/features/imports/import.service.js');
    const held = await claimJob(t.db.pool, t.clock.now(), 60);
    const plan = planFile(held!.content.toString('utf8'), '2026-11-23');
    if (!plan.ok) throw new Error('plan');
    const ctx = { pool: t.db.pool, clock: t.clock, config: t.config, logger: createLogger('silent') };
    await importBatch(ctx, await town(t.db.pool, 'bondoufle'), held!, plan.rows, 0, 2, 60_000);
    // An address the mailer refuses (it never passes the import's checks, but the data may change meanwhile).
    await t.db.pool.query(`update family_adults set email = 'ion ibarra@example.fr' where email = $1`, [`${ref}.1@example.fr`]);
    expect(await worker().runOnce()).toBe(true);
    expect(await jobRow(id)).toMatchObject({ status: 'done', accounts_created: 1, accounts_skipped: 1 });
    expect(parse(await agent.get(`/bondoufle/agents/import/${id}`)).text()).toContain(
      "Ion IBARRA : le compte n'a pas pu être créé à cause d'une erreur inattendue",
    );
  });
});
