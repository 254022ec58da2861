import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../../lib/file-checks.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam, param } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as forms from '../../../repositories/town-forms.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import {
  FIELD_KINDS,
  fieldFormSchema,
  fieldsOf,
  formMetaSchema,
  KIND_LABELS,
  MAX_FIELDS,
  type FormField,
} from '../../procedures/form-fields.js';
import * as service from '../../procedures/procedures.service.js';

/**
 * "Formulaires" in the back-office (NOUVELLE DÉMARCHE, issue 17), for the town's admins
 * (requireAdmin in the route table): the list, a form's draft (title, intro, service, its
 * fields one by one), the preview, publishing and unpublishing.
 */
export function formsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  async function loadForm(req: Request): Promise<forms.TownFormRow> {
    const form = await forms.findForm(pool, requireTown(req).id, idParam(req, 'formId'));
    if (!form) throw new NotFoundError('form of another town');
    return form;
  }

  function fieldOf(req: Request, form: forms.TownFormRow): FormField {
    const id = param(req, 'fieldId');
    const field = fieldsOf(form.fields).find((f) => f.id === id);
    if (!field) throw new NotFoundError('unknown field');
    return field;
  }

  const kindOptions = FIELD_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }));

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

  /** The form's page: its draft, the add-a-field form; `problems`: why publishing was refused. */
  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    form: forms.TownFormRow,
    o: {
      metaErrors?: FieldError[];
      metaValues?: Record<string, string>;
      fieldErrors?: FieldError[];
      fieldValues?: Record<string, string>;
      problems?: string[];
    },
  ) {
    const town = requireTown(req);
    const published = form.publishedVersionId ? await forms.findVersion(pool, town.id, form.publishedVersionId) : undefined;
    const errors = [
      ...(o.problems ?? []).map((message) => ({ field: 'publier', message })),
      ...(o.metaErrors ?? []),
      ...(o.fieldErrors ?? []),
    ];
    res.status(status).render('agents/forms/edit', {
      title: `Formulaire ${form.title}`,
      form,
      fields: fieldsOf(form.fields),
      published,
      pending: pendingChanges(form, published),
      services: await listServices(pool, town.id),
      kindOptions,
      kindLabels: KIND_LABELS,
      maxFields: MAX_FIELDS,
      errors,
      fieldErrors: errorMap(errors),
      values: {
        titre: form.title,
        intro: form.intro,
        service: form.serviceId ?? '',
        type: 'text',
        ...(o.metaValues ?? {}),
        ...(o.fieldValues ?? {}),
      },
    });
  }

  async function show(req: Request, res: Response) {
    renderForm(req, res, 200, await loadForm(req), {});
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

  async function addField(req: Request, res: Response) {
    const town = requireTown(req);
    const found = await loadForm(req);
    const parsed = parseForm(fieldFormSchema, req.body);
    if (!parsed.ok) return renderForm(req, res, 400, found, { fieldErrors: parsed.errors, fieldValues: parsed.values });
    const result = await service.changeField(ctx, town, auditActor(req), found.id, { add: parsed.data });
    if (!result.ok) return renderForm(req, res, 400, found, { fieldErrors: result.errors, fieldValues: formValuesOf(req) });
    req.session.flash = { kind: 'success', message: `Le champ « ${parsed.data.label} » est ajouté au brouillon.` };
    res.redirect(303, urls.agentForm(town, found.id));
  }

  async function renderField(
    req: Request,
    res: Response,
    status: number,
    form: forms.TownFormRow,
    field: FormField,
    o: { errors: FieldError[]; values?: Record<string, string> },
  ) {
    res.status(status).render('agents/forms/field', {
      title: `Modifier le champ ${field.label}`,
      form,
      field,
      kindOptions,
      errors: o.errors,
      fieldErrors: errorMap(o.errors),
      values: o.values ?? {
        libelle: field.label,
        type: field.kind,
        aide: field.help,
        obligatoire: field.required ? 'oui' : '',
        options: field.options.join('\n'),
      },
    });
  }

  async function showField(req: Request, res: Response) {
    const form = await loadForm(req);
    renderField(req, res, 200, form, fieldOf(req, form), { errors: [] });
  }

  async function updateField(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await loadForm(req);
    const field = fieldOf(req, form);
    const parsed = parseForm(fieldFormSchema, req.body);
    if (!parsed.ok) return renderField(req, res, 400, form, field, { errors: parsed.errors, values: parsed.values });
    const result = await service.changeField(ctx, town, auditActor(req), form.id, { replace: field.id, with: parsed.data });
    if (!result.ok) return renderField(req, res, 400, form, field, { errors: result.errors, values: formValuesOf(req) });
    req.session.flash = { kind: 'success', message: `Le champ « ${parsed.data.label} » est enregistré.` };
    res.redirect(303, urls.agentForm(town, form.id));
  }

  async function deleteField(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await loadForm(req);
    const field = fieldOf(req, form);
    await service.changeField(ctx, town, auditActor(req), form.id, { remove: field.id });
    req.session.flash = { kind: 'success', message: `Le champ « ${field.label} » est retiré du brouillon.` };
    res.redirect(303, urls.agentForm(town, form.id));
  }

  async function moveUp(req: Request, res: Response) {
    const town = requireTown(req);
    const form = await loadForm(req);
    const field = fieldOf(req, form);
    await service.changeField(ctx, town, auditActor(req), form.id, { up: field.id });
    res.redirect(303, urls.agentForm(town, form.id));
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

  return { list, showNew, create, show, updateMeta, addField, showField, updateField, deleteField, moveUp, publish, unpublish, preview };
}

function formValuesOf(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf'));
}

/** Whether the draft differs from the version parents see. */
function pendingChanges(form: forms.TownFormRow, published: forms.TownFormVersionRow | undefined): boolean {
  if (!published) return false;
  return (
    published.title !== form.title ||
    published.intro !== form.intro ||
    published.serviceId !== form.serviceId ||
    JSON.stringify(fieldsOf(published.fields)) !== JSON.stringify(fieldsOf(form.fields))
  );
}
