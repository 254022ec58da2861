import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as news from '../../../repositories/news.repository.js';
import { urls } from '../../../routes.js';
import { assertId } from '../../settings/settings.service.js';
import { newsAudience, newsFormSchema, newsFormValues } from '../../news/news.schemas.js';
import { listActivities } from '../../../repositories/activities.repository.js';
import { listSchools } from '../../../repositories/school-sectors.repository.js';
import * as service from '../../news/news.service.js';
import type { ServiceContext } from '../../../deps.js';

/**
 * ACTUALITÉS in the back-office, for every agent of the town (requireAgent): the list with
 * drafts, writing and editing, publishing and unpublishing. Published items appear on the
 * town home and the parent's dashboard.
 */
export function newsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  const itemId = (req: Request): string => {
    const v = req.params.newsId;
    return typeof v === 'string' ? v : '';
  };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    res.render('agents/news/list', { title: 'Actualités', items: await news.listNews(pool, town.id) });
  }

  /** The town's activities and schools a families' item may be aimed at. */
  async function targetOptions(townId: string): Promise<{ value: string; label: string }[]> {
    const [activities, schools] = await Promise.all([listActivities(pool, townId), listSchools(pool, townId)]);
    return [
      { value: '', label: 'Toutes les familles connectées' },
      ...activities.map((a) => ({
        value: `activite:${a.id}`,
        label: `Familles inscrites à l’activité ${a.name}${a.site ? ` (${a.site})` : ''}`,
      })),
      ...schools.map((s) => ({ value: `ecole:${s.id}`, label: `Familles d’un enfant à l’école ${s.name}` })),
    ];
  }

  /** The form, or its errors when the target is not one of the town's (another town's id, a deleted one). */
  async function readForm(req: Request) {
    const town = requireTown(req);
    const form = parseForm(newsFormSchema, req.body);
    if (!form.ok) return form;
    if (!(await targetOptions(town.id)).some((o) => o.value === form.data.cible)) {
      const values = { ...form.data } as Record<string, string>;
      return { ok: false as const, errors: [{ field: 'cible', message: 'Choisissez une activité ou une école de la liste' }], values };
    }
    return form;
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    options: { item?: news.NewsRow; errors: FieldError[]; values: Record<string, string> },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/news/form', {
      targets: await targetOptions(town.id),
      title: options.item ? `Modifier l’actualité ${options.item.title}` : 'Nouvelle actualité',
      item: options.item,
      action: options.item ? urls.agentNewsEdit(town, options.item.id) : urls.agentNewsNew(town),
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
    });
  }

  async function loadItem(req: Request): Promise<news.NewsRow> {
    const town = requireTown(req);
    const id = itemId(req);
    assertId(id);
    const item = await news.findNews(pool, town.id, id);
    if (!item) throw new NotFoundError('news of another town');
    return item;
  }

  async function showNew(req: Request, res: Response) {
    await renderForm(req, res, 200, { errors: [], values: { visibilite: 'publique' } });
  }

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await readForm(req);
    if (!form.ok) return renderForm(req, res, 400, { errors: form.errors, values: form.values });
    await service.createNews(ctx, town, auditActor(req), { title: form.data.titre, body: form.data.texte, ...newsAudience(form.data) });
    req.session.flash = {
      kind: 'success',
      message: `L’actualité « ${form.data.titre} » est enregistrée comme brouillon : publiez-la pour l’afficher sur le portail.`,
    };
    res.redirect(303, urls.agentNews(town));
  }

  async function showEdit(req: Request, res: Response) {
    const item = await loadItem(req);
    await renderForm(req, res, 200, { item, errors: [], values: newsFormValues(item) });
  }

  async function update(req: Request, res: Response) {
    const town = requireTown(req);
    const item = await loadItem(req);
    const form = await readForm(req);
    if (!form.ok) return renderForm(req, res, 400, { item, errors: form.errors, values: form.values });
    await service.updateNews(ctx, town, auditActor(req), item.id, {
      title: form.data.titre,
      body: form.data.texte,
      ...newsAudience(form.data),
    });
    req.session.flash = { kind: 'success', message: `L’actualité « ${form.data.titre} » a été enregistrée.` };
    res.redirect(303, urls.agentNews(town));
  }

  async function publish(req: Request, res: Response) {
    const town = requireTown(req);
    const title = await service.setPublished(ctx, town, auditActor(req), itemId(req), true);
    req.session.flash = { kind: 'success', message: `L’actualité « ${title} » est publiée sur le portail.` };
    res.redirect(303, urls.agentNews(town));
  }

  async function unpublish(req: Request, res: Response) {
    const town = requireTown(req);
    const title = await service.setPublished(ctx, town, auditActor(req), itemId(req), false);
    req.session.flash = { kind: 'success', message: `L’actualité « ${title} » est retirée du portail : elle redevient un brouillon.` };
    res.redirect(303, urls.agentNews(town));
  }

  return { list, showNew, create, showEdit, update, publish, unpublish };
}
