import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { addDays, daysBetween, eachDay, eachWeek, parseDay, parseMonthKey } from '../../lib/calendar-days.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, formValues, type FieldError } from '../../lib/forms.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { listFamilyEnrolments, type EnrolmentRow } from '../../repositories/activities.repository.js';
import { findSubmissionByKey } from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { isoWeekday, type DayState } from './day-states.js';
import { draftOf, draftSize, forget, MAX_DRAFT_DAYS, newKey, setWanted, wantedOf, type ReservationDraft } from './draft.js';
import { dayLabel, mondayOf, monthLabel, shiftMonth, shortDay, stateText, todayIn, unitPlural, untilLabel, WEEKDAYS } from './labels.js';
import { BadGridError, parseGrid, parsePeriodicity, validateSchema, type Periodicity } from './reservations.schemas.js';
import * as service from './reservations.service.js';
import { describeRule } from './rules.js';
import { weekdaysPlural } from '../../lib/french.js';

/**
 * The parent's side of reservations: MON AGENDA, the choice of enrolment, the week/month
 * grid with its pending changes, the periodicity with its preview, the recap and VALIDER.
 * Every page loads the child through the session's family: another family's or another
 * town's ids give the same 404 as an unknown one.
 */

type View = { mode: 'mois'; month: string } | { mode: 'semaine'; monday: string };

function viewKey(v: View): string {
  return v.mode === 'mois' ? `mois:${v.month}` : `semaine:${v.monday}`;
}

function parseViewKey(key: string | undefined): View | undefined {
  if (!key) return undefined;
  const [mode, value] = key.split(':');
  const month = mode === 'mois' ? parseMonthKey(value) : undefined;
  if (month) return { mode: 'mois', month };
  const day = mode === 'semaine' ? parseDay(value) : undefined;
  if (day) return { mode: 'semaine', monday: mondayOf(day) };
  return undefined;
}

function viewRange(v: View): { from: string; to: string } {
  if (v.mode === 'semaine') return { from: v.monday, to: addDays(v.monday, 6) };
  return service.monthBounds(v.month);
}

function viewParams(v: View): { mois?: string; semaine?: string } {
  return v.mode === 'mois' ? { mois: v.month } : { semaine: v.monday };
}

/** A year either side of today is plenty to navigate; beyond, the default view. */
function sensible(v: View, today: string): boolean {
  const from = viewRange(v).from;
  return from >= addDays(today, -400) && from <= addDays(today, 800);
}

function clampDay(day: string, from: string, to: string): string {
  return day < from ? from : day > to ? to : day;
}

