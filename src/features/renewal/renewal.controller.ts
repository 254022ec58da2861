import type { NextFunction, Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { formatDate, parisDay } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../lib/file-checks.js';
import { errorMap, formValues, type FieldError } from '../../lib/forms.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { listActivities } from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import { urls } from '../../routes.js';
import { kindLabel } from './pieces.js';
import { listForOwner } from '../documents/documents.service.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { pieceField, readRenewal, UPLOAD_CHOICE } from './renewal-form.js';
import { RENEWAL_STATUS_LABELS, renewalStatusOf } from './renewal-status.js';
import { sendRenewal } from './renewal-send.js';

/**
 * "Renouvellement du dossier" (issue 16): the open campaign and each child's status, then a
 * child's renewal as one form whose sections are the steps (the Dossier administratif
 * confirmed, the pieces, the activities of the rentrée). Only the family's own children.
 */
export function renewalController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const parentOf = (req: Request) => req.account as Account & { familyId: string };

  async function overview(req: Request, res: Response) {
    const town = requireTown(req);
    const campaign = await repo.findOpenCampaign(pool, town.id, parisDay(clock.now()));
    const children = campaign ? await repo.listCampaignChildren(pool, town.id, campaign.id, parentOf(req).familyId) : [];
    res.render('renewal/index', {
      title: 'Renouvellement du dossier',
      campaign,
      children: children.map((c) => ({ ...c, status: renewalStatusOf(c.requestStatus) })),
      statusLabels: RENEWAL_STATUS_LABELS,
    });
  }

  /**
   * The open campaign and the family's child of the path, or the 404 (another family's child, no
   * campaign). A form `arriving` just after the close finds the campaign it was sent for, closed:
   * the parent is told in French rather than shown a page not found.
   */
  async function load(req: Request, arriving = false) {
    const town = requireTown(req);
    const childId = idParam(req, 'childId');
    const today = parisDay(clock.now());
    const open = await repo.findOpenCampaign(pool, town.id, today);
    const campaign = open ?? (arriving ? (await repo.listCampaigns(pool, town.id)).find((c) => c.opensOn <= today) : undefined);
    if (!campaign) throw new NotFoundError('no open campaign');
    const child = (await repo.listCampaignChildren(pool, town.id, campaign.id, parentOf(req).familyId)).find((c) => c.childId === childId);
    if (!child) throw new NotFoundError('child of another family');
    return { town, campaign, child, closed: !open };
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; activities?: string[]; filesForgotten?: boolean },
  ) {
    const { town, campaign, child } = await load(req, req.method === 'POST');
    const [listed, allActivities, enrolled] = await Promise.all([
      listForOwner(ctx, req.account!),
      listActivities(pool, town.id),
      repo.enrolledActivityIds(pool, town.id, campaign.id, child.childId, campaign.yearStart),
    ]);
    const errors = form.errors ?? [];
    res.status(status).render('renewal/child', {
      title: `Renouvellement du dossier de ${child.firstNames}`,
      campaign,
      child,
      status: renewalStatusOf(child.requestStatus),
      statusLabels: RENEWAL_STATUS_LABELS,
      pieces: campaign.requiredKinds.map((kind) => ({
        kind,
        field: pieceField(kind),
        label: kindLabel(kind),
        documents: listed.documents.filter((d) => d.kind === kind),
      })),
      uploadChoice: UPLOAD_CHOICE,
      activities: allActivities.filter((a) => campaign.activityIds.includes(a.id)),
      ticked: form.activities ?? enrolled,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? { confirme: '' },
      filesForgotten: form.filesForgotten ?? false,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200, {});

  /** A flood of renewals is refused (429) before any file is read, like the other requests; so is another family's child (404). */
  async function beforeUpload(req: Request, _res: Response, next: NextFunction) {
    await load(req, true);
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function send(req: Request, res: Response) {
    const { town, campaign, child, closed } = await load(req, true);
    const parent = parentOf(req);
    const uploads = req.uploads!;
    if (closed) {
      const message = `Le renouvellement était possible jusqu'au ${formatDate(campaign.closesOn)} : la campagne est close et votre envoi n'a pas été enregistré. Contactez le service enfance.`;
      return render(req, res, 400, {
        errors: [{ field: 'confirme', message }],
        values: formValues(req.body),
        filesForgotten: uploads.received > 0,
      });
    }
    const listed = await listForOwner(ctx, parent);
    const form = readRenewal(req.body, {
      childName: child.firstNames,
      requiredKinds: campaign.requiredKinds,
      activityIds: campaign.activityIds,
      documents: listed.documents,
      uploads,
    });
    const filesForgotten = uploads.received > 0;
    if (!form.ok)
      return render(req, res, form.status, { errors: form.errors, values: form.values, activities: form.activities, filesForgotten });
    const names = { id: child.childId, firstNames: child.firstNames, lastName: child.lastName };
    const result = await sendRenewal(ctx, town, parent, campaign, names, form.data, uploads.files);
    if (!result.ok) {
      return render(req, res, 400, {
        errors: result.errors,
        values: formValues(req.body),
        activities: form.data.activityIds,
        filesForgotten,
      });
    }
    req.session.flash = {
      kind: 'success',
      message: `Le renouvellement du dossier de ${child.firstNames} a été envoyé aux services. Un courriel vous indiquera leur décision.`,
    };
    res.redirect(303, urls.renewal(town));
  }

  return { overview, show, beforeUpload, send };
}
