import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { findVisibleNews, listVisibleNews, type NewsReader } from '../../repositories/news.repository.js';

export const NEWS_PER_PAGE = 10;

/**
 * ACTUALITÉS for visitors and families: the archive and each item. Families' items exist only
 * for the families they are for: anyone else gets the 404 an unknown id gets.
 */
export function newsController(deps: AppDeps) {
  const { pool, clock } = deps;

  const reader = (res: Response): NewsReader => {
    const account = res.locals.account as { familyId: string | null } | undefined;
    return { familyId: account?.familyId ?? null, today: parisDay(clock.now()) };
  };

  async function archive(req: Request, res: Response) {
    const town = requireTown(req);
    const raw = typeof req.query.page === 'string' ? req.query.page : '1';
    // Anything but a plain page number shows the first page, as the other view queries do.
    const page = /^[1-9][0-9]{0,5}$/.test(raw) ? Number(raw) : 1;
    const { items, total } = await listVisibleNews(pool, town.id, reader(res), {
      limit: NEWS_PER_PAGE,
      offset: (page - 1) * NEWS_PER_PAGE,
    });
    const pages = Math.max(1, Math.ceil(total / NEWS_PER_PAGE));
    if (page > pages) throw new NotFoundError('news page out of range');
    res.render('news/archive', { title: page > 1 ? `Actualités, page ${page} sur ${pages}` : 'Actualités', items, page, pages, total });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const item = await findVisibleNews(pool, town.id, idParam(req, 'newsId'), reader(res));
    if (!item) throw new NotFoundError('news not visible to this reader');
    res.render('news/item', { title: item.title, item });
  }

  return { archive, show };
}
