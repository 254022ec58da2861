import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { auditActor } from '../../lib/audit.js';
import { addDays, eachDay, parisDay, parseDay, parseMonthKey } from '../../lib/calendar-days.js';
import type { DeadlineRule } from '../../lib/deadlines.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { requireAgent } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';
import * as activities from '../../repositories/activities.repository.js';
import { monthFigures } from '../../repositories/attendance.repository.js';
import * as reservations from '../../repositories/reservations.repository.js';
import { urls } from '../../routes.js';
import { agentTransition } from '../requests/requests.service.js';
import { flashAndRedirect } from '../agents/flash-redirect.js';
import * as activityService from './activities.service.js';
import * as attendanceService from './attendance.service.js';
import { registerReservationEffects } from './reservation-requests.js';
import { TownCalendar, isoWeekday } from './day-states.js';
import { dayLabel, monthLabel, shiftMonth, WEEKDAYS } from './labels.js';
import { decisionSchema, enrolmentFormSchema, parseActivityForm, type ActivityForm } from './reservations.schemas.js';
import * as service from './reservations.service.js';
import { activityCalendar, describeRule, parseRule } from './rules.js';
import { publicHolidayName } from '../../lib/public-holidays.js';

/**
 * The back-office side: activities and their rules, enrolments, who is booked or waiting
 * on a day, the month's occupancy, and the requests that wait for an agent. Agents of
 * this town only: everyone else gets the 404 of requireAgent, and every query filters on
 * the town.
 */

const RUNS_DURING = [
  { value: 'school_weeks', label: 'En période scolaire (pas pendant les vacances)' },
  { value: 'school_holidays', label: 'Pendant les vacances scolaires seulement' },
  { value: 'all', label: 'Toute la période, vacances comprises' },
];

function shortDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

function toInput(f: ActivityForm): activities.ActivityInput {
  const cutoff = f.heure ? { cutoff: f.heure } : {};
  const bookingRule: DeadlineRule | null =
    f.regle === 'commune'
      ? null
      : f.regle === 'jours'
        ? { kind: 'days_before', days: Number(f.delai), calendar: f.calendrier ?? 'calendar', ...cutoff }
        : {
            kind: 'bondoufle',
            wednesday: { days: Number(f.delaiMercredi), ...cutoff },
            holidaySession: { weeks: Number(f.semainesVacances), ...cutoff },
          };
  const cancellationRule: DeadlineRule | null =
    f.annulation === 'identique'
      ? null
      : { kind: 'days_before', days: Number(f.delaiAnnulation), calendar: f.calendrier ?? 'calendar', ...cutoff };
  return {
    name: f.nom,
    site: f.site,
    unit: f.unite,
    startDate: f.du,
    endDate: f.au,
    weekdays: f.jours.map(Number).sort(),
    runsDuring: f.periode,
    capacity: f.capacite === '' ? null : Number(f.capacite),
    bookingRule,
    cancellationRule,
    confirmation: f.confirmation,
  };
}

/** An activity as the form shows it. */
function toValues(a: activities.ActivityRow): { values: Record<string, string>; jours: string[] } {
  const booking = a.bookingRule == null ? undefined : parseRule(a.bookingRule, a.id);
  const cancel = a.cancellationRule == null ? undefined : parseRule(a.cancellationRule, a.id);
  const values: Record<string, string> = {
    nom: a.name,
    site: a.site,
    unite: a.unit,
    du: shortDate(a.startDate),
    au: shortDate(a.endDate),
    periode: a.runsDuring,
    capacite: a.capacity === null ? '' : String(a.capacity),
    regle: booking ? (booking.kind === 'days_before' ? 'jours' : 'bondoufle') : 'commune',
    annulation: cancel ? 'jours' : 'identique',
    confirmation: a.confirmation,
  };
  if (booking?.kind === 'days_before')
    Object.assign(values, { delai: String(booking.days), calendrier: booking.calendar, heure: booking.cutoff ?? '' });
  if (booking?.kind === 'bondoufle') {
    Object.assign(values, {
      delaiMercredi: String(booking.wednesday.days),
      semainesVacances: String(booking.holidaySession.weeks),
      heure: booking.wednesday.cutoff ?? '',
    });
  }
  if (cancel?.kind === 'days_before')
    Object.assign(values, { delaiAnnulation: String(cancel.days), calendrier: values.calendrier ?? cancel.calendar });
  return { values, jours: a.weekdays.map(String) };
}

