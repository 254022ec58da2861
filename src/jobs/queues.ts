import { PgBoss, type Db, type Queue } from 'pg-boss';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import * as importJobs from '../repositories/import-jobs.repository.js';
import * as outbox from '../repositories/mail-outbox.repository.js';

/**
 * The job queue's tables live in their own schema, installed and upgraded by pg-boss itself
 * during our migrate step (ADR 0013).
 */
export const QUEUE_SCHEMA = 'pgboss';

export type QueueOptions = Omit<Queue, 'name'>;

export interface QueueDefinition {
  /** Retries, backoff, expiry: copied onto each job when it is sent. */
  options: QueueOptions;
  /** Recurring work: a cron expression (Europe/Paris). Any instance may send the job; pg-boss sends one per occurrence. */
  cron?: string;
  /** Jobs of this queue one process runs at once (each lane polls on its own). */
  concurrency?: number;
  /** How often an idle lane looks for a job, in seconds (default: the JobQueue's, 1 s). */
  pollingIntervalSeconds?: number;
  /** What it does, for the reader and the operator (getSchedules() shows the key). */
  description: string;
}

const DAY = 24 * 60 * 60;

/**
 * Every kind of background work, by name. Adding a recurring task (payments to check,
 * reminders) is one entry here with a `cron`, and its handler in `src/jobs/queue.ts`.
 */
export const QUEUES = {
  mail: {
    description: 'Sends one mail of mail_outbox (the job carries its id).',
    // ~10 s, 20 s, 40 s … capped at an hour: 33 attempts over at least a day (24.4 to 25.4 h,
    // shortestRetrySpanSeconds), so an SMTP outage of a day loses no mail (issue 12).
    options: { retryLimit: 32, retryDelay: 10, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 300, deleteAfterSeconds: 7 * DAY },
    concurrency: 2,
  },
  import: {
    description: 'Imports a file of known families (import_jobs row; its page shows the progress).',
    // The heartbeat is what hands a job whose process died to another instance (~30 s);
    // the expiry only bounds a job that still beats but never ends.
    options: { retryLimit: 20, retryDelay: 30, heartbeatSeconds: 30, expireInSeconds: 6 * 60 * 60, deleteAfterSeconds: 30 * DAY },
    concurrency: 1,
  },
  invoicing: {
    description: "Issues a régie's invoices of a month (invoicing_runs row; its page shows the progress).",
    // A run resumes with the families not yet invoiced; the heartbeat hands a dead worker's run on.
    options: { retryLimit: 20, retryDelay: 30, heartbeatSeconds: 30, expireInSeconds: 2 * 60 * 60, deleteAfterSeconds: 30 * DAY },
    concurrency: 1,
  },
  'purge-expired': {
    description:
      'Removes expired rate-limit windows, abandoned sign-up photos and absence drafts; closes invoicing runs nothing will resume.',
    cron: '*/10 * * * *',
    // The next occurrence is the retry; a job every ten minutes needs no quick polling.
    options: { retryLimit: 0, expireInSeconds: 600, deleteAfterSeconds: DAY },
    pollingIntervalSeconds: 30,
  },
  'payments-check': {
    description:
      'Asks the provider about online payments pending for more than five minutes and settles them (a lost notification is never a lost payment, ADR 0017).',
    cron: '*/5 * * * *',
    // The next occurrence is the retry: a provider down now is asked again in five minutes.
    options: { retryLimit: 0, expireInSeconds: 600, deleteAfterSeconds: DAY },
    pollingIntervalSeconds: 30,
  },
  'renewal-reminders': {
    description: 'Mails the families who have not finished a renewal campaign, N days before its close (once per family and reminder).',
    // Each morning; a reminder already sent is recorded, so a second run (or a retry) mails nobody twice.
    cron: '0 8 * * *',
    options: { retryLimit: 3, retryDelay: 300, expireInSeconds: 1800, deleteAfterSeconds: 7 * DAY },
    pollingIntervalSeconds: 60,
  },
  reminders: {
    description:
      'Mails the reminders due today: a booking deadline with nothing booked for the month, an unpaid invoice due soon (once per account, subject and period).',
    // Each morning; a reminder already sent is recorded, so a second run (or a retry) mails nobody twice.
    cron: '30 8 * * *',
    options: { retryLimit: 3, retryDelay: 300, expireInSeconds: 1800, deleteAfterSeconds: 7 * DAY },
    pollingIntervalSeconds: 60,
  },
} satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof QUEUES;

/**
 * The least time between a job's first failure and its last attempt, in seconds: pg-boss 12
 * waits `retryDelay × 2^min(16, n) × (½ + ½·random)` before retry n (1-based) with
 * `retryBackoff`, at most `retryDelayMax`; `retryDelay` each time without. Tells how long an
 * outage a queue rides out before its work is given up.
 */
export function shortestRetrySpanSeconds(options: QueueOptions): number {
  const delay = options.retryDelay ?? 0;
  let total = 0;
  for (let n = 1; n <= (options.retryLimit ?? 0); n += 1) {
    const wait = options.retryBackoff ? Math.max(delay, 1) * (2 ** Math.min(16, n) / 2) : delay;
    total += options.retryDelayMax != null ? Math.min(options.retryDelayMax, wait) : wait;
  }
  return total;
}

/** Lets pg-boss run its statements on our pool, or on a transaction's client (the `db` option of send()). */
export function asBossDb(db: Queryable): Db {
  return {
    // A script of several statements answers with one result per statement: pg-boss reads them all.
    executeSql: (text: string, values?: unknown[]) => db.query(text, values && values.length > 0 ? values : undefined),
  };
}

/** Creates missing queues and brings existing ones to the options written here. */
export async function ensureQueues(boss: PgBoss, queues: Record<string, QueueDefinition>): Promise<void> {
  for (const [name, def] of Object.entries(queues)) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, def.options);
    else await boss.createQueue(name, def.options);
  }
}

/**
 * Part of the migrate step: installs or upgrades pg-boss's schema (pg-boss migrates under its
 * own advisory lock), creates the queues, and gives a job to the mails and imports left
 * waiting by the hand-written workers before this version (rows without a job_id). Runs on
 * the migrate step's own connection (one session: pg-boss's statements queue behind each other).
 */
export async function installJobQueue(client: pg.PoolClient, logger: Logger): Promise<void> {
  const boss = new PgBoss({
    db: asBossDb(client),
    schema: QUEUE_SCHEMA,
    migrate: true,
    supervise: false,
    schedule: false,
    registerInstance: false,
  });
  boss.on('error', (err) => logger.warn({ err }, 'job queue installation'));
  await boss.start();
  try {
    await ensureQueues(boss, QUEUES);
    try {
      await client.query('begin');
      const mails = await outbox.lockUnqueuedMails(client);
      for (const id of mails) {
        const jobId = await boss.send('mail', { mailId: id }, { db: asBossDb(client) });
        if (jobId) await outbox.setMailJob(client, id, jobId);
      }
      const imports = await importJobs.lockUnqueuedJobs(client);
      for (const id of imports) {
        const jobId = await boss.send('import', { importId: id }, { db: asBossDb(client) });
        if (jobId) await importJobs.setQueueJob(client, id, jobId);
      }
      await client.query('commit');
      if (mails.length + imports.length > 0) {
        logger.info({ mails: mails.length, imports: imports.length }, 'queued work left by the previous workers');
      }
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
}
