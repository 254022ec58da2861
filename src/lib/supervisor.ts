import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.js';

/** A worker that lived less than this before dying counts as part of a crash loop. */
export const STABLE_AFTER_MS = 30_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * How long to wait before replacing a worker that died after `quickDeaths` deaths in a row,
 * each soon after its start. A worker that ran for a while is replaced at once; one that
 * keeps dying at boot (database unreachable, a bad migration) is retried after 1 s, 2 s,
 * 4 s… up to 30 s, so a crash loop neither spins a core nor floods the log.
 */
export function respawnDelay(quickDeaths: number): number {
  if (quickDeaths <= 0) return 0;
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (quickDeaths - 1));
}

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** How long workers get to finish in-flight requests after SIGTERM before being killed. */
  stopGraceMs?: number;
}

/**
 * The production process (`npm start` / `node dist/server.js` with NODE_ENV=production):
 * it serves nothing itself, forks `workers` app processes sharing the HTTP port
 * (node:cluster) and replaces any that dies — an uncaught exception, V8 running out of
 * memory, a SIGKILL — so one bad request never leaves the portal down. SIGTERM/SIGINT
 * stop the workers gracefully, then this process.
 */
export function superviseWorkers({ workers, logger, stopGraceMs = 12_000 }: SupervisorOptions): void {
  interface Slot {
    worker?: Worker;
    startedAt: number;
    quickDeaths: number;
    timer?: NodeJS.Timeout;
  }
  const slots: Slot[] = Array.from({ length: workers }, () => ({ startedAt: 0, quickDeaths: 0 }));
  let stopping = false;

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    slot.startedAt = Date.now();
    const worker = cluster.fork();
    slot.worker = worker;
    // A failed fork or IPC error must not bring the supervisor down: 'exit' follows.
    worker.on('error', (err) => logger.error({ err, workerPid: worker.process.pid }, 'worker error'));
    logger.info({ workerPid: worker.process.pid }, 'worker started');
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.find((s) => s.worker === worker);
    if (!slot) return;
    slot.worker = undefined;
    if (stopping) {
      if (slots.every((s) => !s.worker)) {
        logger.info('stopped');
        process.exit(0);
      }
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickDeaths = lived < STABLE_AFTER_MS ? slot.quickDeaths + 1 : 0;
    const delay = respawnDelay(slot.quickDeaths);
    logger.error(
      { workerPid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delay, quickDeaths: slot.quickDeaths },
      'worker died: starting another',
    );
    slot.timer = setTimeout(() => fork(slot), delay);
  });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received: stopping the workers');
    for (const slot of slots) clearTimeout(slot.timer);
    const running = slots.filter((s) => s.worker).map((s) => s.worker!);
    if (running.length === 0) process.exit(0);
    // Each worker closes its server, lets in-flight requests finish, and exits.
    for (const worker of running) worker.process.kill('SIGTERM');
    setTimeout(() => {
      logger.error('workers did not stop in time: killing them');
      for (const worker of running) worker.process.kill('SIGKILL');
      process.exit(1);
    }, stopGraceMs).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info({ workers }, 'supervisor starting the workers');
  for (const slot of slots) fork(slot);
}
