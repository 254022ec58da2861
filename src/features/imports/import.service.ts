import crypto from 'node:crypto';
import { withSavepoint, withTransaction, type PoolClient, type Queryable } from '../../db/pool.js';
import { audit, auditMany, type AuditEntry } from '../../lib/audit.js';
import { uniqueCleEnfance } from '../../lib/cle-enfance.js';
import type { Clock } from '../../lib/clock.js';
import { enqueueJob } from '../../jobs/enqueue.js';
import { parisDay } from '../../lib/calendar/index.js';
import * as files from '../../repositories/family-files.repository.js';
import * as jobs from '../../repositories/import-jobs.repository.js';
import type { ImportIssue, ImportJob } from '../../repositories/import-jobs.repository.js';
import { findTownById, type Town } from '../../repositories/towns.repository.js';
import { precreateAccount } from '../parent-accounts/parent-accounts.service.js';
import type { Actor } from '../family-files/family-files.service.js';
import { parseCsv } from './csv.js';
import type { ImportKind } from './reprise-format.js';
import { readHeader, readRow, type ImportFamily, type RowResult } from './import-format.js';
import type { AppDeps, ServiceContext } from '../../deps.js';

// ---------------------------------------------------------------- upload

/** The file is kept in the database and the worker takes it from there; the upload is audited. */
export async function createImportJob(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  file: { name: string; content: Buffer; dataRows: number; kind?: ImportKind },
): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    const jobId = crypto.randomUUID();
    const id = await jobs.insertJob(db, {
      jobId,
      townId: town.id,
      agentId: actor.agentId,
      actorLabel: actor.actorLabel,
      ip: actor.ip ?? null,
      fileName: file.name,
      content: file.content,
      totalRows: file.dataRows,
      kind: file.kind,
      now,
    });
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'import.start',
      targetType: 'import_job',
      targetId: id,
      details: { fileName: file.name, kind: file.kind ?? 'familles', rows: file.dataRows, bytes: file.content.length },
      at: now,
    });
    // In the same transaction: no job for an upload that failed, no upload without its job.
    await enqueueJob(db, 'import', { importId: id }, { id: jobId });
    return id;
  });
}

// ---------------------------------------------------------------- reading the file

/** A row of the file as the import treats it, decided once for the whole file (so a resumed job decides the same). */
export type PlannedRow =
  | { kind: 'rejected'; line: number; reasons: string[] }
  | { kind: 'duplicate'; line: number; reference: string; firstLine: number }
  | { kind: 'family'; family: ImportFamily; duplicateEmails: Map<number, number> };

export type FilePlan = { ok: true; rows: PlannedRow[]; unterminatedQuoteAt?: number } | { ok: false; message: string };

/**
 * Reads every row, and marks what repeats inside the file: a reference seen on an earlier
 * line (the row is refused), an email given to an earlier adult (no second account).
 */
export function planFile(text: string, today: string): FilePlan {
  const parsed = parseCsv(text);
  const header = readHeader(parsed.records[0]);
  if (!header.ok) return header;
  const rows: PlannedRow[] = [];
  const refs = new Map<string, number>();
  const emails = new Map<string, number>();
  for (const record of parsed.records.slice(1)) {
    const row: RowResult = readRow(header.header, record, today);
    if (row.kind === 'empty') continue;
    if (row.kind === 'rejected') {
      rows.push(row);
      continue;
    }
    const family = row.family;
    const key = family.reference.toLowerCase();
    const firstLine = refs.get(key);
    if (firstLine !== undefined) {
      rows.push({ kind: 'duplicate', line: family.line, reference: family.reference, firstLine });
      continue;
    }
    refs.set(key, family.line);
    const duplicateEmails = new Map<number, number>();
    for (const adult of family.adults) {
      if (!adult.email) continue;
      const seen = emails.get(adult.email);
      if (seen !== undefined) duplicateEmails.set(adult.index, seen);
      else emails.set(adult.email, family.line);
    }
    rows.push({ kind: 'family', family, duplicateEmails });
  }
  return { ok: true, rows, unterminatedQuoteAt: parsed.unterminatedQuoteAt };
}

export function townOfJob(db: Queryable, job: Pick<ImportJob, 'townId'>): Promise<Town | undefined> {
  return findTownById(db, job.townId);
}

