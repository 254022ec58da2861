import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { findFamily } from '../../repositories/families.repository.js';
import { listFamilyAdults, listFamilyChildren } from '../../repositories/family-members.repository.js';
import { listChildRequestsForParent } from '../../repositories/requests.repository.js';
import { urls } from '../../routes.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import { idParam } from '../../lib/params.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { MESSAGE_MAX } from '../requests/requests.schemas.js';
import { rateLimitRequests, scopeOf } from '../requests/requests.service.js';
import { PAI_ALLERGENS_MAX } from '../family-files/family-files.schemas.js';
import { childFileValues, parseAdultMember, parseChildFile, parseChildMember, personRows } from './my-family.schemas.js';
import * as service from './my-family.service.js';
import type { ServiceContext } from '../../deps.js';

type MemberKind = 'enfant' | 'adulte';

/**
 * MA FAMILLE: the household and its co-représentants, a child's page (MES INFORMATIONS and
 * the Dossier administratif, which the parent edits), and "Ajouter un membre". Read-only
 * pages read the repositories directly; changes go to the services as requests.
 */
export function familyController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  /** A URL naming a child tells nothing to whoever is not of its family: 404, whatever the verb. */
  function childOnly(parentOnly: RequestHandler): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (!req.account || !familyOpen(req.account)) throw new NotFoundError();
      return parentOnly(req, res, next);
    };
  }

  /** Pages of the family as a whole: explain, rather than hide, when it is closed. */
  function familyPage(req: Request, res: Response, next: NextFunction) {
    if (familyOpen(req.account!)) return next();
    if (req.method !== 'GET') throw new NotFoundError();
    res.render('my-family/closed', { title: 'Ma famille' });
  }

  async function showFamily(req: Request, res: Response) {
    const town = requireTown(req);
    const familyId = req.account!.familyId!;
    const [family, adults, children] = await Promise.all([
      findFamily(pool, town.id, familyId),
      listFamilyAdults(pool, town.id, familyId),
      listFamilyChildren(pool, town.id, familyId),
    ]);
    res.render('my-family/index', { title: 'Ma famille', family, adults, children });
  }

  async function showChild(req: Request, res: Response) {
    const town = requireTown(req);
    const child = await service.childOf(ctx, town, req.account!, idParam(req, 'childId'));
    const requests = await listChildRequestsForParent(pool, town.id, scopeOf(req.account!), child.id, 5);
    res.render('my-family/child', {
      title: `${child.firstNames} ${child.lastName.toUpperCase()} – Mes informations`,
      child,
      requests,
      statusLabels: STATUS_LABELS,
    });
  }

  function renderChildFile(
    res: Response,
    status: number,
    child: Awaited<ReturnType<typeof service.childOf>>,
    form: { errors?: FieldError[]; values?: Record<string, string> },
  ) {
    const errors = form.errors ?? [];
    const values = form.values ?? childFileValues(child);
    res.status(status).render('my-family/child-file', {
      title: `Dossier administratif – ${child.firstNames} ${child.lastName.toUpperCase()}`,
      child,
      errors,
      fieldErrors: errorMap(errors),
      values,
      personRows: personRows(values),
      messageMax: MESSAGE_MAX,
      paiAllergensMax: PAI_ALLERGENS_MAX,
    });
  }

  async function showChildFile(req: Request, res: Response) {
    const child = await service.childOf(ctx, requireTown(req), req.account!, idParam(req, 'childId'));
    renderChildFile(res, 200, child, {});
  }

  async function saveChildFile(req: Request, res: Response) {
    const town = requireTown(req);
    const child = await service.childOf(ctx, town, req.account!, idParam(req, 'childId'));
    await rateLimitRequests(ctx, req.account!.id, 'request');
    const form = parseChildFile(req.body);
    if (!form.ok) return renderChildFile(res, 400, child, { errors: form.errors, values: form.values });
    const result = await service.saveChildFile(ctx, town, req.account!, child.id, form.data.fields, form.data.message);
    req.session.flash =
      result.kind === 'unchanged'
        ? { kind: 'info', message: "Vous n'avez rien modifié : aucune demande n'a été envoyée." }
        : {
            kind: 'success',
            message: `Le dossier est enregistré. ${result.changes > 1 ? 'Les modifications sont transmises' : 'La modification est transmise'} aux services, qui en prendront acte.`,
          };
    res.redirect(303, urls.child(town, child.id));
  }

  function showAddMember(_req: Request, res: Response) {
    res.render('my-family/add-member', { title: 'Ajouter un membre' });
  }

  function renderMemberForm(
    res: Response,
    kind: MemberKind,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; dateErrorFields?: string[] },
  ) {
    const errors = form.errors ?? [];
    res.status(status).render(kind === 'enfant' ? 'my-family/add-child' : 'my-family/add-adult', {
      title: kind === 'enfant' ? 'Ajouter un enfant' : 'Ajouter un adulte',
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      dateErrorFields: form.dateErrorFields ?? [],
      messageMax: MESSAGE_MAX,
    });
  }

  function showMemberForm(kind: MemberKind) {
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      // A child usually carries the family's name: offer it.
      const family = kind === 'enfant' ? await findFamily(pool, town.id, req.account!.familyId!) : undefined;
      renderMemberForm(res, kind, 200, { values: family ? { nom: family.name } : {} });
    };
  }

  function requestMember(kind: MemberKind) {
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      await rateLimitRequests(ctx, req.account!.id, 'request');
      const form = kind === 'enfant' ? parseChildMember(req.body, parisDay(clock.now())) : parseAdultMember(req.body);
      if (!form.ok) {
        const dateErrorFields = 'dateErrorFields' in form && Array.isArray(form.dateErrorFields) ? (form.dateErrorFields as string[]) : [];
        return renderMemberForm(res, kind, 400, { errors: form.errors, values: form.values, dateErrorFields });
      }
      const requestId = await service.requestNewMember(ctx, town, req.account!, form.data.payload, form.data.message);
      req.session.flash = {
        kind: 'success',
        message: 'Votre demande est envoyée aux services, qui ajouteront ce membre à votre dossier famille. Un courriel vous le confirme.',
      };
      res.redirect(303, urls.request(town, requestId));
    };
  }

  return { childOnly, familyPage, showFamily, showChild, showChildFile, saveChildFile, showAddMember, showMemberForm, requestMember };
}
