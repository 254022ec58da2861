import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/date-input.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { findFamily } from '../../repositories/families.repository.js';
import { listFamilyAdults, listFamilyChildren } from '../../repositories/family-members.repository.js';
import { listChildRequestsForParent } from '../../repositories/requests.repository.js';
import { urls } from '../../routes.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { idParam } from '../requests/request-params.js';
import { MESSAGE_MAX } from '../requests/requests.schemas.js';
import { rateLimitRequests, scopeOf, type RequestContext } from '../requests/requests.service.js';
import { childFileValues, MAX_PERSONS, parseAdultMember, parseChildFile, parseChildMember, personFields } from './family.schemas.js';
import * as service from './family.service.js';

/**
 * MA FAMILLE: the household and its co-représentants, a child's page (MES INFORMATIONS and
 * the Dossier administratif, which the parent edits), and "Ajouter un membre". Only a
 * validated account linked to a family file sees the family: the pages say why otherwise,
 * and every URL naming a child answers 404 to anyone but its family, whatever the verb.
 */
export function familyRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: RequestContext = { pool, clock, config };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });
  /** A URL naming a child tells nothing to whoever is not of its family: 404, whatever the verb. */
  const childOnly: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.account || !familyOpen(req.account)) throw new NotFoundError();
    return parentOnly(req, res, next);
  };
  /** Pages of the family as a whole: explain, rather than hide, when it is closed. */
  const familyPage: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (familyOpen(req.account!)) return next();
    if (req.method !== 'GET') throw new NotFoundError();
    res.render('family/closed', { title: 'Ma famille' });
  };

  router.get('/mon-espace/famille', parentOnly, familyPage, async (req, res) => {
    const town = requireTown(req);
    const familyId = req.account!.familyId!;
    const [family, adults, children] = await Promise.all([
      findFamily(pool, town.id, familyId),
      listFamilyAdults(pool, town.id, familyId),
      listFamilyChildren(pool, town.id, familyId),
    ]);
    res.render('family/index', { title: 'Ma famille', family, adults, children });
  });

  // ------------------------------------------------------------------ a child's page

  router.get('/mon-espace/enfants/:childId', childOnly, async (req, res) => {
    const town = requireTown(req);
    const child = await service.childOf(ctx, town, req.account!, idParam(req, 'childId'));
    const requests = await listChildRequestsForParent(pool, town.id, scopeOf(req.account!), child.id, 5);
    res.render('family/child', {
      title: `${child.firstNames} ${child.lastName.toUpperCase()} – Mes informations`,
      child,
      requests,
      statusLabels: STATUS_LABELS,
    });
  });

  function renderChildFile(
    res: Response,
    status: number,
    child: Awaited<ReturnType<typeof service.childOf>>,
    form: { errors?: FieldError[]; values?: Record<string, string> },
  ) {
    const errors = form.errors ?? [];
    const values = form.values ?? childFileValues(child);
    // Rows for the persons allowed to collect the child: up to the last one filled, and two empty ones.
    const used = Array.from({ length: MAX_PERSONS }, (_, i) => i + 1).filter((i) => {
      const f = personFields(i);
      return values[f.nom] || values[f.lien] || values[f.telephone];
    });
    const rows = Math.min(MAX_PERSONS, (used.at(-1) ?? 0) + 2);
    res.status(status).render('family/child-file', {
      title: `Dossier administratif – ${child.firstNames} ${child.lastName.toUpperCase()}`,
      child,
      errors,
      fieldErrors: errorMap(errors),
      values,
      personRows: Array.from({ length: rows }, (_, i) => ({ n: i + 1, ...personFields(i + 1) })),
      messageMax: MESSAGE_MAX,
    });
  }

  router.get('/mon-espace/enfants/:childId/dossier', childOnly, async (req, res) => {
    const town = requireTown(req);
    const child = await service.childOf(ctx, town, req.account!, idParam(req, 'childId'));
    renderChildFile(res, 200, child, {});
  });

  router.post('/mon-espace/enfants/:childId/dossier', childOnly, async (req, res) => {
    const town = requireTown(req);
    const child = await service.childOf(ctx, town, req.account!, idParam(req, 'childId'));
    await rateLimitRequests(ctx, req.account!.id, 'request');
    const form = parseChildFile(req.body);
    if (!form.ok) return renderChildFile(res, 400, child, { errors: form.errors, values: form.values });
    const result = await service.saveChildFile(ctx, town, req.account!, child.id, form.data.fields, form.data.message);
    if (result.kind === 'unchanged') {
      req.session.flash = { kind: 'info', message: "Vous n'avez rien modifié : aucune demande n'a été envoyée." };
      return res.redirect(303, urls.child(town, child.id));
    }
    req.session.flash = {
      kind: 'success',
      message: `Le dossier est enregistré. ${result.changes > 1 ? 'Les modifications sont transmises' : 'La modification est transmise'} aux services, qui en prendront acte.`,
    };
    res.redirect(303, urls.child(town, child.id));
  });

  // ------------------------------------------------------------------ Ajouter un membre

  router.get('/mon-espace/famille/ajouter-un-membre', parentOnly, familyPage, (_req, res) => {
    res.render('family/add-member', { title: 'Ajouter un membre' });
  });

  function renderMemberForm(
    res: Response,
    kind: 'enfant' | 'adulte',
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; dateErrorFields?: string[] },
  ) {
    const errors = form.errors ?? [];
    res.status(status).render(kind === 'enfant' ? 'family/add-child' : 'family/add-adult', {
      title: kind === 'enfant' ? 'Ajouter un enfant' : 'Ajouter un adulte',
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      dateErrorFields: form.dateErrorFields ?? [],
      messageMax: MESSAGE_MAX,
    });
  }

  for (const kind of ['enfant', 'adulte'] as const) {
    router.get(`/mon-espace/famille/ajouter-un-membre/${kind}`, parentOnly, familyPage, async (req, res) => {
      const town = requireTown(req);
      // A child usually carries the family's name: offer it.
      const family = kind === 'enfant' ? await findFamily(pool, town.id, req.account!.familyId!) : undefined;
      renderMemberForm(res, kind, 200, { values: family ? { nom: family.name } : {} });
    });

    router.post(`/mon-espace/famille/ajouter-un-membre/${kind}`, parentOnly, familyPage, async (req, res) => {
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
    });
  }

  return router;
}
