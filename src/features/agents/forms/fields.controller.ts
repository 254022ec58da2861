import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import type * as forms from '../../../repositories/town-forms.repository.js';
import { urls } from '../../../routes.js';
import { fieldFormSchema, type FormField } from '../../procedures/form-fields.js';
import * as service from '../../procedures/procedures.service.js';
import { formPage, formValuesOf } from './form-page.js';

/** A form's fields, in the admins' builder: adding, changing, removing and moving one up, on the draft. */
export function formFieldsController(deps: AppDeps) {
  const ctx: ServiceContext = deps;
  const { loadForm, fieldOf, kindOptions, renderForm } = formPage(deps);

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

  return { addField, showField, updateField, deleteField, moveUp };
}
