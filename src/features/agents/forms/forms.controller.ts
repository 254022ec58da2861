import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../../lib/file-checks.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as forms from '../../../repositories/town-forms.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import { fieldsOf, formMetaSchema } from '../../procedures/form-fields.js';
import * as service from '../../procedures/procedures.service.js';
import { formPage, formValuesOf, pendingChanges } from './form-page.js';

/**
 * "Formulaires" in the back-office (NOUVELLE DÉMARCHE, issue 17), for the town's admins
 * (requireAdmin in the route table): the list, a form's draft (title, intro, service, its
 * fields one by one), the preview, publishing and unpublishing.
 */
export function formsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;
  const { loadForm, renderForm } = formPage(deps);

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const all = await forms.listForms(pool, town.id);
    // "Modifications non publiées": the draft differs from the version parents see.
    const versions = await Promise.all(
      all.map((f) => (f.publishedVersionId ? forms.findVersion(pool, town.id, f.publishedVersionId) : undefined)),
    );
    res.render('agents/forms/list', {
      title: 'Formulaires',
      items: all.map((f, i) => ({ ...f, published: versions[i], pending: pendingChanges(f, versions[i]) })),
    });
  }

  async function renderMeta(
    req: Request,
    res: Response,
    status: number,
    o: { form?: forms.TownFormRow; errors: FieldError[]; values: Record<string, string> },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/forms/new', {
      title: 'Nouveau formulaire',
      services: await listServices(pool, town.id),
      errors: o.errors,
      fieldErrors: errorMap(o.errors),
      values: o.values,
    });
  }

  const showNew = (req: Request, res: Response) => renderMeta(req, res, 200, { errors: [], values: {} });

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(formMetaSchema, req.body);
    if (!form.ok) return renderMeta(req, res, 400, { errors: form.errors, values: form.values });
    const result = await service.createForm(ctx, town, auditActor(req), form.data);
    if (!result.ok) return renderMeta(req, res, 400, { errors: result.errors, values: formValuesOf(req) });
    req.session.flash = {
      kind: 'success',
      message: `Le formulaire « ${form.data.titre} » est créé : ajoutez ses champs, puis publiez-le.`,
    };
    res.redirect(303, urls.agentForm(town, result.id));
  }

  async function show(req: Request, res: Response) {
    await renderForm(req, res, 200, await loadForm(req), {});
  }

  async function updateMeta(req: Request, res: Response) {
    const town = requireTown(req);
    const found = await loadForm(req);
    const form = parseForm(formMetaSchema, req.body);
    if (!form.ok) return renderForm(req, res, 400, found, { metaErrors: form.errors, metaValues: form.values });
    const result = await service.updateMeta(ctx, town, auditActor(req), found.id, form.data);
    if (!result.ok) return renderForm(req, res, 400, found, { metaErrors: result.errors, metaValues: formValuesOf(req) });
    req.session.flash = {
      kind: 'success',
      message: 'Le formulaire est enregistré. Publiez-le pour que les familles voient vos modifications.',
    };
    res.redirect(303, urls.agentForm(town, found.id));
  }

  async function publish(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await loadForm(req);
    const result = await service.publish(ctx, town, auditActor(req), form.id);
    if (!result.ok) return renderForm(req, res, 400, form, { problems: result.problems });
    req.session.flash = {
      kind: 'success',
      message: result.created
        ? `Le formulaire « ${form.title} » est publié (version ${result.version}) : les familles le trouvent dans Nouvelle démarche.`
        : `Le formulaire « ${form.title} » est publié (version ${result.version}, inchangée).`,
    };
    res.redirect(303, urls.agentForm(town, form.id));
  }

  async function unpublish(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await loadForm(req);
    await service.unpublish(ctx, town, auditActor(req), form.id);
    req.session.flash = {
      kind: 'success',
      message: `Le formulaire « ${form.title} » est retiré de Nouvelle démarche. Les demandes déjà envoyées restent dans la file.`,
    };
    res.redirect(303, urls.agentForm(town, form.id));
  }

  async function preview(req: Request, res: Response) {
    const form = await loadForm(req);
    res.render('agents/forms/preview', {
      title: `Aperçu du formulaire ${form.title}`,
      form,
      fields: fieldsOf(form.fields),
      documents: [],
      values: {},
      stockage: [],
      fieldErrors: {},
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
      filesForgotten: false,
    });
  }

  return { list, showNew, create, show, updateMeta, publish, unpublish, preview };
}
