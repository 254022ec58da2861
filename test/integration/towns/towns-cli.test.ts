import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/deps.js';
import { createAgent } from '../../../src/features/agents/agents.service.js';
import { createCreditNote, startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import { createTown, removeTown } from '../../../src/features/towns/towns.service.js';
import { enqueueMail } from '../../../src/lib/mailer.js';
import { forgetTown } from '../../../src/middleware/town.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import {
  createActivity,
  createAttendance,
  createChild,
  createDocument,
  createEnrolment,
  createFamily,
  createParent,
  createRegie,
  createReservation,
  createSubmission,
  createTariff,
  town,
} from '../../helpers/fixtures.js';
import { cli, readCsv, tablesWithTownId, townRowCounts, unzip } from './helpers.js';

/**
 * Operating many towns from the command line (issue 20): create-town, export-town,
 * remove-town, through real processes on the test's database.
 */

let t: TestApp;
let ctx: ServiceContext;
let dir: string;
const CLI = { operatorId: null, actorLabel: 'test', ip: null };
const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ef-towns-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  await t.close();
});

const db = () => t.db.pool;

/**
 * What a town that has lived holds beyond the demo rows: a stored document's file, an agent
 * and its audit lines, a session, a queued mail, and issued invoices and a credit note (rows
 * no statement may delete: only the town's cascade).
 */
