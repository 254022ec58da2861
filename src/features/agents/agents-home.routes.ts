import { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { requireAgent } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';

/**
 * The agent's home: what waits. Each area of the back-office contributes a line through
 * the queries below.
 */
export function agentsHomeRouter({ pool }: AppDeps): Router {
  const router = Router();
  router.get('/agents', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const [awaiting, activity] = await Promise.all([
      pool.query<{ n: number }>(
        `select count(*)::int as n from accounts where town_id = $1 and validation_status = 'awaiting_services' and email_confirmed_at is not null`,
        [town.id],
      ),
      pool.query<{ actor_label: string; action: string; created_at: Date }>(
        `select actor_label, action, created_at from audit_log where town_id = $1 order by created_at desc limit 10`,
        [town.id],
      ),
    ]);
    res.render('agents/home', { title: 'Espace agents', awaitingCount: awaiting.rows[0]!.n, activity: activity.rows });
  });
  return router;
}