export function agentsActivitiesRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: service.ReservationContext = { pool, clock, config };
  const router = Router();
  registerReservationEffects(ctx);

  const param = (req: Request, name: string): string => {
    const v = req.params[name];
    return typeof v === 'string' ? v : '';
  };

  async function loadActivity(req: Request) {
    const town = requireTown(req);
    const id = param(req, 'activityId');
    service.assertUuid(id);
    const activity = await activities.findActivity(pool, town.id, id);
    if (!activity) throw new NotFoundError('activity of another town');
    return activity;
  }

  router.get('/agents/activites', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const [list, awaiting] = await Promise.all([
      activities.listActivities(pool, town.id),
      reservations.listAwaitingSubmissions(pool, town.id),
    ]);
    res.render('agents/activities/list', {
      title: 'Activités',
      activities: list.map((a) => ({ ...a, days: a.weekdays.map((n) => WEEKDAYS[n - 1]!.toLowerCase()).join(', ') })),
      awaitingCount: awaiting.length,
      shortDate,
    });
  });

  function renderForm(
    req: Request,
    res: Response,
    status: number,
    options: { activity?: activities.ActivityRow; errors: FieldError[]; values: Record<string, string>; jours: string[] },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/activities/form', {
      title: options.activity ? `Modifier l'activité ${options.activity.name}` : 'Nouvelle activité',
      activity: options.activity,
      action: options.activity ? urls.agentActivityEdit(town, options.activity.id) : urls.agentActivityNew(town),
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
      jours: options.jours,
      weekdays: WEEKDAYS.map((label, i) => ({ value: String(i + 1), label })),
      runsDuring: RUNS_DURING,
      townRule: describeRule(parseRule(town.deadlineRules, 'town')),
    });
  }

  router.get('/agents/activites/nouvelle', requireAgent, (req, res) => {
    renderForm(req, res, 200, {
      errors: [],
      values: {
        unite: 'Repas',
        periode: 'school_weeks',
        regle: 'commune',
        annulation: 'identique',
        confirmation: 'immediate',
        calendrier: 'calendar',
      },
      // No day ticked: with days pre-ticked, an agent who ticked only "Mercredi" created
      // five days without noticing. The form refuses to save until a day is chosen.
      jours: [],
    });
  });

  router.post('/agents/activites/nouvelle', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const form = parseActivityForm(req.body);
    if (!form.ok) return renderForm(req, res, 400, { errors: form.errors, values: form.values, jours: form.jours });
    const input = toInput(form.data);
    if (await activities.activityNameTaken(pool, town.id, input)) {
      return renderForm(req, res, 400, {
        errors: [{ field: 'nom', message: 'Une activité de ce nom, à ce lieu et à cette date de début existe déjà' }],
        values: formValues(req.body),
        jours: form.data.jours,
      });
    }
    const id = await activityService.createActivity(ctx, town, auditActor(req), input);
    req.session.flash = { kind: 'success', message: `L'activité ${input.name} a été créée.` };
    res.redirect(303, urls.agentActivity(town, id));
  });

  router.get('/agents/activites/:activityId/modifier', requireAgent, async (req, res) => {
    const activity = await loadActivity(req);
    renderForm(req, res, 200, { activity, errors: [], ...toValues(activity) });
  });

  router.post('/agents/activites/:activityId/modifier', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const activity = await loadActivity(req);
    const form = parseActivityForm(req.body);
    if (!form.ok) return renderForm(req, res, 400, { activity, errors: form.errors, values: form.values, jours: form.jours });
    const input = toInput(form.data);
    if (await activities.activityNameTaken(pool, town.id, input, activity.id)) {
      return renderForm(req, res, 400, {
        activity,
        errors: [{ field: 'nom', message: 'Une activité de ce nom, à ce lieu et à cette date de début existe déjà' }],
        values: formValues(req.body),
        jours: form.data.jours,
      });
    }
    await activityService.updateActivity(ctx, town, auditActor(req), activity.id, input);
    req.session.flash = { kind: 'success', message: `L'activité ${input.name} a été modifiée.` };
    res.redirect(303, urls.agentActivity(town, activity.id));
  });

  router.get('/agents/activites/:activityId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const activity = await loadActivity(req);
    const today = parisDay(clock.now());
    const asked = parseMonthKey(req.query.mois);
    const defaultMonth = (today < activity.startDate ? activity.startDate : today > activity.endDate ? activity.endDate : today).slice(
      0,
      7,
    );
    const month = asked ?? defaultMonth;
    const { from, to } = service.monthBounds(month);
    const [enrolments, counts, closures, figures] = await Promise.all([
      activities.listActivityEnrolments(pool, town.id, activity.id),
      reservations.occupancy(pool, town.id, activity.id, from, to),
      activities.listClosures(pool, town.id),
      monthFigures(pool, town.id, activity.id, from, to),
    ]);
    const calendar = new TownCalendar(closures);
    const cal = activityCalendar(activity, town.deadlineRules);
    const byDay = new Map(counts.map((c) => [c.day, c]));
    const figuresOf = new Map(figures.map((f) => [f.day, f]));
    const rows = eachDay(from, to)
      .filter((day) => day >= activity.startDate && day <= activity.endDate && cal.weekdays.includes(isoWeekday(day)))
      .map((day) => {
        const holiday = publicHolidayName(day);
        const closure = calendar.closureOn(day);
        const school = calendar.schoolHolidayOn(day);
        const closed = holiday
          ? `Férié (${holiday})`
          : closure
            ? `Fermé (${closure.label})`
            : cal.runsDuring === 'school_weeks' && school
              ? school.label
              : cal.runsDuring === 'school_holidays' && !school
                ? 'Hors vacances'
                : undefined;
        return {
          day,
          label: dayLabel(day),
          booked: byDay.get(day)?.booked ?? 0,
          waiting: byDay.get(day)?.waiting ?? 0,
          absences: figuresOf.get(day)?.absences ?? 0,
          present: figuresOf.get(day)?.present ?? null,
          past: day <= today,
          closed,
        };
      });
    res.render('agents/activities/show', {
      title: activity.name,
      activity,
      bookingRule: describeRule(cal.bookingRule),
      cancellationRule: describeRule(cal.cancellationRule),
      days: activity.weekdays.map((n) => WEEKDAYS[n - 1]!.toLowerCase()).join(', '),
      runsDuring: RUNS_DURING.find((r) => r.value === activity.runsDuring)!.label,
      enrolments,
      month,
      monthName: monthLabel(month),
      prev: shiftMonth(month, -1),
      next: shiftMonth(month, 1),
      rows,
      chart: occupancyChart(rows, activity.capacity),
      shortDate,
    });
  });

  async function renderDay(
    req: Request,
    res: Response,
    activity: activities.ActivityRow,
    day: string,
    status: number,
    // `checked`: the ticks of a refused form, shown again; without it, what was recorded.
    refused?: { errors: FieldError[]; checked?: Set<string> },
  ) {
    const town = requireTown(req);
    const [sheet, availability] = await Promise.all([
      attendanceService.loadDaySheet(pool, town, activity.id, day, refused?.checked),
      attendanceService.sheetAvailability(pool, town, activity, day, clock.now()),
    ]);
    const errors = refused?.errors ?? [];
    res.status(status).render('agents/activities/day', {
      title: `Feuille de présence – ${activity.name} – ${dayLabel(day)}`,
      activity,
      day,
      dayName: dayLabel(day),
      ...sheet,
      availability,
      absenceLabels: attendanceService.ABSENCE_LABELS,
      errors,
      fieldErrors: errorMap(errors),
      prevDay: addDays(day, -1),
      nextDay: addDays(day, 1),
    });
  }

  async function loadDay(req: Request) {
    const activity = await loadActivity(req);
    const day = parseDay(param(req, 'day'));
    if (!day) throw new NotFoundError('not a day');
    return { activity, day };
  }

  router.get('/agents/activites/:activityId/jours/:day', requireAgent, async (req, res) => {
    const { activity, day } = await loadDay(req);
    await renderDay(req, res, activity, day, 200);
  });

  router.post('/agents/activites/:activityId/jours/:day/presences', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const { activity, day } = await loadDay(req);
    const availability = await attendanceService.sheetAvailability(pool, town, activity, day, clock.now());
    if (!availability.open) {
      return renderDay(req, res, activity, day, 400, { errors: [{ field: '', message: availability.message }] });
    }
    const form = attendanceService.parseAttendanceForm(req.body);
    if (!form.ok) {
      return renderDay(req, res, activity, day, 400, { errors: [{ field: form.field, message: form.message }] });
    }
    const result = await attendanceService.recordAttendance(ctx, town, auditActor(req), activity, day, form);
    if (!result.ok) {
      return renderDay(req, res, activity, day, 400, { errors: [{ field: result.field, message: result.message }], checked: form.present });
    }
    const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;
    await flashAndRedirect(
      req,
      res,
      {
        kind: 'success',
        message:
          `La feuille de présence du ${dayLabel(day)} est enregistrée : ${plural(result.present, 'présent', 'présents')}, ` +
          `${plural(result.absent, 'absent', 'absents')}, ${plural(result.walkIns, 'venu', 'venus')} sans réservation.`,
      },
      urls.agentActivityDay(town, activity.id, day),
    );
  });

  // ------------------------------------------------------------------ enrolments

  async function renderEnrolment(
    req: Request,
    res: Response,
    activity: activities.ActivityRow,
    status: number,
    errors: FieldError[],
    values: Record<string, string>,
  ) {
    const town = requireTown(req);
    const children = await activities.listTownChildren(pool, town.id);
    res.status(status).render('agents/activities/enrol', {
      title: `Inscrire un enfant – ${activity.name}`,
      activity,
      errors,
      fieldErrors: errorMap(errors),
      values,
      children: [
        { value: '', label: 'Choisissez un enfant' },
        ...children.map((c) => ({
          value: c.id,
          label: `${c.lastName.toUpperCase()} ${c.firstNames} – dossier ${c.familyName} (${c.cleEnfance})`,
        })),
      ],
    });
  }

  router.get('/agents/activites/:activityId/inscriptions/nouvelle', requireAgent, async (req, res) => {
    const activity = await loadActivity(req);
    await renderEnrolment(req, res, activity, 200, [], { du: shortDate(activity.startDate), au: shortDate(activity.endDate) });
  });

  router.post('/agents/activites/:activityId/inscriptions/nouvelle', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const activity = await loadActivity(req);
    const form = parseForm(enrolmentFormSchema, req.body);
    if (!form.ok) return renderEnrolment(req, res, activity, 400, form.errors, form.values);
    const { enfant, du, au } = form.data;
    if (du < activity.startDate || au > activity.endDate) {
      return renderEnrolment(
        req,
        res,
        activity,
        400,
        [
          {
            field: du < activity.startDate ? 'du' : 'au',
            message: `L'inscription doit être comprise dans la période de l'activité, du ${shortDate(activity.startDate)} au ${shortDate(activity.endDate)}`,
          },
        ],
        formValues(req.body),
      );
    }
    const result = await activityService.enrolChild(ctx, town, auditActor(req), activity.id, {
      childId: enfant,
      startDate: du,
      endDate: au,
    });
    if (!result.ok) {
      const message =
        result.reason === 'overlap'
          ? 'Cet enfant est déjà inscrit à cette activité sur une partie de cette période'
          : "Choisissez l'enfant à inscrire";
      return renderEnrolment(
        req,
        res,
        activity,
        400,
        [{ field: result.reason === 'overlap' ? 'du' : 'enfant', message }],
        formValues(req.body),
      );
    }
    req.session.flash = { kind: 'success', message: "L'enfant a été inscrit." };
    res.redirect(303, urls.agentActivity(town, activity.id));
  });

  // ------------------------------------------------------------------ requests waiting for an agent

  router.get('/agents/reservations/a-confirmer', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const list = await reservations.listAwaitingSubmissions(pool, town.id);
    res.render('agents/activities/queue', { title: 'Réservations à confirmer', list, dayLabel });
  });

  async function renderDecision(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const town = requireTown(req);
    const id = param(req, 'submissionId');
    service.assertUuid(id);
    const submission = await reservations.findSubmission(pool, town.id, id);
    if (!submission) throw new NotFoundError('submission of another town');
    res.status(status).render('agents/activities/decision', {
      title: `Demande de réservation – ${submission.activityName}`,
      submission,
      errors,
      fieldErrors: errorMap(errors),
      values,
      dayLabel,
    });
  }

  router.get('/agents/reservations/a-confirmer/:submissionId', requireAgent, async (req, res) => {
    await renderDecision(req, res, 200, [], {});
  });

  router.post('/agents/reservations/a-confirmer/:submissionId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(decisionSchema, req.body);
    if (!form.ok) return renderDecision(req, res, 400, form.errors, form.values);
    if (form.data.decision === 'refuser' && !form.data.motif) {
      return renderDecision(
        req,
        res,
        400,
        [{ field: 'motif', message: 'Saisissez le motif du refus : il sera envoyé à la famille' }],
        formValues(req.body),
      );
    }
    const id = param(req, 'submissionId');
    service.assertUuid(id);
    const submission = await reservations.findSubmission(pool, town.id, id);
    if (!submission?.requestId) throw new NotFoundError('submission of another town');
    // Through the request's state machine: its history, mail and audit, and the reservation
    // effects (reservation-requests.ts), in one transaction.
    const result = await agentTransition(
      ctx,
      town,
      auditActor(req),
      submission.requestId,
      form.data.decision === 'confirmer' ? 'accepted' : 'refused',
      form.data.motif,
    );
    req.session.flash = result.ok
      ? {
          kind: 'success',
          message:
            form.data.decision === 'confirmer'
              ? 'La demande a été confirmée ; la famille est prévenue.'
              : 'La demande a été refusée ; la famille est prévenue.',
        }
      : { kind: 'info', message: result.message };
    res.redirect(303, urls.agentReservationQueue(town));
  });

  return router;
}

