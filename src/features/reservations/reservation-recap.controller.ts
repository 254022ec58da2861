import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { addDays } from '../../lib/calendar/index.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { weekdaysPlural } from '../../lib/french.js';
import { requireTown } from '../../middleware/town.js';
import { findSubmissionByKey } from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { recapPriceOf } from '../billing/invoicing.service.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { daySpan, draftChangeSets, pendingDays, recapLine } from './draft-changes.js';
import { draftOf, draftSize, forget, MAX_DRAFT_DAYS, newKey, setWanted } from './draft.js';
import { clampDay } from './grid-view.js';
import { unitPlural } from './labels.js';
import { dayLabel, shortDate, parisDay as todayIn, WEEKDAYS } from '../../lib/calendar/index.js';
import { parentEnrolments, parentOf, siblingContexts } from './parent-enrolments.js';
import { groupByMonth, periodicityWindow, previewDays } from './periodicity-preview.js';
import { blockedMessage, refusedMessage, savedMessage } from './reservation-messages.js';
import { BadGridError, parsePeriodicity, validateSchema, type Periodicity } from './reservations.schemas.js';
import * as service from './reservations.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * From the draft to a saved request: the periodicity with its preview, the recap of the
 * pending days and VALIDER (idempotent on the recap's key, refused as a whole when a day
 * became too late).
 */