/** What the import does is written to the journal in the job's town, as done by the agent who started it. */
function jobAudit(job: ImportJob, at: Date, what: Pick<AuditEntry, 'action' | 'targetType' | 'targetId' | 'details'>): AuditEntry {
  return { townId: job.townId, agentId: job.agentId, actorLabel: job.actorLabel, ip: job.ip, at, ...what };
}

// ---------------------------------------------------------------- phase 1: the rows

export type BatchOutcome = 'done' | 'lost';

/** What one family of a batch became: created (with its adults' ids, in the file's order), or already there. */
type Placed = { kind: 'created'; familyId: string; adultIds: string[] } | { kind: 'existing' } | { kind: 'failed' };

/**
 * The fast way: a handful of statements for the whole batch (keys, families, adults,
 * children, audit rows). A reference created meanwhile by someone else is skipped by
 * ON CONFLICT; anything unexpected aborts the batch, which is then done row by row.
 */
async function placeInBulk(db: PoolClient, town: Town, job: ImportJob, families: ImportFamily[], now: Date): Promise<Placed[]> {
  const keys = await files.freeCleEnfanceKeys(db, town.id, families.length);
  const ids = families.map(() => crypto.randomUUID());
  const inserted = await files.insertFamiliesIfNew(
    db,
    town.id,
    families.map((f, i) => ({
      id: ids[i]!,
      cleEnfance: keys[i]!,
      name: f.name,
      externalRef: f.reference,
      addressLine: f.addressLine,
      postalCode: f.postalCode,
      city: f.city,
    })),
    now,
  );
  const placed: Placed[] = families.map((f, i) =>
    inserted.has(ids[i]!)
      ? { kind: 'created', familyId: ids[i]!, adultIds: f.adults.map(() => crypto.randomUUID()) }
      : { kind: 'existing' },
  );
  const adults: files.AdultRow[] = [];
  const children: files.ChildRow[] = [];
  families.forEach((f, i) => {
    const p = placed[i]!;
    if (p.kind !== 'created') return;
    f.adults.forEach((a, k) => adults.push({ ...a, id: p.adultIds[k]!, familyId: p.familyId }));
    f.children.forEach((c) => children.push({ ...c, familyId: p.familyId }));
  });
  await files.insertAdultRows(db, town.id, adults, now);
  await files.insertChildRows(db, town.id, children, now);
  await auditMany(
    db,
    families.flatMap((f, i) => {
      const p = placed[i]!;
      return p.kind === 'created'
        ? [
            jobAudit(job, now, {
              action: 'family.create',
              targetType: 'family',
              targetId: p.familyId,
              details: { importJobId: job.id, line: f.line },
            }),
          ]
        : [];
    }),
  );
  return placed;
}

/** The careful way, one savepoint per row: a row that fails is refused alone. */
async function placeOneByOne(
  ctx: ServiceContext & Pick<AppDeps, 'logger'>,
  db: PoolClient,
  town: Town,
  job: ImportJob,
  families: ImportFamily[],
  now: Date,
) {
  const placed: Placed[] = [];
  for (const f of families) {
    try {
      const created = await withSavepoint(db, async () => {
        const family = await files.insertFamily(db, town.id, {
          name: f.name,
          externalRef: f.reference,
          addressLine: f.addressLine,
          postalCode: f.postalCode,
          city: f.city,
          cleEnfance: await uniqueCleEnfance(db, town.id),
          now,
        });
        const adultIds = await files.insertAdults(db, town.id, family.id, f.adults, now);
        await files.insertChildren(db, town.id, family.id, f.children, now);
        await audit(
          db,
          jobAudit(job, now, {
            action: 'family.create',
            targetType: 'family',
            targetId: family.id,
            details: { importJobId: job.id, line: f.line },
          }),
        );
        return { familyId: family.id, adultIds };
      });
      placed.push({ kind: 'created', ...created });
    } catch (err) {
      // Created by someone else meanwhile (an agent, another import): already there.
      if ((err as { constraint?: string }).constraint === 'families_external_ref_idx') placed.push({ kind: 'existing' });
      else {
        ctx.logger.error({ err, jobId: job.id, line: f.line }, 'import row failed');
        placed.push({ kind: 'failed' });
      }
    }
  }
  return placed;
}

