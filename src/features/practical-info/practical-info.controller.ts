import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { param } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { findPublishedPageBySlug, listPages } from '../../repositories/practical-pages.repository.js';
import { listServices } from '../../repositories/towns.repository.js';

/** INFOS PRATIQUES for everyone: the services with their contacts and pages, and one page. Drafts are 404. */
export function practicalInfoController(deps: AppDeps) {
  const { pool } = deps;

  async function index(req: Request, res: Response) {
    const town = requireTown(req);
    const [services, pages] = await Promise.all([listServices(pool, town.id), listPages(pool, town.id, { publishedOnly: true })]);
    const sections = services.map((service) => ({ service, pages: pages.filter((p) => p.serviceId === service.id) }));
    res.render('practical-info/index', { title: 'Infos pratiques', sections });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const page = await findPublishedPageBySlug(pool, town.id, param(req, 'slug').toLowerCase());
    if (!page) throw new NotFoundError('no published practical page');
    const service = (await listServices(pool, town.id)).find((s) => s.id === page.serviceId);
    res.render('practical-info/page', { title: page.title, page, service });
  }

  return { index, show };
}
