import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { idParam, param } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as forms from '../../../repositories/town-forms.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { FIELD_KINDS, fieldsOf, KIND_LABELS, MAX_FIELDS, type FormField } from '../../procedures/form-fields.js';

/** What the form's page and its fields' pages share: the form of the URL, its field, the page itself. */
export function formPage(deps: Pick<AppDeps, 'pool'>) {
  const { pool } = deps;

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

  return { loadForm, fieldOf, kindOptions, renderForm };
}

export function formValuesOf(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf'));
}

/** Whether the draft differs from the version parents see. */
export function pendingChanges(form: forms.TownFormRow, published: forms.TownFormVersionRow | undefined): boolean {
  if (!published) return false;
  return (
    published.title !== form.title ||
    published.intro !== form.intro ||
    published.serviceId !== form.serviceId ||
    JSON.stringify(fieldsOf(published.fields)) !== JSON.stringify(fieldsOf(form.fields))
  );
}
