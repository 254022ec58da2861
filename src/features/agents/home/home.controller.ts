import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireTown } from '../../../middleware/town.js';
import { recentAuditRows } from '../../../repositories/audit-log.repository.js';
import { HOME_LINES } from './home-lines.js';

export function homeController({ pool, clock, config }: AppDeps) {
  const ctx = { pool, clock, config };

  /** The agent's home: what waits (one line per area, see home-lines.ts), then recent activity. */
  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const agent = req.agent!;
    const [lines, activity] = await Promise.all([
      Promise.all(HOME_LINES.map((source) => source(ctx, town, agent))),
      recentAuditRows(pool, town.id, 10),
    ]);
    res.render('agents/home', { title: 'Espace agents', lines: lines.filter((l) => l !== undefined), activity });
  }

  return { show };
}
