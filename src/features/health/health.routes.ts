import { Router } from 'express';
import type pg from 'pg';

/** Liveness (the process answers) and readiness (the database answers). */
export function healthRouter(pool: pg.Pool): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([
        pool.query('select 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
      ]);
      res.type('text/plain').send('ready');
    } catch {
      res.status(503).type('text/plain').send('database unavailable');
    }
  });
  return router;
}
