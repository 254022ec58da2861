import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatDate, parisDay, shortDate } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { listActivities } from '../../../repositories/activities.repository.js';
import * as repo from '../../../repositories/renewal.repository.js';
import { urls } from '../../../routes.js';
import { DOCUMENT_KINDS } from '../../renewal/pieces.js';
import { isOpen, saveCampaign } from '../../renewal/renewal.service.js';
import { loadCampaign } from './load-campaign.js';
import { readCampaign } from './renewal.schemas.js';

/** A day as the form shows it again: 'YYYY-MM-DD' → 'DD/MM/YYYY'. */
const typed = (day: string) => shortDate(day);

/**
 * The town's renewal campaigns: the list (every agent follows them) and the campaign's form
 * (admins open and edit one): title, school year, dates, reminders, activities, pieces.
 */
export function campaignsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const today = parisDay(clock.now());
    const campaigns = await repo.listCampaigns(pool, town.id);
    res.render('agents/renewal/index', {
      title: 'Renouvellement des dossiers',
      campaigns: campaigns.map((c) => ({
        ...c,
        state: isOpen(c, today) ? 'Ouverte' : c.closesOn < today ? 'Close' : 'À venir',
      })),
      formatDate,
      isAdmin: req.agent?.role === 'admin',
    });
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    o: { campaign: repo.Campaign | null; errors: FieldError[]; values: Record<string, string>; activities: string[]; pieces: string[] },
  ) {
    const town = requireTown(req);
    const all = await listActivities(pool, town.id);
    res.status(status).render('agents/renewal/form', {
      title: o.campaign ? `Modifier la campagne ${o.campaign.title}` : 'Ouvrir une campagne de renouvellement',
      campaign: o.campaign,
      action: o.campaign ? urls.agentRenewalEdit(town, o.campaign.id) : urls.agentRenewalNew(town),
      errors: o.errors,
      fieldErrors: errorMap(o.errors),
      values: o.values,
      activities: all.map((a) => ({ ...a, checked: o.activities.includes(a.id) })),
      kinds: DOCUMENT_KINDS.map((k) => ({ ...k, checked: o.pieces.includes(k.value) })),
      shortDate,
    });
  }

  async function showNew(req: Request, res: Response) {
    await renderForm(req, res, 200, { campaign: null, errors: [], values: { relances: '7, 2' }, activities: [], pieces: [] });
  }

  async function showEdit(req: Request, res: Response) {
    const c = await loadCampaign(pool, req);
    const values = {
      titre: c.title,
      rentree: typed(c.yearStart),
      finAnnee: typed(c.yearEnd),
      ouverture: typed(c.opensOn),
      cloture: typed(c.closesOn),
      relances: c.reminderDays.join(', '),
    };
    await renderForm(req, res, 200, { campaign: c, errors: [], values, activities: c.activityIds, pieces: c.requiredKinds });
  }

  async function save(req: Request, res: Response, campaign: repo.Campaign | null) {
    const town = requireTown(req);
    const all = await listActivities(pool, town.id);
    const form = readCampaign(
      req.body,
      all.map((a) => a.id),
    );
    if (!form.ok) return renderForm(req, res, 400, { campaign, ...form });
    const id = await saveCampaign(ctx, town, auditActor(req), campaign?.id ?? null, form.data);
    if (!id) throw new NotFoundError('campaign gone');
    req.session.flash = { kind: 'success', message: `La campagne ${form.data.title} a été ${campaign ? 'modifiée' : 'ouverte'}.` };
    res.redirect(303, urls.agentRenewal(town, id));
  }

  const create = (req: Request, res: Response) => save(req, res, null);
  const update = async (req: Request, res: Response) => save(req, res, await loadCampaign(pool, req));

  return { list, showNew, create, showEdit, update };
}
