import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadDemoData } from '../../src/db/demo-data.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';

export const TEMPLATE_DB = 'ef_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * One PostgreSQL server for the whole run: the embedded one, or TEST_DATABASE_URL's.
 * A template database is migrated and filled with the demo towns once; each test file
 * clones it (see database.ts).
 */
export default async function setup(project: TestProject) {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  // One line per run saying which node runs the tests (scripts/node24.sh puts Node 24 first);
  // the test workers are forked from this process's binary.
  console.log(`tests on Node ${process.version} (${process.execPath})`);
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let dataDir: string | undefined;
  if (!adminUrl) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-test-pg-'));
    fs.chmodSync(dataDir, 0o755);
    const port = 55000 + Math.floor(Math.random() * 5000);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port, logger, persistent: false });
    adminUrl = embedded.adminUrl;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB}`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const pool = new pg.Pool({ connectionString: templateUrl.toString(), max: 2 });
  await migrate(pool, logger);
  await loadDemoData(pool);
  await pool.end();
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);

  return async () => {
    await embedded?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
