import type { Request, Response } from 'express';
import type pg from 'pg';

/**
 * Liveness (the process answers) and readiness (the database answers).
 * Outside production /healthz also names the Node runtime, so a developer sees that the launcher
 * (scripts/node24.sh) did its job; production shows no version banner (security reference, 116):
 * its start-up log line carries the version instead.
 */
export function healthController(pool: pg.Pool, options: { showRuntime: boolean }) {
  function liveness(_req: Request, res: Response) {
    res.type('text/plain').send(options.showRuntime ? `ok\nnode ${process.version}\n` : 'ok');
  }

  async function readiness(_req: Request, res: Response) {
    try {
      await Promise.race([
        pool.query('select 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
      ]);
      res.type('text/plain').send('ready');
    } catch {
      res.status(503).type('text/plain').send('database unavailable');
    }
  }

  return { liveness, readiness };
}
