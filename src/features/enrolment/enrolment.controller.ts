import type { NextFunction, Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { formatDate, parisDay, WEEKDAYS } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { UUID } from '../../lib/ids.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { findFamilyApplication, listFamilyChildren, listOffer, type OfferActivity } from '../../repositories/enrolment.repository.js';
import { urls } from '../../routes.js';
import { listForOwner } from '../documents/documents.service.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { eligibility } from './eligibility.js';
import { readApplication } from './enrolment.schemas.js';
import * as service from './enrolment.service.js';
import { acceptsApplications, enrolmentState } from './offer.js';
import { checkStoredPiece, pieceWords } from './pieces.js';

/**
 * "Inscrire mon enfant" (issue 16): the activities open to applications, then one form per
 * activity (the child among those who fit, the period and days, the pieces from the storage
 * or uploaded, the answers), and the follow-up of an application with its waiting-list rank.
 * The family's own children, documents and requests only.
 */
export function enrolmentController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const parentOf = (req: Request) => req.account as Account & { familyId: string };

  /**
   * The activity of `?activite=` or of the form's hidden field, if it takes applications now;
   * undefined when none is asked. A form `arriving` may find its enrolment closed since the
   * page was shown: the service then says so in French (only an activity never open online is a 404).
   */
  async function chosenActivity(req: Request, raw: unknown, arriving = false): Promise<OfferActivity | undefined> {
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string' || !UUID.test(raw)) throw new NotFoundError('bad activity id');
    const now = clock.now();
    const [activity] = await listOffer(pool, requireTown(req).id, parisDay(now), raw.toLowerCase());
    const open = activity && (arriving ? activity.enrolmentOpensAt !== null : acceptsApplications(enrolmentState(activity, now)));
    if (!open) throw new NotFoundError('activity not open to applications');
    return activity;
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    activity: OfferActivity,
    form: { errors: FieldError[]; values: Record<string, string>; jours: string[]; filesForgotten?: boolean },
  ) {
    const town = requireTown(req);
    const parent = parentOf(req);
    const today = parisDay(clock.now());
    const [children, listed] = await Promise.all([
      listFamilyChildren(pool, town.id, parent.familyId, activity.id),
      listForOwner(ctx, parent),
    ]);
    const pieces = activity.requiredPieces.map((piece) => ({
      kind: piece.kind,
      words: pieceWords(piece),
      documents: listed.documents
        .filter((d) => d.kind === piece.kind)
        .map((d) => {
          const check = checkStoredPiece(d, piece, today);
          return { id: d.id, title: d.title, validity: d.validity.label, problem: check.ok ? null : check.reason };
        }),
    }));
    res.status(status).render('enrolment/form', {
      title: `Inscrire mon enfant – ${activity.name}`,
      activity,
      state: enrolmentState(activity, clock.now()),
      children: children.map((c) => ({ ...c, fits: eligibility(c, activity) })),
      weekdays: activity.weekdays.map((n) => ({ value: String(n), label: WEEKDAYS[n - 1]! })),
      pieces,
      errors: form.errors,
      fieldErrors: errorMap(form.errors),
      values: form.values,
      jours: form.jours,
      filesForgotten: form.filesForgotten ?? false,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
    });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await chosenActivity(req, req.query.activite);
    if (activity) {
      const values = { du: formatDate(activity.startDate), au: formatDate(activity.endDate) };
      return renderForm(req, res, 200, activity, { errors: [], values, jours: activity.weekdays.map(String) });
    }
    const now = clock.now();
    const open = (await listOffer(pool, town.id, parisDay(now))).filter((a) => acceptsApplications(enrolmentState(a, now)));
    res.render('enrolment/choose', {
      title: 'Inscrire mon enfant',
      activities: open.map((a) => ({ id: a.id, name: a.name, site: a.site, state: enrolmentState(a, now).label })),
    });
  }

  /** A flood of applications is refused (429) before any file is read, like the other requests. */
  async function beforeUpload(req: Request, _res: Response, next: NextFunction) {
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function submit(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await chosenActivity(req, (req.body as Record<string, unknown>).activite, true);
    if (!activity) throw new NotFoundError('no activity chosen');
    const uploads = req.uploads!;
    const form = readApplication(req.body, activity, uploads);
    const again = { values: form.values, jours: form.jours, filesForgotten: uploads.received > 0 };
    if (!form.ok) return renderForm(req, res, form.status, activity, { ...again, errors: form.errors });
    const result = await service.apply(ctx, town, parentOf(req), activity, { ...form.data, uploads: uploads.files });
    if (!result.ok) return renderForm(req, res, 400, activity, { ...again, errors: result.errors });
    req.session.flash = {
      kind: 'success',
      message: "Votre demande d'inscription a été envoyée aux services. Un courriel vous indiquera leur décision.",
    };
    res.redirect(303, urls.enrolmentApplication(town, result.requestId));
  }

  async function application(req: Request, res: Response) {
    const town = requireTown(req);
    const found = await findFamilyApplication(pool, town.id, parentOf(req).familyId, idParam(req, 'requestId'));
    if (!found) throw new NotFoundError('application of another family');
    res.render('enrolment/application', {
      title: 'Demande d’inscription',
      application: found,
      statusLabel: STATUS_LABELS[found.status],
      activityName: typeof found.payload.activityName === 'string' ? found.payload.activityName : '',
      childName: typeof found.payload.childName === 'string' ? found.payload.childName : '',
    });
  }

  return { show, beforeUpload, submit, application };
}
