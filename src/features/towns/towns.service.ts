import { Readable } from 'node:stream';
import yazl from 'yazl';
import { CGU, DEFAULT_DEADLINE, DEFAULT_POLICY, mentionsLegales } from '../../db/demo-data.js';
import { isUniqueViolation, withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit } from '../../lib/audit.js';
import { fieldErrors, type FieldError } from '../../lib/forms.js';
import { hashPassword, passwordProblem } from '../../lib/passwords.js';
import { insertAgent } from '../../repositories/agents.repository.js';
import { insertOperatorEvent } from '../../repositories/operators.repository.js';
import * as admin from '../../repositories/town-admin.repository.js';
import { findTownBySlug } from '../../repositories/towns.repository.js';
import { AGENT_PASSWORD_POLICY } from '../agents/agents.service.js';
import { usernameProblem } from '../parent-accounts/parent-accounts.service.js';
import {
  csvRecord,
  exportReadme,
  fileNameIndex,
  manifestCsv,
  rowKeyIndex,
  SECRET_COLUMN,
  storedFilePath,
  WITHHELD,
  type ManifestEntry,
} from './town-export.js';
import { newTownSchema, removeTownSchema } from './towns.schemas.js';

/**
 * Operating many towns (issue 20): creating a town, exporting it whole, removing it. One
 * module for the command line and the operators' pages, so both check and do the same.
 * Every change writes one operator_events line (who, from where); the command line is
 * "ligne de commande".
 */

export interface OperatorActor {
  operatorId: string | null;
  actorLabel: string;
  ip: string | null;
}

export const SLUG_TAKEN: FieldError = { field: 'slug', message: 'Une commune utilise déjà cet identifiant : choisissez-en un autre' };

export type CreateTownResult =
  | { kind: 'created'; town: { id: string; slug: string; name: string }; admin: { username: string } }
  | { kind: 'errors'; errors: FieldError[]; values: Record<string, string> };

/**
 * A town as a real one starts: its row with the default password policy and reservation
 * deadline, its first CGU and legal notice (sign-up asks families to accept the CGU), and its
 * first admin — and nothing else: no family, activity, tariff or news (the demo data is only
 * for the four demo towns). The admin chose their own password: no change asked at sign-in.
 */
