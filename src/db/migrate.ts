import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { installJobQueue } from '../jobs/queues.js';
import { MIGRATIONS_DIR } from '../lib/paths.js';

/** Any constant: both instances starting together must ask for the same lock. */
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Applies pending forward-only migrations (`migrations/NNNN_name.sql`), each in its own
 * transaction, under a session advisory lock so that two instances starting at once
 * apply each file exactly once. Then the job queue's own schema and queues (pg-boss migrates
 * its schema itself, under its own lock): still under ours, so it runs after our files.
 */
export async function migrate(pool: pg.Pool, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await client.query<{ name: string }>('select name from schema_migrations');
    const done = new Set(rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(path.join(dir, file), 'utf8');
      try {
        await client.query('begin');
        await client.query(sql);
        await client.query('insert into schema_migrations (name) values ($1)', [file]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
      logger.info({ migration: file }, 'migration applied');
    }
    if (dir === MIGRATIONS_DIR) await installJobQueue(client, logger);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