export function reservationRecapController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const { loadEnrolment, loadEnrolmentWithDays } = parentEnrolments(pool);

  function renderPeriodicity(
    res: Response,
    ec: service.EnrolmentContext,
    status: number,
    form: { errors: FieldError[]; values: Record<string, string>; lists: { jours: string[]; freres: string[] } },
  ) {
    res.status(status).render('reservations/periodicity', {
      title: `Appliquer une périodicité – ${ec.child.firstNames}`,
      ec,
      siblings: service.siblingEnrolments(ec),
      weekdays: ec.activity.weekdays.map((n) => ({ value: String(n), label: WEEKDAYS[n - 1]! })),
      errors: form.errors,
      fieldErrors: errorMap(form.errors),
      values: form.values,
      lists: form.lists,
    });
  }

  async function showPeriodicity(req: Request, res: Response) {
    const ec = await loadEnrolment(req);
    const du = clampDay(addDays(todayIn(clock.now()), 1), ec.enrolment.startDate, ec.enrolment.endDate);
    renderPeriodicity(res, ec, 200, {
      errors: [],
      values: { du: shortDate(du), au: shortDate(ec.enrolment.endDate), action: 'reserver' },
      lists: { jours: [], freres: [] },
    });
  }

  /** What a periodicity does, child by child: the days that change and those skipped, with why. */
  async function preview(town: Town, ec: service.EnrolmentContext, p: Periodicity) {
    const targets = [ec, ...siblingContexts(ec, p.freres)];
    const windows = targets.map((target) => periodicityWindow(p, target.enrolment));
    // Every child's days in one read: from the first window's start to the last one's end.
    const span = daySpan(windows.flatMap((w) => (w ? [w.from, w.to] : [])));
    const [days, calendar] = span
      ? await Promise.all([service.familyDays(pool, town, ec, span.from, span.to), service.cachedTownCalendar(ctx, town)])
      : [];
    const now = clock.now();
    return targets.map((target, i) => {
      const window = windows[i];
      const states = window && days && calendar ? service.statesFrom(target, days, calendar, window.from, window.to, now) : [];
      return { target, ...previewDays(states, p) };
    });
  }

  async function previewPeriodicity(req: Request, res: Response) {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const form = parsePeriodicity(req.body);
    if (!form.ok) return renderPeriodicity(res, ec, 400, form);
    if (form.data.jours.some((d) => !ec.activity.weekdays.includes(Number(d)))) {
      return renderPeriodicity(res, ec, 400, {
        errors: [{ field: 'jours', message: "Choisissez des jours où l'activité a lieu" }],
        values: formValues(req.body),
        lists: { jours: form.data.jours, freres: form.data.freres },
      });
    }
    const children = await preview(town, ec, form.data);
    res.render('reservations/periodicity-preview', {
      title: `Aperçu de la périodicité – ${ec.child.firstNames}`,
      ec,
      p: form.data,
      children: children.map((c) => ({ ...c, changeMonths: groupByMonth(c.change) })),
      // "Tous les lundis et jeudis": the days repeat, so they take the plural.
      daysLabel: weekdaysPlural(form.data.jours.map(Number).sort((a, b) => a - b)),
      dayLabel,
      shortDate,
      unit: ec.activity.unit.toLowerCase(),
      units: unitPlural(ec.activity.unit),
    });
  }

  async function confirmPeriodicity(req: Request, res: Response) {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const form = parsePeriodicity(req.body);
    if (!form.ok) return renderPeriodicity(res, ec, 400, form);
    const children = await preview(town, ec, form.data);
    const draft = draftOf(req.session);
    for (const c of children) {
      for (const s of c.change)
        setWanted(draft, c.target.enrolment.id, s.day, form.data.action === 'reserver', s.reservation !== undefined);
    }
    if (draftSize(draft) > MAX_DRAFT_DAYS) throw new BadGridError();
    res.redirect(303, urls.reservationRecap(town, ec.child.id, ec.enrolment.id));
  }

  /** The pending changes of this activity for every child of the family; days that can no longer change leave the draft, and the page says which. */
  async function renderRecap(
    req: Request,
    res: Response,
    ec: service.EnrolmentContext,
    status: number,
    errors: FieldError[],
    read?: service.EnrolmentDays,
  ) {
    const town = requireTown(req);
    const draft = req.session.reservationDraft;
    const pending = draft
      ? ec.familyEnrolments
          .filter((e) => e.activityId === ec.activity.id && draft.changes[e.id])
          .map((enrolment) => ({ enrolment, days: pendingDays(draft, enrolment.id) }))
          .filter((p) => p.days.length > 0)
      : [];
    // Every child's pending days from one read: the rows read with the enrolment when they cover them.
    const span = daySpan(pending.flatMap((p) => p.days));
    const covered = span && read && read.from <= span.from && read.to >= span.to;
    const [days, calendar] = span
      ? await Promise.all([covered ? read : service.familyDays(pool, town, ec, span.from, span.to), service.cachedTownCalendar(ctx, town)])
      : [];
    const now = clock.now();
    const lines = pending.map(({ enrolment: e, days: asked }) => {
      const target = e.id === ec.enrolment.id ? ec : service.siblingContext(ec, e);
      const states = service.statesFrom(target, days!, calendar!, asked[0]!, asked[asked.length - 1]!, now);
      return { enrolment: e, ...recapLine(draft!, e.id, states) };
    });
    const blocked = lines.flatMap((l) => l.blocked.map((state) => ({ firstNames: l.enrolment.childFirstNames, state })));
    for (const l of lines)
      forget(
        draft!,
        l.enrolment.id,
        l.blocked.map((s) => s.day),
      );
    if (blocked.length > 0 && errors.length === 0) res.locals.flash = { kind: 'warning', message: blockedMessage(blocked) };
    const shown = lines.filter((l) => l.book.length + l.cancel.length > 0);
    res.status(status).render('reservations/recap', {
      title: `Récapitulatif – ${ec.activity.name}`,
      ec,
      lines: shown,
      // What the changes cost at today's tariff and QF (issue 14): billing's own rules.
      price: await recapPriceOf(ctx, town.id, parentOf(req).familyId, ec.activity.id, shown),
      count: lines.reduce((n, l) => n + l.book.length + l.cancel.length, 0),
      key: draft?.key ?? '',
      errors,
      dayLabel,
      shortDate,
      units: unitPlural(ec.activity.unit),
    });
  }

  async function showRecap(req: Request, res: Response) {
    // The draft's days (of any activity) bound what the recap reads with the enrolment.
    const draft = req.session.reservationDraft;
    const span = draft ? daySpan(Object.keys(draft.changes).flatMap((id) => pendingDays(draft, id))) : undefined;
    const { ec, days } = await loadEnrolmentWithDays(req, span);
    await renderRecap(req, res, ec, 200, [], days);
  }

  async function validate(req: Request, res: Response) {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const parsed = parseForm(validateSchema, req.body);
    if (!parsed.ok) throw new BadGridError();
    const key = parsed.data.cle;
    const draft = req.session.reservationDraft;
    if (!draft || draft.key !== key) {
      // Already validated (a second click, a retried form): show what the first one did.
      const done = await findSubmissionByKey(pool, town.id, parentOf(req).familyId, key);
      if (done) return res.redirect(303, urls.reservationSubmission(town, done.id));
      req.session.flash = { kind: 'info', message: 'Aucune modification en attente.' };
      return res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id));
    }
    // The pending days go to the service as they are: it alone decides, at the moment of
    // saving, what is already so, and refuses everything if one day is too late.
    const changes = draftChangeSets(draft, ec.familyEnrolments, ec.activity.id);
    if (changes.length === 0) return renderRecap(req, res, ec, 200, []);
    // Counted per family (two parents share one allowance) once a real save is asked for:
    // a retried form or a second click after the first answered (above) is free.
    await rateLimitRequests(ctx, parentOf(req).familyId, 'reservation');
    try {
      const result = await service.saveReservations(ctx, town, parentOf(req), { activityId: ec.activity.id, key, changes });
      for (const c of changes) forget(draft, c.enrolmentId, [...c.book, ...c.cancel]);
      draft.key = newKey();
      if (!result.duplicate) req.session.flash = { kind: 'success', message: savedMessage(result.outcome) };
      res.redirect(303, urls.reservationSubmission(town, result.submissionId));
    } catch (err) {
      if (!(err instanceof service.ChangesRefusedError)) throw err;
      // The deadline passed between the recap and VALIDER: nothing saved, those days leave the draft.
      for (const r of err.refused) forget(draft, r.enrolmentId, [r.day]);
      await renderRecap(req, res, ec, 409, [{ field: 'valider', message: refusedMessage(err.refused) }]);
    }
  }

  return { showPeriodicity, previewPeriodicity, confirmPeriodicity, showRecap, validate };
}
