import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatDate, parisDay } from '../../../lib/calendar/index.js';
import { contentDisposition } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { listActivities } from '../../../repositories/activities.repository.js';
import * as repo from '../../../repositories/renewal.repository.js';
import { urls } from '../../../routes.js';
import { kindLabel } from '../../renewal/pieces.js';
import { campaignCsv } from '../../renewal/renewal-csv.js';
import {
  countByStatus,
  RENEWAL_STATUS_LABELS,
  RENEWAL_STATUSES,
  renewalStatusOf,
  type RenewalStatus,
} from '../../renewal/renewal-status.js';
import { isOpen, markIncomplete, reminderDay, validateRenewal } from '../../renewal/renewal.service.js';
import { loadCampaign } from './load-campaign.js';
import { readMissing } from './renewal.schemas.js';

/** Lines a table shows at most; the CSV export has every child. */
const SHOWN = 500;

/**
 * A campaign's follow-up (every agent): counts by status, the late families (a child not
 * sent), each child's line with its decision — validate (next year's enrolments) or
 * "incomplet" with what is missing — and the export.
 */
export function followUpController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function children(townId: string, campaign: repo.Campaign) {
    const [rows, activities] = await Promise.all([repo.listCampaignChildren(pool, townId, campaign.id), listActivities(pool, townId)]);
    const name = (id: string) => activities.find((a) => a.id === id)?.name ?? '';
    return {
      activities: activities.filter((a) => campaign.activityIds.includes(a.id)),
      rows: rows.map((c) => ({ ...c, status: renewalStatusOf(c.requestStatus), activities: c.activityIds.map(name) })),
    };
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; failed?: string },
  ) {
    const town = requireTown(req);
    const campaign = await loadCampaign(pool, req);
    const { activities, rows } = await children(town.id, campaign);
    const query = formValues(req.query).statut ?? '';
    const filter = (RENEWAL_STATUSES as readonly string[]).includes(query) ? (query as RenewalStatus) : null;
    const late = new Map<string, { familyName: string; cleEnfance: string; children: string[] }>();
    for (const c of rows.filter((r) => r.status === 'todo')) {
      const f = late.get(c.familyId) ?? { familyName: c.familyName, cleEnfance: c.cleEnfance, children: [] };
      f.children.push(c.firstNames);
      late.set(c.familyId, f);
    }
    const errors = form.errors ?? [];
    const today = parisDay(clock.now());
    res.status(status).render('agents/renewal/show', {
      title: `Campagne ${campaign.title}`,
      campaign,
      open: isOpen(campaign, today),
      activities,
      pieces: campaign.requiredKinds.map(kindLabel),
      reminders: campaign.reminderDays.map((d) => ({ days: d, on: reminderDay(campaign, d) })),
      remindersSent: await repo.countReminders(pool, town.id, campaign.id),
      counts: countByStatus(rows.map((r) => r.status)),
      statuses: RENEWAL_STATUSES,
      statusLabels: RENEWAL_STATUS_LABELS,
      filter,
      // A town of thousands of children: the page shows the first lines, the export has them all.
      rows: (filter ? rows.filter((r) => r.status === filter) : rows).slice(0, SHOWN),
      shownLimit: SHOWN,
      lateFamilies: [...late.values()].slice(0, SHOWN),
      lateCount: late.size,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      failed: form.failed ?? null,
      formatDate,
      isAdmin: req.agent?.role === 'admin',
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200, {});

  async function exportCsv(req: Request, res: Response) {
    const town = requireTown(req);
    const campaign = await loadCampaign(pool, req);
    const { rows } = await children(town.id, campaign);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition(`renouvellement-${campaign.yearStart.slice(0, 4)}.csv`));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(campaignCsv(rows));
  }

  /** The request of the path, a renewal of this campaign in this town: anything else is the 404. */
  async function loadRequest(req: Request, campaign: repo.Campaign): Promise<string> {
    const requestId = idParam(req, 'requestId');
    const submission = await repo.findSubmissionOfRequest(pool, requireTown(req).id, requestId);
    if (!submission || submission.campaignId !== campaign.id) throw new NotFoundError('renewal of another campaign');
    return requestId;
  }

  async function validate(req: Request, res: Response) {
    const town = requireTown(req);
    const campaign = await loadCampaign(pool, req);
    const requestId = await loadRequest(req, campaign);
    const result = await validateRenewal(ctx, town, auditActor(req), requestId);
    if (!result.ok)
      return render(req, res, result.problem === 'not_allowed' ? 409 : 400, { errors: [{ field: '', message: result.message }] });
    req.session.flash = { kind: 'success', message: 'Le renouvellement est validé : les inscriptions de la rentrée sont enregistrées.' };
    res.redirect(303, urls.agentRenewal(town, campaign.id));
  }

  async function incomplete(req: Request, res: Response) {
    const town = requireTown(req);
    const campaign = await loadCampaign(pool, req);
    const requestId = await loadRequest(req, campaign);
    const form = readMissing(req.body);
    if (!form.ok) return render(req, res, 400, { errors: form.errors, values: form.values, failed: requestId });
    const result = await markIncomplete(ctx, town, auditActor(req), requestId, form.message);
    if (!result.ok) {
      return render(req, res, result.problem === 'not_allowed' ? 409 : 400, { errors: [{ field: '', message: result.message }] });
    }
    req.session.flash = { kind: 'success', message: 'Le dossier est marqué incomplet : la famille a reçu votre message par courriel.' };
    res.redirect(303, urls.agentRenewal(town, campaign.id));
  }

  return { show, exportCsv, validate, incomplete };
}
