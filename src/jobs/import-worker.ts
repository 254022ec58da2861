import os from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { finishImport, importBatch, importOneAccount, planFile, todayOf, townOfJob } from '../features/imports/import.service.js';
import { importReprise } from '../features/imports/reprise.service.js';
import type { Clock } from '../lib/clock.js';
import * as jobs from '../repositories/import-jobs.repository.js';
import type { ImportJob } from '../repositories/import-jobs.repository.js';
import type { Town } from '../repositories/towns.repository.js';
import type { AppDeps, ServiceContext } from '../deps.js';

export interface ImportWorkerOptions {
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Rows per transaction in the first phase. */
  batchSize?: number;
  /** Accounts pre-created at once (each hashes a password): the number of cores, by default. */
  concurrency?: number;
  /** How long a claimed import is reserved for this worker without news from it. */
  leaseSeconds?: number;
}

/** The import is held by another worker whose lease still runs: the queue tries again later. */
export class ImportHeldError extends Error {}

/**
 * Processes an import of known families: `run(id)` is the handler of the queue "import"
 * (src/jobs/queue.ts), which hands the job to another instance if this process dies. The
 * import row keeps its lease as a fence: a job taken over after an expiry cannot race the
 * process that still runs it (every batch checks it still holds the import). Two phases:
 *
 * 1. the rows, in batches of `batchSize` per transaction: family files, adults, children;
 *    fast (plain inserts), so families appear in the back-office within seconds;
 * 2. the accounts of adults with an email, one per transaction, `concurrency` at a time:
 *    each costs an argon2 hash of its temporary password (~25 ms of one core), the
 *    bottleneck of a large import — running them on every core is what makes it fast.
 *
 * Tests and scripts call `runOnce()` by hand: it claims the oldest import nobody holds.
 */
export class ImportWorker {
  #stopped = false;
  readonly #ctx: ServiceContext & Pick<AppDeps, 'logger'>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ImportWorkerOptions,
  ) {
    this.#ctx = { pool, clock: options.clock, config: options.config, logger: options.logger };
  }

  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? Math.min(os.availableParallelism(), this.options.config.argon2MaxConcurrency));
  }

  /**
   * Takes the import `id` as far as it can. Returns when it is done (or was already); throws
   * ImportHeldError while another live worker holds it, and an error when stopped midway, so
   * that the queue retries the job.
   */
  async run(id: string): Promise<void> {
    const job = await jobs.claimJobById(this.pool, id, this.options.clock.now(), this.#leaseSeconds);
    if (!job) {
      const status = await jobs.jobStatus(this.pool, id);
      if (status === 'pending' || status === 'running') throw new ImportHeldError(`import ${id} is held by another worker`);
      return; // done, failed, or deleted with its town
    }
    const { content, ...rest } = job;
    await this.#process(rest, content);
    if (this.#stopped) throw new Error(`import ${id} interrupted by a shutdown, will resume`);
  }

  /**
   * Claims one job and takes it as far as it can; false when there was nothing to do. With
   * no job to claim, helps another worker's job through its accounts: they are claimed one
   * by one with SKIP LOCKED, so every instance (and every core) can share that phase.
   */
  async runOnce(): Promise<boolean> {
    const job = await jobs.claimJob(this.pool, this.options.clock.now(), this.#leaseSeconds);
    if (!job) return this.#help();
    const { content, ...rest } = job;
    try {
      await this.#process(rest, content);
    } catch (err) {
      // Left running: the lease expires and the job is tried again from where it stopped.
      this.options.logger.error({ err, jobId: job.id }, 'import job failed, will resume');
      throw err;
    }
    return true;
  }

  get #leaseSeconds(): number {
    return this.options.leaseSeconds ?? 60;
  }

  async #process(job: ImportJob, content: Buffer): Promise<void> {
    const log = this.options.logger.child({ jobId: job.id });
    const town = await townOfJob(this.pool, job);
    if (!town) return finishImport(this.#ctx, job, 'La commune de cet import n’existe plus.');
    const leaseMs = this.#leaseSeconds * 1000;

    if (job.kind !== 'familles') {
      // The old portal's other exports: one transaction for the file, no accounts phase (ADR 0025).
      const outcome = await importReprise(
        this.#ctx,
        town,
        { ...job, kind: job.kind },
        content.toString('utf8'),
        todayOf(this.options.clock),
        leaseMs,
      );
      if (outcome === 'lost') return;
      await finishImport(this.#ctx, job, outcome === 'done' ? null : outcome.failure);
      log.info('import processed');
      return;
    }

    if (job.phase === 'rows') {
      const plan = planFile(content.toString('utf8'), todayOf(this.options.clock));
      if (!plan.ok) return finishImport(this.#ctx, job, plan.message);
      const note = plan.unterminatedQuoteAt
        ? {
            lineNumber: plan.unterminatedQuoteAt,
            kind: 'rejected' as const,
            message: 'Un guillemet ouvert sur cette ligne n’est jamais fermé : la suite du fichier n’a pas pu être lue',
          }
        : undefined;
      const size = this.options.batchSize ?? 250;
      let start = job.processedRows;
      if (plan.rows.length === 0) {
        // Nothing readable (the upload checks make this rare): close the phase in one step.
        if ((await importBatch(this.#ctx, town, job, plan.rows, 0, 0, leaseMs, note)) === 'lost') return;
      }
      while (start < plan.rows.length) {
        if (this.#stopped) return this.#release(job);
        const outcome = await importBatch(this.#ctx, town, job, plan.rows, start, size, leaseMs, note);
        if (outcome === 'lost') {
          log.warn('import job taken over by another worker');
          return;
        }
        start += size;
      }
      log.info({ rows: plan.rows.length }, 'import rows done');
    }

    await this.#accounts(job, town);
    if (this.#stopped) return this.#release(job);
    log.info('import processed');
  }

  /** Phase 2: the lanes share the pending accounts through SKIP LOCKED claims; the last one out closes the job. */
  async #accounts(job: ImportJob, town: Town): Promise<number> {
    const leaseMs = this.#leaseSeconds * 1000;
    let handled = 0;
    const lane = async () => {
      for (;;) {
        if (this.#stopped) return;
        const outcome = await importOneAccount(this.#ctx, town, job, leaseMs);
        if (outcome === 'none') return;
        handled += 1;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, lane));
    if (this.#stopped) return handled;
    if (await jobs.hasPendingAccounts(this.pool, job.id)) return handled; // still claimed by another worker
    await finishImport(this.#ctx, job);
    return handled;
  }

  /** True when it did some work (an idle helper must not spin on accounts another worker holds). */
  async #help(): Promise<boolean> {
    const job = await jobs.findJobNeedingAccounts(this.pool);
    if (!job) return false;
    const town = await townOfJob(this.pool, job);
    if (!town) return false;
    return (await this.#accounts(job, town)) > 0;
  }

  /** On a clean stop the job is handed back at once instead of waiting for its lease. */
  async #release(job: ImportJob): Promise<void> {
    await jobs.releaseLease(this.pool, job.id);
  }

  /** Asks a running import to stop between two steps and hand its lease back. */
  stop(): void {
    this.#stopped = true;
  }
}