export async function createTown(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  body: unknown,
  actor: OperatorActor,
): Promise<CreateTownResult> {
  const parsed = newTownSchema.safeParse(body);
  const raw = (body ?? {}) as Record<string, unknown>;
  const values = Object.fromEntries(
    ['slug', 'nom', 'nomUtilisateur', 'courriel'].map((k) => [k, typeof raw[k] === 'string' ? (raw[k] as string) : '']),
  );
  // The admin's username and password are checked by the agents' own rules, next to zod's.
  const known: FieldError[] = [];
  const username = typeof raw.nomUtilisateur === 'string' ? raw.nomUtilisateur.trim() : '';
  const password = typeof raw.motDePasse === 'string' ? raw.motDePasse : '';
  const usernameIssue = usernameProblem(username);
  if (usernameIssue) known.push({ field: 'nomUtilisateur', message: usernameIssue });
  const passwordIssue = passwordProblem(password, AGENT_PASSWORD_POLICY, username);
  if (passwordIssue) known.push({ field: 'motDePasse', message: passwordIssue });
  if (!parsed.success || known.length) {
    const errors = fieldErrors(parsed.success ? [] : parsed.error.issues, known);
    const order = ['slug', 'nom', 'nomUtilisateur', 'motDePasse', 'courriel'];
    errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
    return { kind: 'errors', errors, values };
  }
  const input = parsed.data;
  if (await findTownBySlug(ctx.pool, input.slug)) return { kind: 'errors', errors: [SLUG_TAKEN], values };
  const passwordHash = await hashPassword(password);
  try {
    return await withTransaction(ctx.pool, async (db) => {
      await admin.lockTownSlug(db, input.slug);
      const at = ctx.clock.now();
      const townId = await admin.insertTown(db, {
        slug: input.slug,
        name: input.nom,
        passwordPolicy: DEFAULT_POLICY,
        deadlineRules: DEFAULT_DEADLINE,
      });
      await admin.insertFirstTexts(db, townId, { cgu: CGU, mentionsLegales: mentionsLegales(input.nom) });
      const agent = await insertAgent(db, {
        townId,
        username: input.nomUtilisateur,
        displayName: input.nomUtilisateur,
        email: input.courriel || null,
        passwordHash,
        role: 'admin',
        mustChangePassword: false,
      });
      await audit(db, {
        townId,
        agentId: null,
        actorLabel: actor.actorLabel,
        ip: actor.ip,
        action: 'agent.create',
        targetType: 'agent',
        targetId: agent.id,
        details: { username: agent.username, role: agent.role },
        at,
      });
      await insertOperatorEvent(db, {
        ...actor,
        action: 'town.create',
        townSlug: input.slug,
        details: { name: input.nom, admin: agent.username },
        at,
      });
      return { kind: 'created' as const, town: { id: townId, slug: input.slug, name: input.nom }, admin: { username: agent.username } };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: 'errors', errors: [SLUG_TAKEN], values };
    throw err;
  }
}

export interface TownExport {
  town: { id: string; slug: string; name: string };
  fileName: string;
  manifest: ManifestEntry[];
  files: number;
  /** The ZIP, written as it is read; the snapshot's connection is released at its end. */
  stream: NodeJS.ReadableStream;
}

const PAGE = 2_000;

/**
 * A town's whole data as an auditor reads it: one CSV per table (every table with town_id,
 * and the town's own row), its stored files, a manifest and a README. Everything is read in
 * one read-only REPEATABLE READ transaction, held until the archive is written, so counts,
 * rows and files agree even while the town keeps working. Undefined when no such town.
 */
export async function exportTown(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  slug: string,
  actor: OperatorActor,
): Promise<TownExport | undefined> {
  const at = ctx.clock.now();
  const client = await ctx.pool.connect();
  let released = false;
  const release = (err?: Error) => {
    if (released) return;
    released = true;
    client.query(err ? 'rollback' : 'commit').then(
      () => client.release(),
      (e: Error) => client.release(e),
    );
  };
  try {
    await client.query('begin isolation level repeatable read read only');
    const town = await findTownBySlug(client, slug);
    if (!town) {
      release();
      return undefined;
    }
    const tables = await admin.townTables(client);
    const manifest: ManifestEntry[] = [];
    const storedFiles: { path: string; table: string; column: string; ctid: string }[] = [];
    const withheld: string[] = [];
    for (const t of tables) {
      manifest.push({ file: `tables/${t.table}.csv`, table: t.table, rows: await admin.countTownRows(client, t.table, town.id) });
      for (const c of t.columns) if (SECRET_COLUMN.test(c.name)) withheld.push(`${t.table}.${c.name}`);
    }
    // Stored files are listed before the archive starts (yazl needs every entry up front).
    for (const t of tables) {
      const bytea = t.columns.flatMap((c, i) => (c.type === 'bytea' ? [i] : []));
      if (!bytea.length) continue;
      for await (const row of rowsOf(client, t, town.id)) {
        for (const i of bytea) {
          if (row.values[i] === null) continue;
          storedFiles.push({ path: filePath(t, i, row), table: t.table, column: t.columns[i]!.name, ctid: row.ctid });
        }
      }
    }
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(exportReadme(town, at, manifest, storedFiles.length, withheld), 'utf8'), 'LISEZ-MOI.txt', { mtime: at });
    zip.addBuffer(Buffer.from(manifestCsv(manifest), 'utf8'), 'manifeste.csv', { mtime: at });
    for (const t of tables) {
      zip.addReadStreamLazy(`tables/${t.table}.csv`, { mtime: at }, (cb) => cb(null, Readable.from(tableCsv(client, t, town.id))));
    }
    for (const f of storedFiles) {
      zip.addReadStreamLazy(f.path, { mtime: at, compress: false }, (cb) => {
        admin.readTownBytes(client, f.table, f.column, town.id, f.ctid).then(
          (content) => cb(null, Readable.from([content ?? Buffer.alloc(0)])),
          (err: Error) => cb(err, undefined as never),
        );
      });
    }
    zip.end();
    zip.outputStream.on('end', () => release());
    zip.outputStream.on('error', (err: Error) => release(err));
    zip.outputStream.on('close', () => release());
    await insertOperatorEvent(ctx.pool, {
      ...actor,
      action: 'town.export',
      townSlug: town.slug,
      details: { tables: manifest.length, rows: manifest.reduce((s, e) => s + e.rows, 0), files: storedFiles.length },
      at,
    });
    return {
      town: { id: town.id, slug: town.slug, name: town.name },
      fileName: `export-${town.slug}-${at.toISOString().slice(0, 10)}.zip`,
      manifest,
      files: storedFiles.length,
      stream: zip.outputStream,
    };
  } catch (err) {
    release(err as Error);
    throw err;
  }
}