export function reservationsRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: service.ReservationContext = { pool, clock, config };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });

  /** Only a validated account linked to a family file: anyone else gets the same 404. */
  function familyOnly(req: Request, _res: Response, next: NextFunction): void {
    const a = req.account;
    if (!a || !a.familyId || a.validationStatus !== 'validated') return next(new NotFoundError('no family'));
    next();
  }

  function parentOf(req: Request): service.Parent {
    const a = req.account!;
    return {
      id: a.id,
      familyId: a.familyId!,
      email: a.email,
      civility: a.civility,
      lastName: a.lastName,
      firstNames: a.firstNames,
      validationStatus: a.validationStatus,
    };
  }

  const param = (req: Request, name: string): string => {
    const v = req.params[name];
    return typeof v === 'string' ? v : '';
  };

  async function loadEnrolment(req: Request) {
    const town = requireTown(req);
    return service.enrolmentContext(pool, town, parentOf(req), param(req, 'childId'), param(req, 'enrolmentId'));
  }

  // ------------------------------------------------------------------ MON AGENDA

  router.get('/mon-espace/enfants/:childId/agenda', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const today = todayIn(clock.now());
    const asked = typeof req.query.mois === 'string' ? parseViewKey(`mois:${req.query.mois}`) : undefined;
    const month = asked && asked.mode === 'mois' && sensible(asked, today) ? asked.month : today.slice(0, 7);
    const { from, to } = service.monthBounds(month);
    const agenda = await service.childAgenda(ctx, town, parentOf(req), param(req, 'childId'), from, to);
    const weeks: { monday: string; caption: string; days: { day: string; label: string; cells: string[] }[] }[] = [];
    for (const monday of eachWeek(mondayOf(from), to)) {
      const sunday = addDays(monday, 6);
      const days = eachDay(monday < from ? from : monday, sunday > to ? to : sunday)
        // Weekend rows only when an activity runs then: a table of empty Saturdays helps nobody.
        .filter((d) => isoWeekday(d) <= 5 || agenda.entries.some((e) => e.days.get(d)?.status !== 'not_running'))
        .map((day) => ({
          day,
          label: dayLabel(day),
          cells: agenda.entries.map((e) => {
            const s = e.days.get(day);
            return s ? (s.status === 'not_running' && !s.reason ? '–' : stateText(s, true)) : '–';
          }),
        }));
      weeks.push({ monday, caption: `Semaine du ${dayLabel(monday)} au ${dayLabel(sunday)}`, days });
    }
    const closures = agenda.calendar.closures.filter((c) => c.startDate <= to && c.endDate >= from);
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
      weeks,
      closures,
    });
  });

  // ------------------------------------------------------------------ choose the enrolment

  router.get('/mon-espace/enfants/:childId/reservations', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const child = await service.familyChild(pool, town, parentOf(req), param(req, 'childId'));
    const enrolments = await listFamilyEnrolments(pool, town.id, parentOf(req).familyId, child.id);
    const activities = await Promise.all(enrolments.map((e) => service.enrolmentContext(pool, town, parentOf(req), child.id, e.id)));
    res.render('reservations/choose', {
      title: `Modifier les réservations – ${child.firstNames}`,
      child,
      items: activities.map((ec) => ({ ec, rule: describeRule(ec.calendar.bookingRule) })),
    });
  });

  // ------------------------------------------------------------------ the grid

  function defaultView(ec: service.EnrolmentContext, today: string): View {
    return { mode: 'mois', month: clampDay(today, ec.enrolment.startDate, ec.enrolment.endDate).slice(0, 7) };
  }

  router.get('/mon-espace/enfants/:childId/reservations/:enrolmentId', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const now = clock.now();
    const today = todayIn(now);
    const asked =
      typeof req.query.semaine === 'string'
        ? parseViewKey(`semaine:${req.query.semaine}`)
        : typeof req.query.mois === 'string'
          ? parseViewKey(`mois:${req.query.mois}`)
          : undefined;
    const view = asked && sensible(asked, today) ? asked : defaultView(ec, today);
    await renderGrid(req, res, town, ec, view, now);
  });

  async function renderGrid(req: Request, res: Response, town: Town, ec: service.EnrolmentContext, view: View, now: Date) {
    const { from, to } = viewRange(view);
    const states = await service.enrolmentDays(pool, town, ec, from, to, now, await service.cachedTownCalendar(ctx, town));
    const byDay = new Map(states.map((s) => [s.day, s]));
    const draft = req.session.reservationDraft;
    const weeks = [];
    for (const monday of eachWeek(mondayOf(from), to)) {
      weeks.push({
        monday,
        label: `Semaine du ${dayLabel(monday)}`,
        cells: eachDay(monday, addDays(monday, 6)).map((day) => {
          const s = byDay.get(day);
          if (!s) return { day, inRange: false };
          const reserved = s.reservation !== undefined;
          const wanted = wantedOf(draft, ec.enrolment.id, day);
          return {
            day,
            inRange: true,
            short: shortDay(day),
            label: dayLabel(day),
            state: s,
            text: stateText(s),
            checked: wanted ?? reserved,
            pending: wanted !== undefined && wanted !== reserved,
            until: s.changeable && s.deadline ? untilLabel(s.deadline) : undefined,
          };
        }),
      });
    }
    const siblings = service.siblingEnrolments(ec);
    const pending = await pendingCount(req, town, ec);
    const prevView: View =
      view.mode === 'mois' ? { mode: 'mois', month: shiftMonth(view.month, -1) } : { mode: 'semaine', monday: addDays(view.monday, -7) };
    const nextView: View =
      view.mode === 'mois' ? { mode: 'mois', month: shiftMonth(view.month, 1) } : { mode: 'semaine', monday: addDays(view.monday, 7) };
    const periodLabel =
      view.mode === 'mois' ? monthLabel(view.month) : `semaine du ${dayLabel(view.monday)} au ${dayLabel(addDays(view.monday, 6))}`;
    const navLabel = (v: View) =>
      v.mode === 'mois' ? monthLabel(v.month) : `semaine du ${shortDay(v.monday)} au ${shortDay(addDays(v.monday, 6))}`;
    res.render('reservations/grid', {
      title: `Réservations – ${ec.child.firstNames} – ${ec.activity.name}`,
      ec,
      view,
      viewKey: viewKey(view),
      from,
      to,
      periodLabel,
      weeks,
      weekdays: WEEKDAYS,
      shown: states.filter((s) => s.changeable).map((s) => s.day),
      siblings,
      pending,
      prev: { key: viewKey(prevView), label: navLabel(prevView) },
      next: { key: viewKey(nextView), label: navLabel(nextView) },
      other:
        view.mode === 'mois'
          ? { key: `semaine:${mondayOf(clampDay(todayIn(now), from, to))}`, label: 'Afficher par semaine' }
          : { key: `mois:${view.monday.slice(0, 7)}`, label: 'Afficher le mois' },
      rule: describeRule(ec.calendar.bookingRule),
      units: unitPlural(ec.activity.unit),
    });
  }

  /** How many days wait for VALIDER in this activity, all children of the family. */
  async function pendingCount(req: Request, town: Town, ec: service.EnrolmentContext): Promise<number> {
    const draft = req.session.reservationDraft;
    if (!draft) return 0;
    return ec.familyEnrolments
      .filter((e) => e.activityId === ec.activity.id)
      .reduce((n, e) => n + Object.keys(draft.changes[e.id] ?? {}).length, 0);
  }

  /**
   * Applies wanted states to the draft for one enrolment, only on days that can be changed
   * now. Returns the days that could not be (they are told to the parent).
   */
  async function applyToDraft(
    req: Request,
    town: Town,
    ec: service.EnrolmentContext,
    wantedFor: (state: DayState) => boolean | undefined,
    from: string,
    to: string,
  ): Promise<{ blocked: DayState[] }> {
    const draft = draftOf(req.session);
    const states = await service.enrolmentDays(pool, town, ec, from, to, clock.now(), await service.cachedTownCalendar(ctx, town));
    const blocked: DayState[] = [];
    for (const s of states) {
      const wanted = wantedFor(s);
      if (wanted === undefined) continue;
      if (!s.changeable) {
        if (wanted !== (s.reservation !== undefined)) blocked.push(s);
        forget(draft, ec.enrolment.id, [s.day]);
        continue;
      }
      setWanted(draft, ec.enrolment.id, s.day, wanted, s.reservation !== undefined);
    }
    if (draftSize(draft) > MAX_DRAFT_DAYS) throw new BadGridError();
    return { blocked };
  }

  async function siblingContexts(req: Request, town: Town, ec: service.EnrolmentContext, ids: string[]) {
    if (ids.length === 0) return [];
    const siblings = service.siblingEnrolments(ec);
    return Promise.all(
      ids.map((id) => {
        const s = siblings.find((e) => e.id === id);
        if (!s) throw new BadGridError();
        return service.enrolmentContext(pool, town, parentOf(req), s.childId, s.id);
      }),
    );
  }

  function blockedMessage(blocked: { firstNames: string; state: DayState }[]): string {
    return `Ces jours ne peuvent plus être modifiés et n'ont pas été pris en compte : ${blocked
      .map((b) => `${b.firstNames}, ${dayLabel(b.state.day)} (${b.state.reason?.label ?? 'pas d’activité'})`)
      .join(' ; ')}.`;
  }

  router.post('/mon-espace/enfants/:childId/reservations/:enrolmentId', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const form = parseGrid(req.body);
    const view = parseViewKey(formValues(req.body).vue) ?? defaultView(ec, todayIn(clock.now()));
    const shown = [...new Set(form.shown)].sort();
    const blocked: { firstNames: string; state: DayState }[] = [];
    if (shown.length > 0) {
      const from = shown[0]!;
      const to = shown[shown.length - 1]!;
      if (daysBetween(from, to) >= 62) throw new BadGridError();
      const shownSet = new Set(shown);
      const wantedFor = (s: DayState) =>
        shownSet.has(s.day)
          ? form.action === 'tout-cocher'
            ? true
            : form.action === 'tout-decocher'
              ? false
              : form.ticked.has(s.day)
          : undefined;
      for (const target of [ec, ...(await siblingContexts(req, town, ec, form.freres))]) {
        const r = await applyToDraft(req, town, target, wantedFor, from, to);
        blocked.push(...r.blocked.map((state) => ({ firstNames: target.child.firstNames, state })));
      }
    }
    if (blocked.length > 0) req.session.flash = { kind: 'warning', message: blockedMessage(blocked) };
    else if (form.action === 'recapitulatif') {
      // nothing to say: the recap shows it all
    } else if (!form.go) {
      req.session.flash = {
        kind: 'info',
        message: 'Vos modifications sont en attente : elles seront enregistrées quand vous les validerez depuis le récapitulatif.',
      };
    }
    if (form.action === 'recapitulatif' && !form.go) return res.redirect(303, urls.reservationRecap(town, ec.child.id, ec.enrolment.id));
    const target = parseViewKey(form.go) ?? view;
    res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id, viewParams(target)));
  });

  // ------------------------------------------------------------------ periodicity

  async function renderPeriodicity(
    req: Request,
    res: Response,
    ec: service.EnrolmentContext,
    status: number,
    errors: FieldError[],
    values: Record<string, string>,
    lists: { jours: string[]; freres: string[] },
  ) {
    const siblings = service.siblingEnrolments(ec);
    res.status(status).render('reservations/periodicity', {
      title: `Appliquer une périodicité – ${ec.child.firstNames}`,
      ec,
      siblings,
      weekdays: ec.activity.weekdays.map((n) => ({ value: String(n), label: WEEKDAYS[n - 1]! })),
      errors,
      fieldErrors: errorMap(errors),
      values,
      lists,
    });
  }

  router.get('/mon-espace/enfants/:childId/reservations/:enrolmentId/periodicite', parentOnly, familyOnly, async (req, res) => {
    const ec = await loadEnrolment(req);
    const today = todayIn(clock.now());
    const du = clampDay(addDays(today, 1), ec.enrolment.startDate, ec.enrolment.endDate);
    await renderPeriodicity(
      req,
      res,
      ec,
      200,
      [],
      { du: shortDate(du), au: shortDate(ec.enrolment.endDate), action: 'reserver' },
      {
        jours: [],
        freres: [],
      },
    );
  });

  /** What a periodicity does, child by child: the days that change and those skipped, with why. */
  async function preview(req: Request, town: Town, ec: service.EnrolmentContext, p: Periodicity) {
    const targets = [ec, ...(await siblingContexts(req, town, ec, p.freres))];
    const book = p.action === 'reserver';
    const weekdays = new Set(p.jours.map(Number));
    return Promise.all(
      targets.map(async (target) => {
        const from = p.du < target.enrolment.startDate ? target.enrolment.startDate : p.du;
        const to = p.au > target.enrolment.endDate ? target.enrolment.endDate : p.au;
        const states = from <= to ? await service.enrolmentDays(pool, town, target, from, to, clock.now()) : [];
        const change: DayState[] = [];
        const skipped: { state: DayState; reason: string }[] = [];
        for (const s of states) {
          if (!weekdays.has(isoWeekday(s.day))) continue;
          if (s.status === 'not_running' && !s.reason) continue; // a weekday the activity never runs
          const reserved = s.reservation !== undefined;
          if (reserved === book) {
            skipped.push({
              state: s,
              reason: book ? (s.status === 'waiting' ? "Déjà en liste d'attente" : 'Déjà réservé') : 'Pas de réservation',
            });
          } else if (!s.changeable) skipped.push({ state: s, reason: s.reason?.label ?? "Pas d'activité" });
          else change.push(s);
        }
        return { target, change, skipped, full: change.filter((s) => s.full).length };
      }),
    );
  }

  router.post('/mon-espace/enfants/:childId/reservations/:enrolmentId/periodicite', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const form = parsePeriodicity(req.body);
    if (!form.ok) return renderPeriodicity(req, res, ec, 400, form.errors, form.values, form.lists);
    const notRunning = form.data.jours.filter((d) => !ec.activity.weekdays.includes(Number(d)));
    if (notRunning.length > 0) {
      return renderPeriodicity(
        req,
        res,
        ec,
        400,
        [{ field: 'jours', message: "Choisissez des jours où l'activité a lieu" }],
        formValues(req.body),
        {
          jours: form.data.jours,
          freres: form.data.freres,
        },
      );
    }
    const children = await preview(req, town, ec, form.data);
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
  });

  router.post('/mon-espace/enfants/:childId/reservations/:enrolmentId/periodicite/confirmer', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const form = parsePeriodicity(req.body);
    if (!form.ok) return renderPeriodicity(req, res, ec, 400, form.errors, form.values, form.lists);
    const children = await preview(req, town, ec, form.data);
    const draft = draftOf(req.session);
    for (const c of children) {
      for (const s of c.change)
        setWanted(draft, c.target.enrolment.id, s.day, form.data.action === 'reserver', s.reservation !== undefined);
    }
    if (draftSize(draft) > MAX_DRAFT_DAYS) throw new BadGridError();
    res.redirect(303, urls.reservationRecap(town, ec.child.id, ec.enrolment.id));
  });

  // ------------------------------------------------------------------ recap and VALIDER

  /** The pending changes of this activity for every child of the family, day by day. */
  async function recap(req: Request, town: Town, ec: service.EnrolmentContext, draft: ReservationDraft | undefined) {
    const enrolments = (await listFamilyEnrolments(pool, town.id, parentOf(req).familyId)).filter(
      (e) => e.activityId === ec.activity.id && draft?.changes[e.id],
    );
    const lines = [];
    for (const e of enrolments) {
      const days = Object.keys(draft!.changes[e.id]!).sort();
      const target = e.id === ec.enrolment.id ? ec : await service.enrolmentContext(pool, town, parentOf(req), e.childId, e.id);
      const states = new Map(
        (await service.enrolmentDays(pool, town, target, days[0]!, days[days.length - 1]!, clock.now())).map((s) => [s.day, s]),
      );
      const book: DayState[] = [];
      const cancel: DayState[] = [];
      const blocked: DayState[] = [];
      for (const day of days) {
        const s = states.get(day)!;
        const wanted = draft!.changes[e.id]![day] === 1;
        if (wanted === (s.reservation !== undefined)) forget(draft!, e.id, [day]);
        else if (!s.changeable) blocked.push(s);
        else (wanted ? book : cancel).push(s);
      }
      lines.push({ enrolment: e, book, cancel, blocked });
    }
    return lines;
  }

  async function renderRecap(req: Request, res: Response, ec: service.EnrolmentContext, status: number, errors: FieldError[]) {
    const town = requireTown(req);
    const draft = req.session.reservationDraft;
    const lines = await recap(req, town, ec, draft);
    // Days that can no longer change leave the draft now, and the page says which.
    const blocked = lines.flatMap((l) => l.blocked.map((state) => ({ firstNames: l.enrolment.childFirstNames, state })));
    for (const l of lines)
      forget(
        draft!,
        l.enrolment.id,
        l.blocked.map((s) => s.day),
      );
    if (blocked.length > 0 && errors.length === 0) res.locals.flash = { kind: 'warning', message: blockedMessage(blocked) };
    const count = lines.reduce((n, l) => n + l.book.length + l.cancel.length, 0);
    res.status(status).render('reservations/recap', {
      title: `Récapitulatif – ${ec.activity.name}`,
      ec,
      lines: lines.filter((l) => l.book.length + l.cancel.length > 0),
      count,
      key: draft?.key ?? '',
      errors,
      dayLabel,
      shortDate,
      units: unitPlural(ec.activity.unit),
    });
  }

  router.get('/mon-espace/enfants/:childId/reservations/:enrolmentId/recapitulatif', parentOnly, familyOnly, async (req, res) => {
    const ec = await loadEnrolment(req);
    await renderRecap(req, res, ec, 200, []);
  });

  router.post('/mon-espace/enfants/:childId/reservations/:enrolmentId/valider', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const parsed = validateSchema.safeParse(formValues(req.body));
    if (!parsed.success) throw new BadGridError();
    const key = parsed.data.cle;
    const draft = req.session.reservationDraft;
    if (!draft || draft.key !== key) {
      // Already validated (a second click, a retried form): show what the first one did.
      const done = await findByKey(town, req, key);
      if (done) return res.redirect(303, urls.reservationSubmission(town, done));
      req.session.flash = { kind: 'info', message: 'Aucune modification en attente.' };
      return res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id));
    }
    // The pending days go to the service as they are: it alone decides, at the moment of
    // saving, what is already so, and refuses everything if one day is too late.
    const enrolments = ec.familyEnrolments.filter((e) => e.activityId === ec.activity.id && draft.changes[e.id]);
    const changes = enrolments.map((e) => {
      const days = Object.entries(draft.changes[e.id]!);
      return {
        enrolmentId: e.id,
        book: days
          .filter(([, v]) => v === 1)
          .map(([d]) => d)
          .sort(),
        cancel: days
          .filter(([, v]) => v === 0)
          .map(([d]) => d)
          .sort(),
      };
    });
    if (changes.length === 0) return renderRecap(req, res, ec, 200, []);
    // Counted per family (two parents share one allowance) once a real save is asked for:
    // a retried form or a second click after the first answered (above) is free.
    await rateLimitRequests(ctx, parentOf(req).familyId, 'reservation');
    try {
      const result = await service.saveReservations(ctx, town, parentOf(req), { activityId: ec.activity.id, key, changes });
      for (const c of changes) forget(draft, c.enrolmentId, [...c.book, ...c.cancel]);
      draft.key = newKey();
      if (!result.duplicate) {
        const n = (r: string) => result.outcome.filter((o) => o.result === r).length;
        const parts = [
          n('booked') && `${n('booked')} réservation${n('booked') > 1 ? 's' : ''} enregistrée${n('booked') > 1 ? 's' : ''}`,
          n('waiting') && `${n('waiting')} en liste d'attente`,
          n('cancelled') && `${n('cancelled')} annulée${n('cancelled') > 1 ? 's' : ''}`,
        ].filter(Boolean);
        req.session.flash = { kind: 'success', message: `Votre demande a été prise en compte : ${parts.join(', ')}.` };
      }
      res.redirect(303, urls.reservationSubmission(town, result.submissionId));
    } catch (err) {
      if (!(err instanceof service.ChangesRefusedError)) throw err;
      // The deadline passed between the recap and VALIDER: nothing saved, those days leave the draft.
      for (const r of err.refused) forget(draft, r.enrolmentId, [r.day]);
      const errors = [
        {
          field: 'valider',
          message: `Rien n'a été enregistré : ces jours ne peuvent plus être modifiés et ont été retirés de votre demande – ${err.refused
            .map((r) => `${r.firstNames}, ${dayLabel(r.day)} (${r.reason})`)
            .join(' ; ')}. Vérifiez le récapitulatif puis validez à nouveau.`,
        },
      ];
      await renderRecap(req, res, ec, 409, errors);
    }
  });

  async function findByKey(town: Town, req: Request, key: string): Promise<string | undefined> {
    return (await findSubmissionByKey(pool, town.id, parentOf(req).familyId, key))?.id;
  }

  router.post('/mon-espace/enfants/:childId/reservations/:enrolmentId/abandonner', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const ec = await loadEnrolment(req);
    const draft = req.session.reservationDraft;
    if (draft) {
      const enrolments = await listFamilyEnrolments(pool, town.id, parentOf(req).familyId);
      for (const e of enrolments.filter((x: EnrolmentRow) => x.activityId === ec.activity.id)) forget(draft, e.id);
    }
    req.session.flash = { kind: 'info', message: 'Vos modifications en attente ont été abandonnées.' };
    res.redirect(303, urls.reservationGrid(town, ec.child.id, ec.enrolment.id));
  });

  router.get('/mon-espace/reservations/demandes/:submissionId', parentOnly, familyOnly, async (req, res) => {
    const town = requireTown(req);
    const submission = await service.findSubmissionForFamily(ctx, town, parentOf(req), param(req, 'submissionId'));
    const children = await listFamilyEnrolments(pool, town.id, parentOf(req).familyId);
    const firstChild = submission.outcome[0]?.childId ?? children[0]?.childId;
    res.render('reservations/submission', {
      title: 'Votre demande de réservation',
      submission,
      agendaUrl: firstChild ? urls.childAgenda(town, firstChild, submission.outcome[0]?.day.slice(0, 7)) : urls.dashboard(town),
      requestUrl: submission.requestId ? urls.request(town, submission.requestId) : undefined,
      dayLabel,
    });
  });

  return router;
}

function shortDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

function groupByMonth(days: DayState[]): { month: string; label: string; days: DayState[] }[] {
  const groups = new Map<string, DayState[]>();
  for (const d of days) {
    const m = d.day.slice(0, 7);
    if (!groups.has(m)) groups.set(m, []);
    groups.get(m)!.push(d);
  }
  return [...groups].map(([month, list]) => ({ month, label: monthLabel(month), days: list }));
}
