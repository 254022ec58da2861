import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { start, type RunningApp } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/lib/logger.js';
import { ROOT_DIR } from '../../../src/lib/paths.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

/**
 * The app as `npm start` runs it, in real child processes, killed the hard way. Waits are
 * generous and polled: the machine running the tests may be busy.
 */

const SECRET = 'process-test-secret-process-test-secret-0123';

interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

interface AppProcess {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: AppProcess[] = [];

/** `npm start`'s command, with only the environment given (plus PATH), its JSON log lines collected. */
function spawnApp(env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), TZ: 'UTC', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => logs.push({ msg: `stderr: ${chunk.toString('utf8')}` }));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const app = { child, logs, exited };
  started.push(app);
  return app;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  logs?: LogLine[],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const tail = logs
        ? `\nlast log lines:\n${logs
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join('\n')}`
        : '';
      throw new Error(`timed out waiting for ${what}${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function healthy(url: string): Promise<boolean | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok || undefined;
  } catch {
    return undefined;
  }
}

afterEach(async () => {
  for (const app of started.splice(0)) {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
  }
});

describe('a crashed app process comes back (production shape)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('replaces a worker killed with SIGKILL, answers HTTP again, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const app = spawnApp({
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '2',
      SESSION_SECRET: SECRET,
      PUBLIC_BASE_URL: url,
      // Never reached: no mail is due in the test database.
      SMTP_URL: 'smtp://127.0.0.1:9',
      WEB_CONCURRENCY: '1',
    });
    const workerPids = () => app.logs.filter((l) => l.msg === 'worker started').map((l) => l.workerPid as number);
    const first = await waitFor('the first worker', () => workerPids()[0], 30_000, app.logs);
    await waitFor('HTTP from the first worker', () => healthy(url), 40_000, app.logs);

    process.kill(first, 'SIGKILL');

    const second = await waitFor('a replacement worker', () => workerPids()[1], 20_000, app.logs);
    expect(second).not.toBe(first);
    expect(isAlive(first)).toBe(false);
    const death = app.logs.find((l) => l.msg === 'worker died: starting another');
    expect(death).toMatchObject({ workerPid: first, signal: 'SIGKILL', level: 50 });
    await waitFor('HTTP from the replacement worker', () => healthy(url), 40_000, app.logs);

    app.child.kill('SIGTERM');
    expect(await within(app.exited, 20_000, 'the supervisor to exit')).toEqual({ code: 0, signal: null });
    expect(isAlive(second)).toBe(false);
  }, 90_000);
});

describe('the embedded PostgreSQL dies with the app (development shape)', () => {
  let tmp: string;
  let dataDir: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-process-'));
    // As root the server runs as the `postgres` user, who must reach the data directory.
    fs.chmodSync(tmp, 0o755);
    dataDir = path.join(tmp, 'pg');
  });
  afterAll(() => {
    const pid = postmasterPid();
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const postmasterPid = () => {
    try {
      return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };

  /** The watchdog shell started for this data directory, found through /proc. */
  const watchdogPid = () =>
    fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .find((name) => {
        try {
          const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
          return args.includes('espace-famille-pg-watchdog') && args.includes(dataDir);
        } catch {
          return false;
        }
      });

  const startApp = async (pgPort: number) => {
    const app = spawnApp({
      NODE_ENV: 'development',
      PORT: '0',
      EMBEDDED_PG_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      SESSION_SECRET: SECRET,
      DEMO_DATA: 'false',
    });
    const listening = await waitFor('the app to listen', () => app.logs.find((l) => typeof l.url === 'string'), 60_000, app.logs);
    const url = String(listening.url).replace('localhost', '127.0.0.1');
    await waitFor('HTTP', () => healthy(url), 20_000, app.logs);
    const pid = postmasterPid();
    expect(pid && isAlive(pid)).toBe(true);
    return { app, postmaster: pid! };
  };

  it('stops the server left behind by a crash at the next start, and stops its own when the app is SIGKILLed', async () => {
    const pgPort = await freePort();

    // A crash that took the watchdog with it (or a version without one): the server stays.
    const crashed = await startApp(pgPort);
    const watchdog = await waitFor('the watchdog', watchdogPid, 5_000);
    process.kill(Number(watchdog), 'SIGKILL');
    crashed.app.child.kill('SIGKILL');
    await within(crashed.app.exited, 10_000, 'the app to die');
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(crashed.postmaster)).toBe(true);

    // The next start deals with it instead of failing on the lock file.
    const next = await startApp(pgPort);
    expect(next.postmaster).not.toBe(crashed.postmaster);
    expect(isAlive(crashed.postmaster)).toBe(false);
    expect(next.app.logs.some((l) => l.msg === 'stopping the embedded PostgreSQL an earlier run left behind')).toBe(true);

    // SIGKILL cannot be caught: the watchdog alone stops the server.
    next.app.child.kill('SIGKILL');
    await within(next.app.exited, 10_000, 'the app to die');
    await waitFor('the postmaster to exit', () => !isAlive(next.postmaster), 20_000);
    expect(await accepts(pgPort)).toBe(false);
    await waitFor('the watchdog to exit', () => watchdogPid() === undefined, 5_000);
  }, 150_000);
});

describe('request timeouts', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let port: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '2',
      SESSION_SECRET: SECRET,
      PUBLIC_BASE_URL: 'http://portail.test',
      // Small here so the test is quick; the defaults are 20 s and 120 s.
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
    });
    running = await start({ config, logger: createLogger('silent'), mailWorker: false, importWorker: false });
    port = Number(new URL(running.url).port);
  });
  afterAll(async () => {
    await running.stop();
    await db.drop();
  });

  /** A raw client: sends `head`, then each of `drip` every `everyMs`, until the server closes. */
  function slowClient(head: string, drip: string, everyMs: number, maxMs = 15_000) {
    return new Promise<{ response: string; closedAfterMs: number }>((resolve, reject) => {
      const began = Date.now();
      const socket = net.connect({ host: '127.0.0.1', port });
      let response = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (response += d));
      socket.on('error', () => undefined);
      socket.once('connect', () => socket.write(head));
      const timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(drip);
      }, everyMs);
      const giveUp = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`still connected after ${maxMs} ms; received: ${response}`));
      }, maxMs);
      socket.once('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ response, closedAfterMs: Date.now() - began });
      });
    });
  }

  it('cuts a client that sends its body a byte at a time', async () => {
    const head =
      'POST /tarnos/connexion HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
      'Content-Length: 1000\r\n\r\n';
    const { response, closedAfterMs } = await slowClient(head, 'a', 250);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(closedAfterMs).toBeLessThan(6_000);
  });

  it('cuts a client that sends its headers a line at a time', async () => {
    const { response, closedAfterMs } = await slowClient('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n', 200);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5_000);
  });

  it('still serves a request whose body arrives in pieces within the limit', async () => {
    const body = 'identifiant=a&motDePasse=b';
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /tarnos/connexion HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    for (const piece of [body.slice(0, 10), body.slice(10, 20), body.slice(20)]) {
      await new Promise((r) => setTimeout(r, 300));
      socket.write(piece);
    }
    await new Promise((resolve) => socket.once('close', resolve));
    // Refused for its missing CSRF token, which means it was read and handled, not cut.
    expect(response).toMatch(/^HTTP\/1\.1 403/);
  });

  it("keeps an idle keep-alive connection (a load balancer's) open past both timeouts", async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    const get = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    socket.write(get);
    await waitFor('the first answer', () => /\r\n\r\nok\b/.test(response) || undefined, 5_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(socket.destroyed).toBe(false);
    socket.write(get);
    await waitFor('the second answer', () => (response.match(/HTTP\/1\.1 200/g) ?? []).length === 2 || undefined, 5_000);
    socket.destroy();
  });
});