/**
 * Imports rows [start, start + count) of the plan in one transaction, which also moves the
 * job's counters forward: after a crash the job resumes at the first row not committed.
 * A row whose reference a file of the town already carries is left alone (importing the
 * same file twice creates nothing twice).
 */
export async function importBatch(
  ctx: ServiceContext & Pick<AppDeps, 'logger'>,
  town: Town,
  job: ImportJob,
  plan: PlannedRow[],
  start: number,
  count: number,
  leaseMs: number,
  finalNote?: ImportIssue,
): Promise<BatchOutcome> {
  const attempt = (mode: 'bulk' | 'one-by-one') =>
    withTransaction(ctx.pool, async (db) => {
      const state = await jobs.lockJob(db, job.id);
      // Another worker took the job over (our lease expired): leave it to them.
      if (!state || state.status !== 'running' || state.phase !== 'rows' || state.processedRows !== start) return 'lost' as const;
      const now = ctx.clock.now();
      const rows = plan.slice(start, start + count);
      const existing = await files.existingRefs(
        db,
        town.id,
        rows.flatMap((r) => (r.kind === 'family' ? [r.family.reference] : [])),
      );
      const issues: ImportIssue[] = [];
      const counts: jobs.BatchCounts = { ...jobs.NO_COUNTS, processedRows: rows.length };
      const toPlace: Extract<PlannedRow, { kind: 'family' }>[] = [];
      for (const row of rows) {
        if (row.kind === 'rejected') {
          counts.rowsRejected += 1;
          issues.push(...row.reasons.map((message) => ({ lineNumber: row.line, kind: 'rejected' as const, message })));
        } else if (row.kind === 'duplicate') {
          counts.rowsRejected += 1;
          issues.push({
            lineNumber: row.line,
            kind: 'rejected',
            message: `La référence « ${row.reference} » figure déjà ligne ${row.firstLine} du fichier : cette ligne est ignorée`,
          });
        } else if (existing.has(row.family.reference.toLowerCase())) {
          counts.familiesExisting += 1;
        } else toPlace.push(row);
      }
      const families = toPlace.map((r) => r.family);
      const placed =
        mode === 'bulk' ? await placeInBulk(db, town, job, families, now) : await placeOneByOne(ctx, db, town, job, families, now);
      const accounts: { adultId: string; line: number }[] = [];
      toPlace.forEach((row, i) => {
        const f = row.family;
        const p = placed[i]!;
        if (p.kind === 'existing') {
          counts.familiesExisting += 1;
          return;
        }
        if (p.kind === 'failed') {
          counts.rowsRejected += 1;
          issues.push({
            lineNumber: f.line,
            kind: 'rejected',
            message:
              "Cette ligne n'a pas pu être enregistrée à cause d'une erreur inattendue : importez le fichier de nouveau pour la reprendre",
          });
          return;
        }
        counts.familiesCreated += 1;
        counts.adultsCreated += f.adults.length;
        counts.childrenCreated += f.children.length;
        f.adults.forEach((adult, k) => {
          if (!adult.email) return;
          const firstLine = row.duplicateEmails.get(adult.index);
          if (firstLine !== undefined) {
            issues.push({
              lineNumber: f.line,
              kind: 'warning',
              message: `Adulte ${adult.index} : l'adresse ${adult.email} est déjà celle d'un adulte de la ligne ${firstLine} : aucun compte créé pour cet adulte`,
            });
            return;
          }
          accounts.push({ adultId: p.adultIds[k]!, line: f.line });
        });
      });
      if (accounts.length > 0) {
        await jobs.insertPendingAccounts(db, job.id, accounts);
        counts.accountsTotal = accounts.length;
      }
      if (finalNote && start + count >= plan.length) issues.push(finalNote);
      await jobs.insertIssues(db, job.id, issues);
      const leaseUntil = new Date(now.getTime() + leaseMs);
      await jobs.recordBatch(db, job.id, counts, leaseUntil);
      if (start + rows.length >= plan.length) await jobs.startAccountsPhase(db, job.id, leaseUntil);
      return 'done' as const;
    });
  try {
    return await attempt('bulk');
  } catch (err) {
    ctx.logger.warn({ err, jobId: job.id, start }, 'import batch failed in bulk, retried row by row');
    return attempt('one-by-one');
  }
}

// ---------------------------------------------------------------- phase 2: the accounts

export type AccountOutcome = 'created' | 'skipped' | 'none' | 'retry';

