import { PgBoss, type JobWithMetadata } from 'pg-boss';
import type { AppDeps, ServiceContext } from '../deps.js';
import { useProducer } from './enqueue.js';
import { giveUpInvoicingRun, runInvoicing, RunHeldError } from '../features/billing/invoicing.service.js';
import { checkPending } from '../features/payments/payments.service.js';
import { sendReminders } from '../features/renewal/renewal.service.js';
import { sendDueReminders } from '../features/reminders/reminders.service.js';
import { housekeep } from './housekeeping.js';
import { ImportWorker } from './import-worker.js';
import { createDelivery, sendOutboxMail, type Delivery } from './mail-worker.js';
import { asBossDb, ensureQueues, QUEUE_SCHEMA, QUEUES, type QueueDefinition, type QueueName } from './queues.js';

/** A job runs services: it is given what they are, plus a logger and the mail delivery. */
export type JobContext = ServiceContext & Pick<AppDeps, 'logger'> & { delivery: Delivery };

export type JobHandler = (ctx: JobContext, data: Record<string, unknown>, job: JobWithMetadata<Record<string, unknown>>) => Promise<void>;

export interface Task extends QueueDefinition {
  run: JobHandler;
}

/** The handlers of the queues of src/jobs/queues.ts. */
export const TASKS: Record<QueueName, Task> = {
  mail: { ...QUEUES.mail, run: (ctx, data, job) => sendOutboxMail(ctx, String(data.mailId), job) },
  import: {
    ...QUEUES.import,
    run: async (ctx, data, job) => {
      const worker = new ImportWorker(ctx.pool, { clock: ctx.clock, config: ctx.config, logger: ctx.logger });
      // Aborted when pg-boss stops waiting for it (shutdown timeout, claim lost): the import then
      // stops between two steps. A job taken by fetch() (runDue) has no signal.
      const signal = job.signal as AbortSignal | undefined;
      const stop = () => worker.stop();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        await worker.run(String(data.importId));
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    },
  },
  invoicing: {
    ...QUEUES.invoicing,
    run: async (ctx, data, job) => {
      try {
        await runInvoicing(ctx, String(data.runId));
      } catch (err) {
        // The last attempt: the run is closed as failed so the month can be started again.
        if (!(err instanceof RunHeldError) && job.retryCount >= job.retryLimit) await giveUpInvoicingRun(ctx, String(data.runId));
        throw err;
      }
    },
  },
  'purge-expired': { ...QUEUES['purge-expired'], run: (ctx) => housekeep(ctx.pool, ctx.clock) },
  'payments-check': {
    ...QUEUES['payments-check'],
    run: async (ctx) => {
      await checkPending(ctx);
    },
  },
  'renewal-reminders': {
    ...QUEUES['renewal-reminders'],
    run: async (ctx) => {
      const families = await sendReminders(ctx);
      if (families > 0) ctx.logger.info({ families }, 'renewal reminders mailed');
    },
  },
  reminders: {
    ...QUEUES.reminders,
    run: async (ctx) => {
      const mails = await sendDueReminders(ctx);
      if (mails > 0) ctx.logger.info({ mails }, 'deadline reminders mailed');
    },
  },
};

export interface JobQueueOptions extends ServiceContext, Pick<AppDeps, 'logger'> {
  /** The queues and their handlers (default TASKS); tests add their own. */
  tasks?: Record<string, Task>;
  /** Which queues this process works on: all (default), none (a producer: tests, the CLI), or some. */
  work?: boolean | string[];
  /** Whether this process sends the jobs of the cron schedules (several may: pg-boss sends one per occurrence). */
  schedule?: boolean;
  /** Whether this process fails expired jobs and runs pg-boss's maintenance (several may: they take turns). */
  supervise?: boolean;
  /**
   * How often expired jobs (and lost heartbeats) are looked for, in seconds (default 60): with
   * the queue's expiry, how late the job of a dead worker is retried.
   */
  superviseIntervalSeconds?: number;
  /** How often an idle worker looks for a job, in seconds (≥ 0.5). */
  pollingIntervalSeconds?: number;
}

