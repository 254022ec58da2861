import type { PgBoss, SendOptions } from 'pg-boss';
import type { Queryable } from '../db/pool.js';
import { asBossDb, type QueueDefinition } from './queues.js';

/**
 * Sending a job, apart from the queue that runs them (queue.ts): what queues a job (a mail, an
 * import) must not import the workers, which import what queues jobs.
 */

interface Producer {
  boss: PgBoss;
  queues: Record<string, Pick<QueueDefinition, 'options'>>;
}

/** Started queues of this process; the latest sends (a process normally has one). */
const producers: Producer[] = [];

/** Called by a JobQueue as it starts, and with `false` as it stops. */
export function useProducer(producer: Producer, active: boolean): void {
  const index = producers.findIndex((p) => p.boss === producer.boss);
  if (index >= 0) producers.splice(index, 1);
  if (active) producers.push(producer);
}

/**
 * Queues a job with the caller's `db`: the transaction's client, so the job exists if and
 * only if the change that causes it commits. Needs a started JobQueue in this process.
 */
export async function enqueueJob(db: Queryable, name: string, data: Record<string, unknown>, options: SendOptions = {}): Promise<string> {
  const producer = producers[producers.length - 1];
  if (!producer) throw new Error('no job queue is started in this process');
  const id = await producer.boss.send(name, data, { ...producer.queues[name]?.options, ...options, db: asBossDb(db) });
  if (!id) throw new Error(`job ${name} was not queued`);
  return id;
}

/**
 * Several jobs of one queue in one statement (pg-boss's `insert`), each with the queue's
 * options as `enqueueJob` gives them, with the caller's `db` (same rule). Their ids are the
 * caller's, so that what refers to them is written before.
 */
export async function enqueueJobs(db: Queryable, name: string, jobs: Array<{ id: string; data: Record<string, unknown> }>): Promise<void> {
  if (jobs.length === 0) return;
  const producer = producers[producers.length - 1];
  if (!producer) throw new Error('no job queue is started in this process');
  const options = producer.queues[name]?.options ?? {};
  const ids = await producer.boss.insert(
    name,
    jobs.map((job) => ({ ...options, ...job })),
    { db: asBossDb(db), returnId: true },
  );
  if (!ids || ids.length !== jobs.length) throw new Error(`jobs ${name} were not queued`);
}
