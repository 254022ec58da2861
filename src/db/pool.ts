import pg from 'pg';
import type { Logger } from 'pino';

/** Dates stay 'YYYY-MM-DD' strings: a calendar day has no time zone and must not become a Date. */
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
/** bigint counts (count(*)) fit comfortably in a JS number here. */
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** What repositories take first: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export function createPool(connectionString: string, logger: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A stuck query or a forgotten transaction must not hold a connection forever.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'espace-famille',
  });
  // An idle client losing its connection (database restart) emits here; without a
  // listener the process would crash. The pool drops the client and makes a new one.
  pool.on('error', (err) => logger.warn({ err }, 'idle database client error'));
  // A client checked out (a transaction between two statements) has no pool listener: the server
  // ending its connection then (a restart, a shutdown: 57P01) would throw an unhandled 'error' and
  // end the process. Its next statement fails instead, and the pool drops it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err }, 'database client lost its connection'));
  });
  return pool;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/** A unique index refused the row (of `constraint` when given): two writers raced for one value. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && (!constraint || e.constraint === constraint);
}

/**
 * Runs `work` in one transaction. Serialization failures and deadlocks are retried a
 * bounded number of times, so `work` must be safe to run again (no side effects outside
 * the database: emails go through the outbox table, inside the same transaction).
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { isolation?: 'read committed' | 'repeatable read' | 'serializable'; retries?: number } = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query(options.isolation ? `begin isolation level ${options.isolation}` : 'begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < retries) continue;
      throw err;
    } finally {
      client.release();
    }
  }
}

/**
 * Inside a transaction: waits for, then holds until the commit, a lock on `key`, so two
 * transactions doing the same thing (two agents enrolling the same child) run one after the other.
 */
export async function lockForTransaction(db: Queryable, key: string): Promise<void> {
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
}

/**
 * Runs `work` in the caller's transaction under a savepoint: if it throws, its own writes
 * alone are undone and the transaction may go on; the error is rethrown for the caller to
 * judge. Nested calls are fine (a rollback goes to the innermost savepoint of that name).
 */
export async function withSavepoint<T>(db: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await db.query('savepoint work');
  try {
    const result = await work();
    await db.query('release savepoint work');
    return result;
  } catch (err) {
    await db.query('rollback to savepoint work');
    throw err;
  }
}
