import type { Queryable } from '../db/pool.js';
import type { ImportKind } from '../features/imports/reprise-format.js';

/** Imports of known families (see src/jobs/import-worker.ts for how they are processed: one job of the queue "import"). */

export type ImportStatus = 'pending' | 'running' | 'done' | 'failed';

/** What a batch of rows has done so far, added to the job's counters. */
export interface BatchCounts {
  processedRows: number;
  familiesCreated: number;
  familiesExisting: number;
  adultsCreated: number;
  childrenCreated: number;
  rowsRejected: number;
  accountsTotal: number;
}

export const NO_COUNTS: Readonly<BatchCounts> = {
  processedRows: 0,
  familiesCreated: 0,
  familiesExisting: 0,
  adultsCreated: 0,
  childrenCreated: 0,
  rowsRejected: 0,
  accountsTotal: 0,
};

export interface ImportJob extends BatchCounts {
  id: string;
  townId: string;
  agentId: string | null;
  actorLabel: string;
  ip: string | null;
  fileName: string;
  /** Which file it is (migration 0039): the families, or another export of the old portal. */
  kind: ImportKind;
  status: ImportStatus;
  phase: 'rows' | 'accounts';
  totalRows: number;
  accountsCreated: number;
  accountsSkipped: number;
  failure: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const JOB_COLUMNS = `id, town_id as "townId", agent_id as "agentId", actor_label as "actorLabel", ip, file_name as "fileName", kind, status, phase,
  total_rows as "totalRows", processed_rows as "processedRows", families_created as "familiesCreated",
  families_existing as "familiesExisting", adults_created as "adultsCreated", children_created as "childrenCreated",
  rows_rejected as "rowsRejected", accounts_total as "accountsTotal", accounts_created as "accountsCreated",
  accounts_skipped as "accountsSkipped", failure, created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;

export async function insertJob(
  db: Queryable,
  j: {
    jobId: string;
    townId: string;
    agentId: string | null;
    actorLabel: string;
    ip: string | null;
    fileName: string;
    content: Buffer;
    totalRows: number;
    now: Date;
    kind?: ImportKind;
  },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into import_jobs (town_id, agent_id, actor_label, ip, file_name, content, total_rows, created_at, job_id, kind)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
    [j.townId, j.agentId, j.actorLabel, j.ip, j.fileName, j.content, j.totalRows, j.now, j.jobId, j.kind ?? 'familles'],
  );
  return rows[0]!.id;
}

export async function findJob(db: Queryable, townId: string, id: string): Promise<ImportJob | undefined> {
  const { rows } = await db.query<ImportJob>(`select ${JOB_COLUMNS} from import_jobs where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

export async function listJobs(db: Queryable, townId: string, limit = 10): Promise<ImportJob[]> {
  const { rows } = await db.query<ImportJob>(
    `select ${JOB_COLUMNS} from import_jobs where town_id = $1 order by created_at desc, id limit $2`,
    [townId, limit],
  );
  return rows;
}

export interface ImportIssue {
  lineNumber: number;
  kind: 'rejected' | 'warning';
  message: string;
}

export async function listIssues(
  db: Queryable,
  jobId: string,
  kind: ImportIssue['kind'],
  limit: number,
): Promise<{ rows: ImportIssue[]; total: number }> {
  const { rows } = await db.query<ImportIssue & { total: number }>(
    `select line_number as "lineNumber", kind, message, count(*) over ()::int as total
       from import_job_issues where job_id = $1 and kind = $2 order by line_number, id limit $3`,
    [jobId, kind, limit],
  );
  return { rows: rows.map(({ total: _t, ...r }) => r), total: rows[0]?.total ?? 0 };
}

/** The adults of a batch who get an account in the second phase. */
export async function insertPendingAccounts(db: Queryable, jobId: string, accounts: { adultId: string; line: number }[]): Promise<void> {
  if (accounts.length === 0) return;
  await db.query(
    `insert into import_job_accounts (job_id, adult_id, line_number)
     select $1, a.adult_id, a.line_number from unnest($2::uuid[], $3::int[]) as a(adult_id, line_number)`,
    [jobId, accounts.map((a) => a.adultId), accounts.map((a) => a.line)],
  );
}

export async function insertIssues(db: Queryable, jobId: string, issues: ImportIssue[]): Promise<void> {
  if (issues.length === 0) return;
  await db.query(
    `insert into import_job_issues (job_id, line_number, kind, message)
     select $1, i.line_number, i.kind, i.message from unnest($2::int[], $3::text[], $4::text[]) as i(line_number, kind, message)`,
    [jobId, issues.map((i) => i.lineNumber), issues.map((i) => i.kind), issues.map((i) => i.message)],
  );
}

// ---------------------------------------------------------------- worker side

/**
 * Claims the oldest job nobody holds: pending, or running with an expired lease (its
 * process died). FOR UPDATE SKIP LOCKED, so two instances never take the same one.
 */
export async function claimJob(db: Queryable, now: Date, leaseSeconds: number): Promise<(ImportJob & { content: Buffer }) | undefined> {
  const { rows } = await db.query<ImportJob & { content: Buffer }>(
    `with next as (
       select id from import_jobs
        where status in ('pending', 'running') and (lease_until is null or lease_until <= $1)
        order by created_at, id
        limit 1
        for update skip locked
     )
     update import_jobs j set status = 'running', lease_until = $1::timestamptz + make_interval(secs => $2),
            started_at = coalesce(j.started_at, $1)
       from next where j.id = next.id
     returning ${JOB_COLUMNS.replace(/^id,/, 'j.id,')}, j.content`,
    [now, leaseSeconds],
  );
  return rows[0];
}

/** Claims this job when nobody holds it (pending, or running with an expired lease): the queue's handler. */
export async function claimJobById(
  db: Queryable,
  id: string,
  now: Date,
  leaseSeconds: number,
): Promise<(ImportJob & { content: Buffer }) | undefined> {
  const { rows } = await db.query<ImportJob & { content: Buffer }>(
    `update import_jobs j set status = 'running', lease_until = $2::timestamptz + make_interval(secs => $3),
            started_at = coalesce(j.started_at, $2)
      where j.id = $1 and j.status in ('pending', 'running') and (j.lease_until is null or j.lease_until <= $2)
     returning ${JOB_COLUMNS.replace(/^id,/, 'j.id,')}, j.content`,
    [id, now, leaseSeconds],
  );
  return rows[0];
}

/** Locks the job for one step and says whether this worker still holds it at `processedRows`. */
export async function lockJob(
  db: Queryable,
  id: string,
): Promise<{ status: ImportStatus; phase: 'rows' | 'accounts'; processedRows: number } | undefined> {
  const { rows } = await db.query<{ status: ImportStatus; phase: 'rows' | 'accounts'; processedRows: number }>(
    `select status, phase, processed_rows as "processedRows" from import_jobs where id = $1 for update`,
    [id],
  );
  return rows[0];
}

export async function recordBatch(db: Queryable, id: string, c: BatchCounts, leaseUntil: Date): Promise<void> {
  await db.query(
    `update import_jobs set processed_rows = processed_rows + $2, families_created = families_created + $3,
            families_existing = families_existing + $4, adults_created = adults_created + $5, children_created = children_created + $6,
            rows_rejected = rows_rejected + $7, accounts_total = accounts_total + $8, lease_until = $9
      where id = $1`,
    [
      id,
      c.processedRows,
      c.familiesCreated,
      c.familiesExisting,
      c.adultsCreated,
      c.childrenCreated,
      c.rowsRejected,
      c.accountsTotal,
      leaseUntil,
    ],
  );
}

export async function startAccountsPhase(db: Queryable, id: string, leaseUntil: Date): Promise<void> {
  await db.query(`update import_jobs set phase = 'accounts', lease_until = $2 where id = $1`, [id, leaseUntil]);
}

export async function recordAccount(db: Queryable, id: string, outcome: 'created' | 'skipped', leaseUntil: Date): Promise<void> {
  await db.query(
    `update import_jobs set accounts_created = accounts_created + $2, accounts_skipped = accounts_skipped + $3, lease_until = $4
      where id = $1`,
    [id, outcome === 'created' ? 1 : 0, outcome === 'skipped' ? 1 : 0, leaseUntil],
  );
}

export async function extendLease(db: Queryable, id: string, leaseUntil: Date): Promise<void> {
  await db.query(`update import_jobs set lease_until = greatest(lease_until, $2) where id = $1 and status = 'running'`, [id, leaseUntil]);
}

/** The end of a job: its file is no longer kept (the rows now live in the family files). */
export async function finishJob(db: Queryable, id: string, status: 'done' | 'failed', failure: string | null, now: Date): Promise<void> {
  await db.query(
    `update import_jobs set status = $2, failure = $3, finished_at = $4, lease_until = null, content = ''::bytea where id = $1`,
    [id, status, failure, now],
  );
}

export interface PendingAccount {
  adultId: string;
  lineNumber: number;
  familyId: string;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  email: string;
}

/** One adult still waiting for its account, claimed for this transaction (others skip it). */
export async function claimPendingAccount(db: Queryable, jobId: string): Promise<PendingAccount | undefined> {
  const { rows } = await db.query<PendingAccount>(
    `select ija.adult_id as "adultId", ija.line_number as "lineNumber", fa.family_id as "familyId", fa.civility,
            fa.last_name as "lastName", fa.first_names as "firstNames", fa.email
       from import_job_accounts ija join family_adults fa on fa.id = ija.adult_id
      where ija.job_id = $1 and ija.status = 'pending'
      order by ija.line_number, ija.adult_id
      limit 1
      for update of ija skip locked`,
    [jobId],
  );
  return rows[0];
}

export async function markAccount(db: Queryable, jobId: string, adultId: string, status: 'created' | 'skipped'): Promise<void> {
  await db.query(`update import_job_accounts set status = $3 where job_id = $1 and adult_id = $2`, [jobId, adultId, status]);
}

/** A job in its accounts phase with accounts nobody has claimed yet, for a worker with nothing else to do. */
export async function findJobNeedingAccounts(db: Queryable): Promise<ImportJob | undefined> {
  const { rows } = await db.query<ImportJob>(
    `select ${JOB_COLUMNS} from import_jobs j
      where status = 'running' and phase = 'accounts'
        and exists (select 1 from import_job_accounts a where a.job_id = j.id and a.status = 'pending')
      order by created_at limit 1`,
  );
  return rows[0];
}

export async function hasPendingAccounts(db: Queryable, jobId: string): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from import_job_accounts where job_id = $1 and status = 'pending' limit 1`, [jobId]);
  return (rowCount ?? 0) > 0;
}

/**
 * The status of an import, whichever its town: the worker has only the id its job carries.
 * Undefined once the import is deleted (with its town).
 */
export async function jobStatus(db: Queryable, id: string): Promise<ImportJob['status'] | undefined> {
  const { rows } = await db.query<{ status: ImportJob['status'] }>('select status from import_jobs where id = $1', [id]);
  return rows[0]?.status;
}

/** Hands a running import back at once (a clean stop) instead of waiting for its lease to end. */
export async function releaseLease(db: Queryable, id: string): Promise<void> {
  await db.query(`update import_jobs set lease_until = null where id = $1 and status = 'running'`, [id]);
}

/** Imports left unfinished before the job queue existed (no job yet), locked until the caller's commit. */
export async function lockUnqueuedJobs(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from import_jobs where status in ('pending', 'running') and job_id is null for update`,
  );
  return rows.map((r) => r.id);
}

export async function setQueueJob(db: Queryable, id: string, jobId: string): Promise<void> {
  await db.query('update import_jobs set job_id = $2 where id = $1', [id, jobId]);
}