let cursors = 0;

/** Every row of a table for the town, through a cursor of the export's transaction. */
async function* rowsOf(client: Parameters<typeof admin.fetchTownCursor>[0], t: admin.TableColumns, townId: string) {
  const cursor = `town_export_${++cursors}`;
  await admin.openTownCursor(client, cursor, t, townId);
  for (;;) {
    const page = await admin.fetchTownCursor(client, cursor, PAGE);
    yield* page;
    if (page.length < PAGE) break;
  }
  await admin.closeTownCursor(client, cursor);
}

function filePath(t: admin.TableColumns, column: number, row: { ctid: string; values: (string | null)[] }): string {
  const key = rowKeyIndex(t);
  const name = fileNameIndex(t);
  return storedFilePath(
    t.table,
    t.columns[column]!.name,
    key >= 0 ? (row.values[key] ?? row.ctid) : `ligne${row.ctid}`,
    name >= 0 ? (row.values[name] ?? null) : null,
  );
}

async function* tableCsv(client: Parameters<typeof admin.fetchTownCursor>[0], t: admin.TableColumns, townId: string) {
  // A byte-order mark, so that a spreadsheet reads the accents as UTF-8.
  yield Buffer.from(`\ufeff${csvRecord(t.columns.map((c) => c.name))}`, 'utf8');
  for await (const row of rowsOf(client, t, townId)) {
    const cells = t.columns.map((c, i) => {
      const v = row.values[i] ?? null;
      if (v === null) return null;
      if (SECRET_COLUMN.test(c.name)) return WITHHELD;
      return c.type === 'bytea' ? filePath(t, i, row) : v;
    });
    yield Buffer.from(csvRecord(cells), 'utf8');
  }
}

export type RemoveTownResult =
  | { kind: 'removed'; town: { slug: string; name: string }; rows: number }
  | { kind: 'not_found' }
  | { kind: 'errors'; errors: FieldError[] };

export const CONFIRMATION_MISMATCH = (slug: string): FieldError => ({
  field: 'confirmation',
  message: `Saisissez exactement l'identifiant de la commune, ${slug}, pour confirmer la suppression`,
});

/**
 * Removes a town and everything of it, in one transaction: its sessions, mails and counters,
 * then its row, which every table with town_id follows by cascade (stored files included:
 * they are rows). Refused unless the confirmation is the slug typed again. The line in
 * operator_events, written in the same transaction, is what remains of it.
 */
export async function removeTown(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  slug: string,
  body: unknown,
  actor: OperatorActor,
): Promise<RemoveTownResult> {
  const town = await findTownBySlug(ctx.pool, slug);
  if (!town) return { kind: 'not_found' };
  const parsed = removeTownSchema.safeParse(body);
  if (!parsed.success) return { kind: 'errors', errors: fieldErrors(parsed.error.issues) };
  if (parsed.data.confirmation !== town.slug) return { kind: 'errors', errors: [CONFIRMATION_MISMATCH(town.slug)] };
  return withTransaction(ctx.pool, async (db) => {
    await admin.lockTownSlug(db, town.slug);
    const tables = await admin.townTables(db);
    let rows = 0;
    for (const t of tables) rows += await admin.countTownRows(db, t.table, town.id);
    if (!(await admin.deleteTown(db, town.id))) return { kind: 'not_found' as const };
    await insertOperatorEvent(db, {
      ...actor,
      action: 'town.remove',
      townSlug: town.slug,
      details: { townId: town.id, name: town.name, rows },
      at: ctx.clock.now(),
    });
    return { kind: 'removed' as const, town: { slug: town.slug, name: town.name }, rows };
  });
}