export interface ChartBar {
  x: number;
  label: string;
  booked: { y: number; height: number };
  waiting: { y: number; height: number };
  /** Where the count of children present sits, once a sheet is recorded. */
  present?: { y: number };
  closed: boolean;
}

/**
 * The month's occupancy as bars (booked, then waiting on top), the capacity as a line and,
 * for days with a recorded sheet, the children present as a mark, in SVG coordinates
 * computed here so the view only draws. The same numbers are in the table under the chart.
 * Walk-ins can put the present mark above the bar: the scale makes room for it.
 */
export function occupancyChart(
  rows: { day: string; booked: number; waiting: number; present?: number | null; closed?: string | undefined }[],
  capacity: number | null,
) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 30;
  const top = 10;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, capacity ?? 0, ...rows.map((r) => Math.max(r.booked + r.waiting, r.present ?? 0)));
  const scale = (n: number) => (n / max) * plotHeight;
  const step = rows.length > 0 ? (width - left - 10) / rows.length : 0;
  const barWidth = Math.max(4, step * 0.7);
  const bars: ChartBar[] = rows.map((r, i) => {
    const bookedHeight = scale(r.booked);
    const waitingHeight = scale(r.waiting);
    return {
      x: left + i * step + (step - barWidth) / 2,
      label: r.day.slice(8, 10),
      booked: { y: top + plotHeight - bookedHeight, height: bookedHeight },
      waiting: { y: top + plotHeight - bookedHeight - waitingHeight, height: waitingHeight },
      ...(r.present == null ? {} : { present: { y: top + plotHeight - scale(r.present) } }),
      closed: r.closed !== undefined,
    };
  });
  // Distinct values only: with max = 1 the middle tick would repeat 0 or 1.
  const ticks = [...new Set([0, Math.round(max / 2), max])].map((v) => ({ value: v, y: top + plotHeight - scale(v) }));
  return {
    width,
    height,
    left,
    top,
    plotHeight,
    barWidth,
    bars,
    ticks,
    capacityY: capacity === null ? undefined : top + plotHeight - scale(capacity),
    baseline: top + plotHeight,
    hasPresent: bars.some((b) => b.present !== undefined),
  };
}
