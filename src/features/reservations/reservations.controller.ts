import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { daysBetween } from '../../lib/calendar/index.js';
import { formValues } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { listFamilyEnrolments } from '../../repositories/activities.repository.js';
import { urls } from '../../routes.js';
import { idParam } from '../../lib/params.js';
import type { DayState } from './day-states.js';
import { applyToDraft, gridWantedFor, pendingCount } from './draft-changes.js';
import { draftOf, forget } from './draft.js';
import {
  agendaWeeks,
  askedView,
  defaultView,
  gridNavigation,
  gridWeeks,
  parseViewKey,
  sensible,
  viewKey,
  viewParams,
  viewRange,
} from './grid-view.js';
import { unitPlural } from './labels.js';
import { dayLabel, monthBounds, monthLabel, shiftMonth, parisDay as todayIn, WEEKDAYS } from '../../lib/calendar/index.js';
import { blockedMessage } from './reservation-messages.js';
import { parentEnrolments, parentOf, siblingContexts } from './parent-enrolments.js';
import { BadGridError, parseGrid } from './reservations.schemas.js';
import * as service from './reservations.service.js';
import { describeRule } from '../../lib/calendar/index.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The parent's side of reservations, reading and changing the draft: MON AGENDA, the choice
 * of enrolment, the week/month grid with its pending changes, ABANDONNER and the page of a
 * saved request. The periodicity, the recap and VALIDER are in reservation-recap.controller.ts.
 */