/**
 * Pre-creates the account of one adult still waiting, in its own transaction: the
 * accounts service hashes a temporary password (argon2, the costly part) and queues the
 * Création rapide mail; the adult is linked to the account and the creation audited in the
 * same transaction. Several of these run at once (one per core), each claiming a
 * different adult.
 */
export async function importOneAccount(
  ctx: ServiceContext & Pick<AppDeps, 'logger'>,
  town: Town,
  job: ImportJob,
  leaseMs: number,
): Promise<AccountOutcome> {
  try {
    return await withTransaction(ctx.pool, async (db) => {
      const pending = await jobs.claimPendingAccount(db, job.id);
      if (!pending) return 'none' as const;
      const now = ctx.clock.now();
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const input = {
        civility: pending.civility,
        lastName: pending.lastName,
        firstName: pending.firstNames,
        email: pending.email,
        familyId: pending.familyId,
      };
      let result: Awaited<ReturnType<typeof precreateAccount>>;
      try {
        result = await withSavepoint(db, () => precreateAccount(ctx, town, input, db));
      } catch (err) {
        if ((err as { constraint?: string }).constraint === 'accounts_username_idx') throw err;
        // Anything else would fail again at every try: the adult keeps no account, the job goes on.
        ctx.logger.error({ err, jobId: job.id, line: pending.lineNumber }, 'import account failed');
        await jobs.markAccount(db, job.id, pending.adultId, 'skipped');
        await jobs.insertIssues(db, job.id, [
          {
            lineNumber: pending.lineNumber,
            kind: 'warning',
            message: `${pending.firstNames} ${pending.lastName.toUpperCase()} : le compte n'a pas pu être créé à cause d'une erreur inattendue ; créez-le depuis le dossier famille (Création rapide)`,
          },
        ]);
        await jobs.recordAccount(db, job.id, 'skipped', leaseUntil);
        return 'skipped' as const;
      }
      if (result.kind !== 'created') {
        await jobs.markAccount(db, job.id, pending.adultId, 'skipped');
        await jobs.insertIssues(db, job.id, [
          {
            lineNumber: pending.lineNumber,
            kind: 'warning',
            message: `${pending.firstNames} ${pending.lastName.toUpperCase()} : l'adresse ${pending.email} est déjà celle d'un compte de l'Espace Famille : aucun compte créé`,
          },
        ]);
        await jobs.recordAccount(db, job.id, 'skipped', leaseUntil);
        return 'skipped' as const;
      }
      await files.linkAdultAccount(db, town.id, pending.adultId, result.account.id, now);
      await jobs.markAccount(db, job.id, pending.adultId, 'created');
      await audit(
        db,
        jobAudit(job, now, {
          action: 'account.precreate',
          targetType: 'account',
          targetId: result.account.id,
          details: { familyId: pending.familyId, adultId: pending.adultId, importJobId: job.id },
        }),
      );
      await jobs.recordAccount(db, job.id, 'created', leaseUntil);
      return 'created' as const;
    });
  } catch (err) {
    // Two accounts given the same username by concurrent transactions: the loser tries again.
    if ((err as { constraint?: string }).constraint === 'accounts_username_idx') return 'retry';
    throw err;
  }
}

/** The end of the job, with its summary in the audit log. */
export async function finishImport(
  ctx: ServiceContext & Pick<AppDeps, 'logger'>,
  job: ImportJob,
  failure: string | null = null,
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const state = await jobs.lockJob(db, job.id);
    // Two workers reaching the end together: the first one closes the job.
    if (state?.status !== 'running') return;
    const now = ctx.clock.now();
    const current = await jobs.findJob(db, job.townId, job.id);
    await jobs.finishJob(db, job.id, failure ? 'failed' : 'done', failure, now);
    await audit(
      db,
      jobAudit(job, now, {
        action: 'import.finish',
        targetType: 'import_job',
        targetId: job.id,
        details: {
          kind: job.kind,
          failure,
          familiesCreated: current?.familiesCreated ?? 0,
          familiesExisting: current?.familiesExisting ?? 0,
          rowsRejected: current?.rowsRejected ?? 0,
          accountsCreated: current?.accountsCreated ?? 0,
          accountsSkipped: current?.accountsSkipped ?? 0,
        },
      }),
    );
  });
}

export function todayOf(clock: Clock): string {
  return parisDay(clock.now());
}