async function populate(slug: string): Promise<void> {
  const townRow = await town(db(), slug);
  const created = await createAgent(
    ctx,
    townRow,
    { username: `admin-${slug}`, displayName: 'Admin', password: 'Mairie-Admin-2026x', role: 'admin', mustChangePassword: false },
    actor,
  );
  if (created.kind !== 'created') throw new Error('agent');
  expect((await signInAgent(t.agent(), slug, `admin-${slug}`, 'Mairie-Admin-2026x')).status).toBe(303);
  const activityId = await createActivity(db(), slug);
  const regieId = await createRegie(db(), slug, { activityIds: [activityId] });
  await createTariff(db(), slug, activityId);
  const family = await createFamily(db(), slug);
  const parent = await createParent(db(), slug, { familyId: family.id });
  const childId = await createChild(db(), slug, family.id);
  const enrolmentId = await createEnrolment(db(), slug, { activityId, childId });
  const submissionId = await createSubmission(db(), slug, { familyId: family.id, accountId: parent.id, activityId });
  await createReservation(db(), slug, { activityId, enrolmentId, childId, day: '2026-11-02', status: 'booked', submissionId });
  await createAttendance(db(), slug, { activityId, enrolmentId, childId, day: '2026-11-03', present: true, reserved: false });
  const started = await startInvoicingRun(ctx, townRow.id, actor, regieId, '2026-11');
  if (!started.ok) throw new Error(started.message);
  await t.jobs.runDue('invoicing');
  const { rows } = await db().query<{ id: string }>(`select id from invoices where town_id = $1`, [townRow.id]);
  expect(rows.length).toBeGreaterThan(0);
  expect((await createCreditNote(ctx, townRow.id, actor, rows[0]!.id, { amountCents: 100, reason: 'Erreur' })).ok).toBe(true);
  const content = Buffer.from(`%PDF-1.4 justificatif de ${slug}`);
  await createDocument(db(), slug, parent.id, {
    files: [
      {
        fileName: 'avis d’impôt.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
  });
  await enqueueMail(db(), {
    townId: townRow.id,
    to: 'famille@example.fr',
    template: 'notification',
    subject: 'Test',
    data: { townName: slug, greeting: 'Bonjour', paragraphs: ['x'] },
  });
}

describe('create-town', () => {
  it('creates a town with its settings, texts and first admin, and no demo data; refuses what is wrong', async () => {
    const [ok, bad] = await Promise.all([
      cli(t.db.url, [
        'create-town',
        '--slug',
        'saint-lo',
        '--name',
        'Ville de Saint-Lô',
        '--admin-username',
        'admin.stlo',
        '--admin-password',
        'Mairie-Saint-Lo-2026',
        '--admin-email',
        'Admin@Saint-Lo.fr',
      ]),
      cli(t.db.url, ['create-town', '--slug', 'Saint Lô', '--name', 'X', '--admin-username', 'a', '--admin-password', 'court']),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('/saint-lo/agents/connexion');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--slug: L'identifiant ne convient pas");
    expect(bad.stderr).toContain("--admin-username: Le nom d'utilisateur doit contenir au moins 3 caractères");
    expect(bad.stderr).toContain('--admin-password: Le mot de passe doit contenir au moins 12 caractères');

    const stlo = await town(db(), 'saint-lo');
    expect(stlo).toMatchObject({
      name: 'Ville de Saint-Lô',
      passwordPolicy: { minLength: 8 },
      deadlineRules: { kind: 'days_before', days: 15 },
    });
    const counts = await townRowCounts(db(), stlo.id);
    // Its settings, its texts, its admin and that admin's creation in the audit log; nothing else.
    expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual({
      'public.agents': 1,
      'public.audit_log': 1,
      'public.town_texts': 2,
    });
    const { rows } = await db().query(`select role, email, must_change_password from agents where town_id = $1`, [stlo.id]);
    expect(rows).toEqual([{ role: 'admin', email: 'admin@saint-lo.fr', must_change_password: false }]);
    // The admin signs in to the new town's back-office at once.
    const res = await signInAgent(t.agent(), 'saint-lo', 'admin.stlo', 'Mairie-Saint-Lo-2026');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/saint-lo/agents');
    expect((await t.agent().get('/saint-lo/')).status).toBe(200);
    const events = await db().query(`select action, town_slug, actor_label from operator_events where action = 'town.create'`);
    expect(events.rows).toEqual([{ action: 'town.create', town_slug: 'saint-lo', actor_label: 'ligne de commande' }]);
  });

  it('refuses a slug taken or reserved, the same in the service the page uses', async () => {
    const body = { nom: 'Autre', nomUtilisateur: 'admin.autre', motDePasse: 'Mairie-Autre-2026x', courriel: '' };
    for (const [slug, message] of [
      ['tarnos', 'Une commune utilise déjà cet identifiant'],
      ['exploitation', 'Cet identifiant est réservé'],
      ['a--b', 'ni finir par un tiret'],
    ] as const) {
      const result = await createTown(ctx, { ...body, slug }, CLI);
      expect(result.kind).toBe('errors');
      if (result.kind === 'errors') expect(result.errors[0]!.message).toContain(message);
    }
  });
});

describe('export-town', () => {
  it('writes every table with rows of the town, as CSV, its stored files, and nothing of another town', async () => {
    await populate('bayeux');
    await populate('tarnos');
    const bayeux = await town(db(), 'bayeux');
    // More rows than one fetch of the export's cursor (2,000), quotes and line breaks in them.
    await db().query(
      `insert into news (town_id, title, body) select $1, 'Actualité n° ' || n, 'Texte "cité", sur' || chr(10) || 'deux lignes' from generate_series(1, 2500) n`,
      [bayeux.id],
    );
    const out = path.join(dir, 'bayeux.zip');
    const run = await cli(t.db.url, ['export-town', '--slug', 'bayeux', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const entries = await unzip(await fs.readFile(out));
    expect(entries.get('LISEZ-MOI.txt')!.toString('utf8')).toContain(
      'EXPORT COMPLET DE LA COMMUNE « Ville de Bayeux et Bayeux Intercom » (bayeux)',
    );

    const manifest = readCsv(entries.get('manifeste.csv')!.toString('utf8'));
    expect(manifest[0]).toEqual(['fichier', 'table', 'lignes']);
    const listed = new Map(manifest.slice(1).map(([file, , rows]) => [file!, Number(rows)]));

    const counts = await townRowCounts(db(), bayeux.id);
    const withRows = Object.entries(counts).filter(([, n]) => n > 0);
    // A lived-in town: the demo's rows and populate()'s.
    expect(withRows.length).toBeGreaterThan(30);
    for (const [qualified, n] of Object.entries(counts)) {
      const table = qualified.replace(/^public\./, '');
      const file = `tables/${table}.csv`;
      expect(entries.has(file), file).toBe(true);
      expect(listed.get(file), file).toBe(n);
      const records = readCsv(entries.get(file)!.toString('utf8'));
      const header = records[0]!;
      expect(records.length - 1, file).toBe(n);
      const townColumn = header.indexOf('town_id');
      expect(townColumn, file).toBeGreaterThanOrEqual(0);
      // Not one row of another town.
      expect(new Set(records.slice(1).map((r) => r[townColumn])), file).toEqual(new Set(n ? [bayeux.id] : []));
    }
    const news = readCsv(entries.get('tables/news.csv')!.toString('utf8'));
    expect(news.filter((r) => r[news[0]!.indexOf('body')] === 'Texte "cité", sur\ndeux lignes').length).toBe(2500);
    const towns = readCsv(entries.get('tables/towns.csv')!.toString('utf8'));
    expect(towns.length).toBe(2);
    expect(towns[1]![towns[0]!.indexOf('slug')]).toBe('bayeux');

    // Secrets withheld; their columns still there.
    const agents = readCsv(entries.get('tables/agents.csv')!.toString('utf8'));
    expect(new Set(agents.slice(1).map((r) => r[agents[0]!.indexOf('password_hash')]))).toEqual(new Set(['(retiré de l’export)']));

    // Every stored file, byte for byte, named in its row's CSV.
    const files = [...entries.keys()].filter((k) => k.startsWith('fichiers/'));
    const { rows: bytea } = await db().query<{ table: string; column: string }>(
      `select c.table_name as table, c.column_name as column from information_schema.columns c
        where c.table_schema = 'public' and c.data_type = 'bytea' and exists (select 1 from information_schema.columns k
          where k.table_schema = 'public' and k.table_name = c.table_name and k.column_name = 'town_id')`,
    );
    let stored = 0;
    for (const b of bytea) {
      const { rows } = await db().query<{ n: number }>(
        `select count(*)::int as n from "${b.table}" where town_id = $1 and "${b.column}" is not null`,
        [bayeux.id],
      );
      stored += rows[0]!.n;
    }
    expect(bytea.length).toBeGreaterThanOrEqual(6);
    expect(stored).toBeGreaterThanOrEqual(2);
    expect(files.length).toBe(stored);
    const docs = readCsv(entries.get('tables/private_document_files.csv')!.toString('utf8'));
    const docFile = docs[1]![docs[0]!.indexOf('content')]!;
    expect(docFile).toMatch(/^fichiers\/private_document_files\/[0-9a-f-]{36}-content-avis d_impôt\.pdf$/);
    expect(entries.get(docFile)!.toString()).toBe('%PDF-1.4 justificatif de bayeux');
    for (const f of files) expect(entries.get(f)!.length, f).toBeGreaterThan(0);

    const events = await db().query(`select details from operator_events where action = 'town.export' and town_slug = 'bayeux'`);
    expect(events.rows[0].details).toMatchObject({ files: files.length });
  });
});

describe('remove-town', () => {
  it('relies on every foreign key to towns cascading, and the audit log staying append-only otherwise', async () => {
    // A table added later without `on delete cascade` would make a removal fail: said here first.
    const { rows } = await db().query<{ table: string; action: string }>(
      `select conrelid::regclass::text as table, confdeltype as action from pg_constraint
        where contype = 'f' and confrelid = 'towns'::regclass and confdeltype <> 'c' order by 1`,
    );
    expect(rows).toEqual([{ table: 'mail_outbox', action: 'n' }]);
    const tarnos = await town(db(), 'tarnos');
    await db().query(`insert into audit_log (town_id, actor_label, action) values ($1, 'test', 'agent.create')`, [tarnos.id]);
    await expect(db().query(`delete from audit_log where town_id = $1`, [tarnos.id])).rejects.toThrow(
      /audit_log rows cannot be changed or deleted/,
    );
    await expect(db().query(`update audit_log set actor_label = 'x' where town_id = $1`, [tarnos.id])).rejects.toThrow(
      /audit_log rows cannot be changed or deleted/,
    );
    await expect(db().query(`delete from operator_events`)).rejects.toThrow(/operator_events rows cannot be changed or deleted/);
  });

  it('refuses without the slug repeated, then deletes every row of the town and leaves the others intact', async () => {
    await populate('villennes');
    const villennes = await town(db(), 'villennes');
    const others = await db().query<{ id: string; slug: string }>(`select id, slug from towns where id <> $1`, [villennes.id]);
    const before = await Promise.all(others.rows.map((o) => townRowCounts(db(), o.id)));
    const counts = await townRowCounts(db(), villennes.id);
    for (const table of [
      'public.audit_log',
      'public.invoices',
      'public.credit_notes',
      'public.private_document_files',
      'public.mail_outbox',
    ]) {
      expect(counts[table], table).toBeGreaterThan(0);
    }

    const [refused, wrong] = await Promise.all([
      cli(t.db.url, ['remove-town', '--slug', 'villennes']),
      cli(t.db.url, ['remove-town', '--slug', 'villennes', '--confirm', 'tarnos']),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--confirm must repeat the slug');
    expect(wrong.code).toBe(2);
    expect(await townRowCounts(db(), villennes.id)).toEqual(counts);

    const run = await cli(t.db.url, ['remove-town', '--slug', 'villennes', '--confirm', 'villennes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Town villennes (Villennes-sur-Seine) removed');
    expect(run.stdout).toContain('"msg":"town removed"');

    // Every column named town_id, in every schema: none holds the town any more.
    const tables = await tablesWithTownId(db());
    expect(tables.length).toBeGreaterThan(60);
    expect(Object.values(await townRowCounts(db(), villennes.id)).reduce((a, b) => a + b, 0)).toBe(0);
    expect((await db().query(`select 1 from towns where id = $1`, [villennes.id])).rowCount).toBe(0);
    expect((await db().query(`select 1 from session where sess::jsonb ->> 'townId' = $1`, [villennes.id])).rowCount).toBe(0);
    // The other towns lost nothing.
    expect(await Promise.all(others.rows.map((o) => townRowCounts(db(), o.id)))).toEqual(before);
    const events = await db().query(`select details from operator_events where action = 'town.remove'`);
    expect(events.rows).toEqual([{ details: expect.objectContaining({ townId: villennes.id, name: 'Villennes-sur-Seine' }) }]);
    forgetTown('villennes'); // this process's 5-second cache of towns; the removal ran in another one
    expect((await t.agent().get('/villennes/')).status).toBe(404);
    // Once removed, nothing left to remove.
    expect((await removeTown(ctx, 'villennes', { confirmation: 'villennes' }, CLI)).kind).toBe('not_found');
  });
});
