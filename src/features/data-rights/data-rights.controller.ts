import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { contentDisposition } from '../../lib/downloads.js';
import { requireTown } from '../../middleware/town.js';
import * as service from './data-rights.service.js';
import { exportArchive } from './export-archive.js';
import type { ServiceContext } from '../../deps.js';

/**
 * "Télécharger mes données" (issue 5, data rights): a page that says what the archive
 * holds, and a POST (an action, audited and rate-limited, protected by the CSRF token)
 * that streams the ZIP.
 */
export function dataRightsController(deps: AppDeps) {
  const { logger } = deps;
  const ctx: ServiceContext = deps;

  function showPage(_req: Request, res: Response) {
    res.render('data-rights/index', { title: 'Mes données personnelles' });
  }

  async function download(req: Request, res: Response) {
    const account = req.account!;
    const limit = await service.exportRateLimit(ctx, account);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return res.status(429).render('data-rights/index', {
        title: 'Mes données personnelles',
        errors: [
          {
            field: '',
            message: `Vous avez déjà téléchargé vos données plusieurs fois en peu de temps : réessayez dans ${Math.ceil(limit.retryAfterSeconds / 60)} minutes.`,
          },
        ],
      });
    }
    const plan = await service.planExport(ctx, requireTown(req), account, req.ip ?? null);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', contentDisposition(plan.fileName));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    const archive = exportArchive(plan);
    await new Promise<void>((resolve) => {
      archive.on('error', (err: Error) => {
        logger.error({ err }, 'data export failed while streaming');
        res.destroy(err);
        resolve();
      });
      res.on('close', resolve);
      archive.pipe(res);
    });
  }

  return { showPage, download };
}
