import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT, formatBytes, formatLabel } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import { idParam } from '../../lib/params.js';
import { DOCUMENT_KINDS } from '../documents/documents.schemas.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { PERIOD_CHOICES } from './absence-dates.js';
import { formatLongDate as longDay } from '../../lib/calendar/index.js';
import { readStep1 } from './absence-step1.js';
import { COMMENT_MAX, MAX_RANGE_DAYS, sortErrors, type Step1Lists } from './absences.schemas.js';
import * as service from './absences.service.js';
import type { ServiceContext } from '../../deps.js';

/** What step 1 shows before anything is typed (seed 004: "Justificatif absence"). */
const DEFAULT_VALUES: Record<string, string> = { qualification: 'justificatif_absence', intitule: "Justificatif d'absence" };

/**
 * "Signaler une absence" (issue 6), the parent's side: the intro, step 1 (one multipart
 * form), the recap of the draft it saved and VALIDER. Another family's child, another
 * account's draft and anything of another town are the same 404 as an unknown id.
 */
export function absencesController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const parentOf = (req: Request) => req.account as service.AbsenceParent;

  async function showStart(req: Request, res: Response) {
    const sc = await service.step1Context(ctx, requireTown(req), parentOf(req), idParam(req, 'childId'));
    res.render('absences/start', { title: `Signalement d'absence – ${sc.child.firstNames}`, child: sc.child });
  }

  function renderStep1(
    res: Response,
    status: number,
    sc: service.Step1Context,
    form: {
      errors?: FieldError[];
      values?: Record<string, string>;
      lists?: Step1Lists;
      dateErrorFields?: string[];
      draftId?: string;
      filesForgotten?: boolean;
    },
  ) {
    const errors = sortErrors(form.errors ?? []);
    res.status(status).render('absences/step1', {
      title: `Signalement d'absence – ${sc.child.firstNames} – Étape 1 sur 2`,
      child: sc.child,
      enrolments: sc.enrolments,
      documents: sc.documents,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? DEFAULT_VALUES,
      lists: form.lists ?? { inscriptions: sc.enrolments.length === 1 ? [sc.enrolments[0]!.enrolment.id] : [], stockage: [] },
      dateErrorFields: form.dateErrorFields ?? [],
      draftId: form.draftId ?? '',
      periodChoices: PERIOD_CHOICES,
      kinds: DOCUMENT_KINDS,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
      formatBytes,
      formatLabel,
      commentMax: COMMENT_MAX,
      maxRangeDays: MAX_RANGE_DAYS,
      // After a refused form the browser has forgotten the chosen files: say so.
      filesForgotten: form.filesForgotten ?? status !== 200,
    });
  }

  async function showStep1(req: Request, res: Response) {
    const town = requireTown(req);
    const sc = await service.step1Context(ctx, town, parentOf(req), idParam(req, 'childId'));
    // "Retour à l'étape 1" from the recap: the choices come back; the files must be chosen again.
    const asked = typeof req.query.brouillon === 'string' ? req.query.brouillon : '';
    const draft = asked ? await service.findDraft(ctx, town, parentOf(req), asked) : undefined;
    if (draft && draft.data.childId === sc.child.id) {
      return renderStep1(res, 200, sc, {
        values: draft.data.values,
        lists: draft.data.lists,
        draftId: draft.id,
        filesForgotten: draft.files.some((f) => f.origin === 'upload'),
      });
    }
    renderStep1(res, 200, sc, {});
  }

  /**
   * Before the files are checked and kept: the child must be the family's (404 otherwise),
   * and a flood of uploads is refused (429) like the requests' messages.
   */
  async function beforeUpload(req: Request, res: Response, next: NextFunction) {
    res.locals.step1 = await service.step1Context(ctx, requireTown(req), parentOf(req), idParam(req, 'childId'));
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function submitStep1(req: Request, res: Response) {
    const town = requireTown(req);
    const sc = res.locals.step1 as service.Step1Context;
    const uploads = req.uploads!;
    const form = readStep1(
      req.body,
      { today: sc.today, enrolmentIds: sc.enrolments.map((e) => e.enrolment.id), childFirstNames: sc.child.firstNames },
      uploads,
    );
    if (!form.ok) return renderStep1(res, form.status, sc, { ...form.again, errors: form.errors });
    const saved = await service.saveStep1(ctx, town, parentOf(req), sc, {
      fields: form.fields,
      piece: form.piece,
      uploads: uploads.files,
      values: { ...form.again.values, fichiers: '' },
      lists: form.again.lists,
      ...(form.again.draftId ? { replacesDraft: form.again.draftId } : {}),
    });
    if (!saved.ok) return renderStep1(res, 400, sc, { ...form.again, errors: saved.errors });
    res.redirect(303, urls.absenceRecap(town, saved.draftId));
  }

  /** A draft already validated (back button, double click) leads to its request; anything else is a 404. */
  async function draftOr404(req: Request, res: Response): Promise<service.DraftView | undefined> {
    const town = requireTown(req);
    const id = idParam(req, 'draftId');
    const draft = await service.findDraft(ctx, town, parentOf(req), id);
    if (draft) return draft;
    const requestId = await service.requestOfDraft(ctx, town, parentOf(req), id);
    if (!requestId) throw new NotFoundError('draft of another account');
    req.session.flash = { kind: 'info', message: 'Ce signalement d’absence a déjà été envoyé : le voici.' };
    res.redirect(303, urls.request(town, requestId));
    return undefined;
  }

  async function showRecap(req: Request, res: Response) {
    const draft = await draftOr404(req, res);
    if (!draft) return;
    const a = req.account!;
    res.render('absences/recap', {
      title: `Signalement d'absence – ${draft.data.childFirstNames} – Étape 2 sur 2`,
      draft,
      requester: `${a.firstNames} ${a.lastName.toUpperCase()}`,
      longDay,
      formatBytes,
      formatLabel,
    });
  }

  async function validate(req: Request, res: Response) {
    const town = requireTown(req);
    const result = await service.validateDraft(ctx, town, parentOf(req), idParam(req, 'draftId'));
    if (result.kind === 'quota' || result.kind === 'stale') {
      // Nothing was saved: step 1 again, with the choices and why.
      const sc = await service.step1Context(ctx, town, parentOf(req), result.draft.data.childId);
      return renderStep1(res, result.kind === 'quota' ? 413 : 409, sc, {
        errors: [
          result.kind === 'quota'
            ? { field: 'dupliquer', message: `${result.message}, ou décochez « Dupliquer cette pièce dans mon espace de stockage »` }
            : // No enrolment left: the form is not shown, the message stands alone.
              { field: sc.enrolments.length > 0 ? result.field : '', message: result.message },
        ],
        values: result.draft.data.values,
        lists: result.draft.data.lists,
        draftId: result.draft.id,
        filesForgotten: true,
      });
    }
    req.session.flash =
      result.kind === 'created'
        ? { kind: 'success', message: 'Votre signalement d’absence a été envoyé aux services. Un courriel vous indiquera leur décision.' }
        : { kind: 'info', message: 'Ce signalement d’absence a déjà été envoyé : le voici.' };
    res.redirect(303, urls.request(town, result.requestId));
  }

  return { showStart, showStep1, beforeUpload, submitStep1, showRecap, validate };
}