/**
 * The one job queue (pg-boss, ADR 0013) of a process: mail, imports and the recurring tasks.
 * It shares the app's pool: its statements are short, and a process opens no extra connections.
 */
export class JobQueue {
  readonly boss: PgBoss;
  readonly #ctx: JobContext;
  readonly #tasks: Record<string, Task>;

  constructor(private readonly options: JobQueueOptions) {
    this.#tasks = options.tasks ?? TASKS;
    this.#ctx = {
      pool: options.pool,
      clock: options.clock,
      config: options.config,
      logger: options.logger,
      delivery: createDelivery(options.config.smtpUrl),
    };
    this.boss = new PgBoss({
      db: asBossDb(options.pool),
      schema: QUEUE_SCHEMA,
      migrate: false, // done by the migrate step (installJobQueue)
      schedule: options.schedule ?? false,
      supervise: options.supervise ?? false,
      // Expiry is checked by the monitor pass, which waits for both timers.
      superviseIntervalSeconds: options.superviseIntervalSeconds ?? 60,
      monitorIntervalSeconds: options.superviseIntervalSeconds ?? 60,
    });
    this.boss.on('error', (err) => options.logger.warn({ err }, 'job queue error'));
  }

  async start(): Promise<this> {
    await this.boss.start();
    if (this.options.tasks) await ensureQueues(this.boss, this.options.tasks);
    useProducer({ boss: this.boss, queues: this.#tasks }, true);
    if (this.options.schedule) {
      for (const [name, task] of Object.entries(this.#tasks)) {
        if (task.cron) await this.boss.schedule(name, task.cron, {}, { tz: 'Europe/Paris' });
      }
    }
    const work = this.options.work ?? true;
    for (const name of Object.keys(this.#tasks)) {
      if (work === false || (Array.isArray(work) && !work.includes(name))) continue;
      const task = this.#tasks[name]!;
      await this.boss.work(
        name,
        {
          includeMetadata: true,
          localConcurrency: task.concurrency ?? 1,
          pollingIntervalSeconds: task.pollingIntervalSeconds ?? this.options.pollingIntervalSeconds ?? 1,
        },
        async ([job]: JobWithMetadata<Record<string, unknown>>[]) => {
          if (job) await this.#run(name, job);
        },
      );
    }
    return this;
  }

  async #run(name: string, job: JobWithMetadata<Record<string, unknown>>): Promise<void> {
    try {
      await this.#tasks[name]!.run(this.#ctx, job.data ?? {}, job);
    } catch (err) {
      const last = job.retryCount >= job.retryLimit;
      this.options.logger[last ? 'error' : 'warn'](
        { err, queue: name, jobId: job.id, retryCount: job.retryCount },
        last ? 'job given up' : 'job failed, will retry',
      );
      throw err;
    }
  }

  /**
   * Runs the due jobs of a queue here and now, until none is due, and says how many ran.
   * For tests (deliverMail) and scripts; the workers of start() do the same in the background.
   */
  async runDue(name: string): Promise<number> {
    let total = 0;
    for (;;) {
      const jobs = await this.boss.fetch<Record<string, unknown>>(name, { batchSize: 20, includeMetadata: true });
      if (jobs.length === 0) return total;
      // pg-boss takes the batch in creation order but returns it in no set order (UPDATE …
      // RETURNING): run it oldest first, as a parent who asked twice expects the mails.
      jobs.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime());
      for (const job of jobs) {
        try {
          await this.#run(name, job);
          await this.boss.complete(name, job);
        } catch (err) {
          await this.boss.fail(name, job, { message: String((err as Error).message) });
        }
        total += 1;
      }
    }
  }

  /** Lets running jobs finish (up to `timeoutMs`), then stops; a job still running is retried elsewhere. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.boss.stop({ graceful: true, close: false, timeout: timeoutMs });
    useProducer({ boss: this.boss, queues: this.#tasks }, false);
    this.#ctx.delivery.close();
  }
}
