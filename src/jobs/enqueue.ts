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
