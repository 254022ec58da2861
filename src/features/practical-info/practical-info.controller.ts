import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { idParam, param } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { sendAttachment } from '../../lib/downloads.js';
import { findPublishedFile, findPublishedPageBySlug, listPageFiles, listPages } from '../../repositories/practical-pages.repository.js';
import { fileLabel } from './file-label.js';
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
    const [services, files] = await Promise.all([listServices(pool, town.id), listPageFiles(pool, town.id, page.id)]);
    const service = services.find((s) => s.id === page.serviceId);
    const downloads = files.map((f) => ({ ...f, label: fileLabel(f.contentType, f.sizeBytes) }));
    res.render('practical-info/page', { title: page.title, page, service, files: downloads });
  }

  /** Served as a download under its own name, with the type detected at upload (sendAttachment). */
  async function serveFile(req: Request, res: Response) {
    const town = requireTown(req);
    const file = await findPublishedFile(pool, town.id, param(req, 'slug').toLowerCase(), idParam(req, 'fileId'));
    if (!file) throw new NotFoundError('no such file on a published page');
    sendAttachment(res, file);
  }

  return { index, show, serveFile };
}
