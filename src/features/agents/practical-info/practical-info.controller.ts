import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as pages from '../../../repositories/practical-pages.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../../lib/file-checks.js';
import { fileLabel } from '../../practical-info/file-label.js';
import { renderMarkdown } from '../../practical-info/markdown.js';
import { pageFormSchema, type PageForm } from '../../practical-info/practical-info.schemas.js';
import * as service from '../../practical-info/practical-info.service.js';

const DUPLICATE_SLUG = 'Une autre page utilise déjà cette adresse : choisissez-en une autre';
const UNKNOWN_SERVICE = 'Choisissez le service concerné';

/**
 * INFOS PRATIQUES in the back-office: the list with drafts, writing and editing with a preview
 * of the rendered page (the "Prévisualiser" button re-shows the form, nothing is saved), and
 * publishing. Every write goes through the service, which renders and audits.
 */
export function practicalInfoAgentsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    res.render('agents/practical-info/list', { title: 'Infos pratiques', pages: await pages.listPages(pool, town.id) });
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    options: { page?: pages.PracticalPageRow; errors: FieldError[]; values: Record<string, string>; preview?: string },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/practical-info/form', {
      title: options.page ? `Modifier la page ${options.page.title}` : 'Nouvelle page d’infos pratiques',
      page: options.page,
      services: await listServices(pool, town.id),
      action: options.page ? urls.agentPracticalInfoEdit(town, options.page.id) : urls.agentPracticalInfoNew(town),
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
      preview: options.preview,
      files: options.page
        ? (await pages.listPageFiles(pool, town.id, options.page.id)).map((f) => ({ ...f, label: fileLabel(f.contentType, f.sizeBytes) }))
        : [],
      formats: DOCUMENT_FORMATS_TEXT,
      accept: DOCUMENT_ACCEPT,
    });
  }

  async function loadPage(req: Request): Promise<pages.PracticalPageRow> {
    const page = await pages.findPage(pool, requireTown(req).id, idParam(req, 'pageId'));
    if (!page) throw new NotFoundError('practical page of another town');
    return page;
  }

  const input = (data: PageForm): service.PageInput => ({
    serviceId: data.service,
    slug: data.adresse,
    title: data.titre,
    bodyMarkdown: data.texte,
  });

  /** Saves unless the agent asked for a preview; a refused slug or service comes back as a field error. */
  async function save(req: Request, res: Response, page: pages.PracticalPageRow | undefined) {
    const town = requireTown(req);
    const form = parseForm(pageFormSchema, req.body);
    if (!form.ok) return renderForm(req, res, 400, { page, errors: form.errors, values: form.values });
    const values = { titre: form.data.titre, adresse: form.data.adresse, service: form.data.service, texte: form.data.texte };
    if ((req.body as Record<string, unknown>).action === 'apercu') {
      return renderForm(req, res, 200, { page, errors: [], values, preview: renderMarkdown(form.data.texte) });
    }
    try {
      if (page) await service.updatePage(ctx, town, auditActor(req), page.id, input(form.data));
      else await service.createPage(ctx, town, auditActor(req), input(form.data));
    } catch (err) {
      const field = err instanceof service.DuplicateSlugError ? 'adresse' : err instanceof service.UnknownServiceError ? 'service' : null;
      if (!field) throw err;
      const message = field === 'adresse' ? DUPLICATE_SLUG : UNKNOWN_SERVICE;
      return renderForm(req, res, 400, { page, errors: [{ field, message }], values });
    }
    req.session.flash = {
      kind: 'success',
      message: page?.publishedAt
        ? `La page « ${form.data.titre} » a été enregistrée.`
        : `La page « ${form.data.titre} » est enregistrée comme brouillon : publiez-la pour l’afficher sur le portail.`,
    };
    res.redirect(303, urls.agentPracticalInfo(town));
  }

  async function showNew(req: Request, res: Response) {
    await renderForm(req, res, 200, { errors: [], values: {} });
  }

  async function create(req: Request, res: Response) {
    await save(req, res, undefined);
  }

  async function showEdit(req: Request, res: Response) {
    const page = await loadPage(req);
    await renderForm(req, res, 200, { page, errors: [], values: pageValues(page) });
  }

  async function update(req: Request, res: Response) {
    await save(req, res, await loadPage(req));
  }

  async function publish(req: Request, res: Response) {
    const town = requireTown(req);
    const title = await service.setPublished(ctx, town, auditActor(req), idParam(req, 'pageId'), true);
    req.session.flash = { kind: 'success', message: `La page « ${title} » est publiée sur le portail.` };
    res.redirect(303, urls.agentPracticalInfo(town));
  }

  async function unpublish(req: Request, res: Response) {
    const town = requireTown(req);
    const title = await service.setPublished(ctx, town, auditActor(req), idParam(req, 'pageId'), false);
    req.session.flash = { kind: 'success', message: `La page « ${title} » est retirée du portail : elle redevient un brouillon.` };
    res.redirect(303, urls.agentPracticalInfo(town));
  }

  const pageValues = (page: pages.PracticalPageRow) => ({
    titre: page.title,
    adresse: page.slug,
    service: page.serviceId,
    texte: page.bodyMarkdown,
  });

  async function addFiles(req: Request, res: Response) {
    const town = requireTown(req);
    const page = await loadPage(req);
    const uploads = req.uploads!;
    const problem =
      uploads.problem ?? (uploads.files.length === 0 ? { status: 400, message: 'Choisissez au moins un fichier' } : undefined);
    if (problem) {
      return renderForm(req, res, problem.status, {
        page,
        errors: [{ field: 'fichiers', message: problem.message }],
        values: pageValues(page),
      });
    }
    await service.addFiles(ctx, town, auditActor(req), page.id, uploads.files);
    const names = uploads.files.map((f) => `« ${f.name} »`).join(', ');
    req.session.flash = {
      kind: 'success',
      message: `${uploads.files.length > 1 ? 'Fichiers ajoutés' : 'Fichier ajouté'} à la page : ${names}.`,
    };
    res.redirect(303, urls.agentPracticalInfoEdit(town, page.id));
  }

  async function removeFile(req: Request, res: Response) {
    const town = requireTown(req);
    const pageId = idParam(req, 'pageId');
    const name = await service.removeFile(ctx, town, auditActor(req), pageId, idParam(req, 'fileId'));
    req.session.flash = { kind: 'success', message: `Le fichier « ${name} » est retiré de la page.` };
    res.redirect(303, urls.agentPracticalInfoEdit(town, pageId));
  }

  return { list, showNew, create, showEdit, update, publish, unpublish, addFiles, removeFile };
}
