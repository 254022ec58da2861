import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { createTestDatabase, type TestDatabase } from './database.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'served-app-main.ts');

export interface ServedApp {
  db: TestDatabase;
  /** http://127.0.0.1:<port> of the current process. */
  url(): string;
  /** A supertest agent on the served app, keeping cookies like a browser (across restarts). */
  agent(): supertest.Agent;
  /** Kills the process (a hung one included) and starts a fresh one on the same database. */
  restart(): Promise<void>;
  /** Restarts the process unless it answers its health check within a second. */
  ensureAlive(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real app on its own cloned database, served by a child process at a fixed instant:
 * a request that hangs (even in a synchronous loop) times out on the test's side, and the
 * test goes on after `restart()`. Sessions live in the database, so they survive a restart.
 */
export async function serveTestApp(options: { now: string }): Promise<ServedApp> {
  const db = await createTestDatabase();
  let child: ChildProcess | undefined;
  // The first process takes a free port; a restarted one the same, so agents keep working.
  let port = 0;
  let base = '';

  async function start(): Promise<void> {
    const started = await spawnApp(db.url, options.now, port);
    child = started.proc;
    port = started.port;
    base = `http://127.0.0.1:${port}`;
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    await kill(proc);
  }

  await start();
  return {
    db,
    url: () => base,
    agent: () => supertest.agent(base),
    restart: async () => {
      await stop();
      await start();
    },
    ensureAlive: async () => {
      const alive = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (!alive) {
        await stop();
        await start();
      }
    },
    close: async () => {
      await stop();
      await db.drop();
    },
  };
}

/**
 * Another process of the real app on an existing database: several instances behind one
 * proxy (issue 20). Its clock is fixed at `now`, like serveTestApp's.
 */
export async function serveOnDatabase(db: TestDatabase, options: { now: string }): Promise<{ url: string; close(): Promise<void> }> {
  const { proc, port } = await spawnApp(db.url, options.now, 0);
  return { url: `http://127.0.0.1:${port}`, close: () => kill(proc) };
}

async function spawnApp(databaseUrl: string, now: string, port: number): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, SERVED_DATABASE_URL: databaseUrl, SERVED_NOW: now, SERVED_PORT: String(port) },
    // The IPC channel closes with the test process, however it ends: the child then exits.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = readline.createInterface({ input: proc.stdout! });
  const listening = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`served app exited (${code}) before listening`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { proc, port: listening };
}

async function kill(proc: ChildProcess | undefined): Promise<void> {
  // A process killed by a signal (V8's fatal errors abort) has a signalCode, not an exitCode.
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