export function reservationsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const { loadEnrolment, loadEnrolmentWithDays } = parentEnrolments(pool);

  async function showAgenda(req: Request, res: Response) {
    const town = requireTown(req);
    const today = todayIn(clock.now());
    const asked = typeof req.query.mois === 'string' ? parseViewKey(`mois:${req.query.mois}`) : undefined;
    const month = asked && asked.mode === 'mois' && sensible(asked, today) ? asked.month : today.slice(0, 7);
    const { from, to } = monthBounds(month);
    const agenda = await service.childAgenda(ctx, town, parentOf(req), idParam(req, 'childId'), from, to);
    res.render('reservations/agenda', {
      title: `Mon agenda – ${agenda.child.firstNames}`,
      child: agenda.child,
      month,
      monthName: monthLabel(month),
      prev: shiftMonth(month, -1),
      next: shiftMonth(month, 1),
      prevName: monthLabel(shiftMonth(month, -1)),
      nextName: monthLabel(shiftMonth(month, 1)),
      entries: agenda.entries,
      enrolments: agenda.enrolments,
      weeks: agendaWeeks(from, to, agenda.entries),
      closures: agenda.calendar.closures.filter((c) => c.startDate <= to && c.endDate >= from),
    });
  }

  async function chooseEnrolment(req: Request, res: Response) {
    const town = requireTown(req);
    const { child, enrolments } = await service.childEnrolments(ctx, town, parentOf(req), idParam(req, 'childId'));
    res.render('reservations/choose', {
      title: `Modifier les réservations – ${child.firstNames}`,
      child,
      items: enrolments.map((ec) => ({ ec, rule: describeRule(ec.calendar.bookingRule) })),
    });
  }

  async function showGrid(req: Request, res: Response) {
    const town = requireTown(req);
    const now = clock.now();
    const today = todayIn(now);
    const asked = askedView(req.query);
    // Without a view asked, the current month is read with the enrolment; the default view
    // is that month unless the enrolment starts later or has ended (then its days are read apart).
    const guess = viewRange(asked && sensible(asked, today) ? asked : { mode: 'mois', month: today.slice(0, 7) });
    const [{ ec, days }, calendar] = await Promise.all([loadEnrolmentWithDays(req, guess), service.cachedTownCalendar(ctx, town)]);
    const view = asked && sensible(asked, today) ? asked : defaultView(ec.enrolment, today);
    const { from, to } = viewRange(view);
    const states =
      days && from === days.from && to === days.to
        ? service.statesFrom(ec, days, calendar, from, to, now)
        : await service.enrolmentDays(pool, town, ec, from, to, now, calendar);
    const draft = req.session.reservationDraft;
    res.render('reservations/grid', {
      title: `Réservations – ${ec.child.firstNames} – ${ec.activity.name}`,
      ec,
      view,
      viewKey: viewKey(view),
      from,
      to,
      weeks: gridWeeks(from, to, states, draft, ec.enrolment.id),
      weekdays: WEEKDAYS,
      shown: states.filter((s) => s.changeable).map((s) => s.day),
      siblings: service.siblingEnrolments(ec),
      pending: pendingCount(draft, ec.familyEnrolments, ec.activity.id),
      ...gridNavigation(view, today),
      rule: describeRule(ec.calendar.bookingRule),
      units: unitPlural(ec.activity.unit),
    });
  }

  /** The grid's post: its ticks go to the draft (this child and the siblings chosen), then back to a view or to the recap. */
  async function changeGrid(req: Request, res: Response) {
    const town = requireTown(req);
    // The form is read first for its days, which come with the enrolment in one round trip;
    // an unknown enrolment is still a 404 before a malformed form is a 400.
    const parsed = attempt(() => parseGrid(req.body));
    const shown = parsed.ok ? [...new Set(parsed.value.shown)].sort() : [];
    const range = shown.length > 0 ? { from: shown[0]!, to: shown[shown.length - 1]! } : undefined;
    const readable = range && daysBetween(range.from, range.to) < 62 ? range : undefined;
    const [{ ec, days }, calendar] = await Promise.all([
      loadEnrolmentWithDays(req, readable),
      readable ? service.cachedTownCalendar(ctx, town) : undefined,
    ]);
    if (!parsed.ok) throw parsed.error;
    const form = parsed.value;
    const view = parseViewKey(formValues(req.body).vue) ?? defaultView(ec.enrolment, todayIn(clock.now()));
    const blocked: { firstNames: string; state: DayState }[] = [];
    if (range) {
      if (!days || !calendar) throw new BadGridError();
      const wantedFor = gridWantedFor(new Set(shown), form.ticked, form.action);
      const draft = draftOf(req.session);
      const now = clock.now();
      for (const target of [ec, ...siblingContexts(ec, form.freres)]) {
        const states = service.statesFrom(target, days, calendar, range.from, range.to, now);
        const refused = applyToDraft(draft, target.enrolment.id, states, wantedFor);
        blocked.push(...refused.map((state) => ({ firstNames: target.child.firstNames, state })));
      }
    }
    if (blocked.length > 0) req.session.flash = { kind: 'warning', message: blockedMessage(blocked) };
    else if (form.action !== 'recapitulatif' && !form.go) {
      // The recap shows it all; elsewhere the parent is told nothing is saved yet.
      req.session.flash = {
        kind: 'info',
        message: 'Vos modifications sont en attente : elles seront enregistrées quand vous les validerez depuis le récapitulatif.',
      };
    }
    if (form.action === 'recapitulatif' && !form.go) return res.redirect(303, urls.reservationRecap(town, ec.child.id, ec.enrolment.id));
    const target = parseViewKey(form.go) ?? view;
    res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id, viewParams(target)));
  }

  /** ABANDONNER: the pending days of this activity leave the draft, for every child. */
  async function discard(req: Request, res: Response) {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const draft = req.session.reservationDraft;
    if (draft) for (const e of ec.familyEnrolments.filter((x) => x.activityId === ec.activity.id)) forget(draft, e.id);
    req.session.flash = { kind: 'info', message: 'Vos modifications en attente ont été abandonnées.' };
    res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id));
  }

  async function showSubmission(req: Request, res: Response) {
    const town = requireTown(req);
    const submission = await service.findSubmissionForFamily(ctx, town, parentOf(req), idParam(req, 'submissionId'));
    // The agenda of the first child the request is about; only an empty one needs the family's children.
    const firstChild = submission.outcome[0]?.childId ?? (await listFamilyEnrolments(pool, town.id, parentOf(req).familyId))[0]?.childId;
    res.render('reservations/submission', {
      title: 'Votre demande de réservation',
      submission,
      agendaUrl: firstChild ? urls.childAgenda(town, firstChild, submission.outcome[0]?.day.slice(0, 7)) : urls.dashboard(town),
      requestUrl: submission.requestId ? urls.request(town, submission.requestId) : undefined,
      dayLabel,
    });
  }

  return { showAgenda, chooseEnrolment, showGrid, changeGrid, discard, showSubmission };
}

/** Runs a parser and keeps its refusal for later, so that checks of the path may answer first. */
function attempt<T>(parse: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}
