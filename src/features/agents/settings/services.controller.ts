import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as settings from '../../../repositories/settings.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import { moveSchema, serviceFormSchema } from '../../settings/settings.schemas.js';
import * as service from '../../settings/settings.service.js';
import { param } from '../../../lib/params.js';
import type { ServiceContext } from '../../../deps.js';

const NAME_TAKEN: FieldError = { field: 'nom', message: 'Un service de ce nom existe déjà : choisissez un autre nom' };

/** The town's services and their contact details, in the order the portal lists them (admins only). */
export function servicesController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  const flash = (req: Request, message: string) => {
    req.session.flash = { kind: 'success', message };
  };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    res.render('agents/settings/services', { title: 'Services et coordonnées', services: await listServices(pool, town.id) });
  }

  function renderService(
    req: Request,
    res: Response,
    status: number,
    options: { serviceId?: string; name?: string; errors: FieldError[]; values: Record<string, string> },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/settings/service-form', {
      title: options.serviceId ? `Modifier le service ${options.name}` : 'Ajouter un service',
      action: options.serviceId ? urls.agentSettingsService(town, options.serviceId) : urls.agentSettingsServiceNew(town),
      editing: Boolean(options.serviceId),
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
    });
  }

  function showNew(req: Request, res: Response) {
    renderService(req, res, 200, { errors: [], values: {} });
  }

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(serviceFormSchema, req.body);
    if (!form.ok) return renderService(req, res, 400, { errors: form.errors, values: form.values });
    const input = { name: form.data.nom, address: form.data.adresse, phone: form.data.telephone, email: form.data.courriel };
    try {
      await service.addService(ctx, town, auditActor(req), input);
    } catch (err) {
      if (!(err instanceof service.ServiceNameTakenError)) throw err;
      return renderService(req, res, 400, { errors: [NAME_TAKEN], values: formValues(req.body) });
    }
    flash(req, `Le service ${input.name} a été ajouté.`);
    res.redirect(303, urls.agentSettingsServices(town));
  }

  async function loadService(req: Request) {
    const town = requireTown(req);
    const id = param(req, 'serviceId');
    service.assertId(id);
    const found = await settings.findService(pool, town.id, id);
    if (!found) throw new NotFoundError('service of another town');
    return found;
  }

  async function showEdit(req: Request, res: Response) {
    const s = await loadService(req);
    renderService(req, res, 200, {
      serviceId: s.id,
      name: s.name,
      errors: [],
      values: { nom: s.name, adresse: s.address, telephone: s.phone, courriel: s.email },
    });
  }

  async function update(req: Request, res: Response) {
    const town = requireTown(req);
    const s = await loadService(req);
    const form = parseForm(serviceFormSchema, req.body);
    if (!form.ok) return renderService(req, res, 400, { serviceId: s.id, name: s.name, errors: form.errors, values: form.values });
    const input = { name: form.data.nom, address: form.data.adresse, phone: form.data.telephone, email: form.data.courriel };
    try {
      await service.updateService(ctx, town, auditActor(req), s.id, input);
    } catch (err) {
      if (!(err instanceof service.ServiceNameTakenError)) throw err;
      return renderService(req, res, 400, {
        serviceId: s.id,
        name: s.name,
        errors: [NAME_TAKEN],
        values: formValues(req.body),
      });
    }
    flash(req, `Le service ${input.name} a été enregistré.`);
    res.redirect(303, urls.agentSettingsServices(town));
  }

  async function move(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(moveSchema, req.body);
    if (!form.ok) throw new NotFoundError('no such move');
    const name = await service.moveService(ctx, town, auditActor(req), param(req, 'serviceId'), form.data.sens);
    flash(req, `Le service ${name} a été déplacé vers le ${form.data.sens}.`);
    res.redirect(303, urls.agentSettingsServices(town));
  }

  async function remove(req: Request, res: Response) {
    const town = requireTown(req);
    const name = await service.removeService(ctx, town, auditActor(req), param(req, 'serviceId'));
    flash(req, `Le service ${name} a été supprimé.`);
    res.redirect(303, urls.agentSettingsServices(town));
  }

  return { list, showNew, create, showEdit, update, move, remove };
}
