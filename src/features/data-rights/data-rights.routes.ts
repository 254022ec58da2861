import { Readable } from 'node:stream';
import { Router } from 'express';
import yazl from 'yazl';
import type { AppDeps } from '../../deps.js';
import { contentDisposition } from '../../lib/downloads.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import * as service from './data-rights.service.js';

/**
 * "Télécharger mes données" (issue 5, data rights): a page that says what the archive
 * holds, and a POST (an action, audited and rate-limited, protected by the CSRF token)
 * that streams the ZIP.
 */
export function dataRightsRouter(deps: AppDeps): Router {
  const { pool, clock, logger } = deps;
  const ctx: service.DataRightsContext = { pool, clock };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });

  router.get('/mon-espace/mes-donnees', parentOnly, (_req, res) => {
    res.render('data-rights/index', { title: 'Mes données personnelles' });
  });

  router.post('/mon-espace/mes-donnees/telecharger', parentOnly, async (req, res) => {
    const town = requireTown(req);
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
    const plan = await service.planExport(ctx, town, account, req.ip ?? null);

    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', contentDisposition(plan.fileName));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");

    // Streamed: the JSON first, then each stored file, read from the database only when
    // the archive reaches it (already-compressed files are stored as they are).
    const zip = new yazl.ZipFile();
    const mtime = plan.at;
    zip.addBuffer(Buffer.from(plan.readme, 'utf8'), 'LISEZ-MOI.txt', { mtime });
    zip.addBuffer(Buffer.from(JSON.stringify(plan.json, null, 2), 'utf8'), 'donnees.json', { mtime });
    for (const file of plan.files) {
      zip.addReadStreamLazy(file.path, { mtime, compress: false }, (cb) => {
        file.load().then(
          // Deleted between the snapshot and now: an empty file rather than a broken archive.
          (content) => cb(null, Readable.from([content ?? Buffer.alloc(0)])),
          (err: Error) => cb(err, undefined as never),
        );
      });
    }
    zip.end();
    await new Promise<void>((resolve) => {
      zip.outputStream.on('error', (err: Error) => {
        logger.error({ err }, 'data export failed while streaming');
        res.destroy(err);
        resolve();
      });
      res.on('close', resolve);
      zip.outputStream.pipe(res);
    });
  });

  return router;
}
