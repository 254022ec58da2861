import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import {
  describeRule,
  monthBounds,
  monthLabel,
  parisDay,
  parseMonthKey,
  parseRule,
  shortDate,
  shiftMonth,
  WEEKDAYS,
} from '../../../lib/calendar/index.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as activities from '../../../repositories/activities.repository.js';
import { monthFigures } from '../../../repositories/attendance.repository.js';
import * as reservations from '../../../repositories/reservations.repository.js';
import { urls } from '../../../routes.js';
import * as activityService from '../../reservations/activities.service.js';
import { TownCalendar } from '../../reservations/day-states.js';
import { enrolmentFormSchema, parseActivityForm } from '../../reservations/reservations.schemas.js';
import { activityCalendar } from '../../reservations/rules.js';
import { RUNS_DURING, toInput, toValues } from './activity-form.js';
import { loadActivity } from './load-activity.js';
import { defaultMonth, monthRows } from './month-table.js';
import { occupancyChart } from './occupancy-chart.js';
import type { ServiceContext } from '../../../deps.js';

const NAME_TAKEN = 'Une activité de ce nom, à ce lieu et à cette date de début existe déjà';

/**
 * The back-office side of activities: the list, an activity's rules, its month (table and
 * occupancy chart), and enrolments. Agents of this town only: everyone else gets the 404
 * of requireAgent, and every query filters on the town.
 */
export function activitiesController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const weekdayNames = (weekdays: number[]) => weekdays.map((n) => WEEKDAYS[n - 1]!.toLowerCase()).join(', ');

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const [rows, awaiting] = await Promise.all([
      activities.listActivities(pool, town.id),
      reservations.listAwaitingSubmissions(pool, town.id),
    ]);
    res.render('agents/activities/list', {
      title: 'Activités',
      activities: rows.map((a) => ({ ...a, days: weekdayNames(a.weekdays) })),
      awaitingCount: awaiting.length,
      shortDate,
    });
  }

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

  function showNew(req: Request, res: Response) {
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
  }

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseActivityForm(req.body);
    if (!form.ok) return renderForm(req, res, 400, { errors: form.errors, values: form.values, jours: form.jours });
    const input = toInput(form.data);
    if (await activities.activityNameTaken(pool, town.id, input)) {
      const errors = [{ field: 'nom', message: NAME_TAKEN }];
      return renderForm(req, res, 400, { errors, values: formValues(req.body), jours: form.data.jours });
    }
    const id = await activityService.createActivity(ctx, town, auditActor(req), input);
    req.session.flash = { kind: 'success', message: `L'activité ${input.name} a été créée.` };
    res.redirect(303, urls.agentActivity(town, id));
  }

  async function showEdit(req: Request, res: Response) {
    const activity = await loadActivity(pool, req);
    renderForm(req, res, 200, { activity, errors: [], ...toValues(activity) });
  }

  async function update(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await loadActivity(pool, req);
    const form = parseActivityForm(req.body);
    if (!form.ok) return renderForm(req, res, 400, { activity, errors: form.errors, values: form.values, jours: form.jours });
    const input = toInput(form.data);
    if (await activities.activityNameTaken(pool, town.id, input, activity.id)) {
      const errors = [{ field: 'nom', message: NAME_TAKEN }];
      return renderForm(req, res, 400, { activity, errors, values: formValues(req.body), jours: form.data.jours });
    }
    await activityService.updateActivity(ctx, town, auditActor(req), activity.id, input);
    req.session.flash = { kind: 'success', message: `L'activité ${input.name} a été modifiée.` };
    res.redirect(303, urls.agentActivity(town, activity.id));
  }

  /** An activity: its rules, its enrolments, and one month's table and occupancy chart (`?mois=`). */
  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await loadActivity(pool, req);
    const today = parisDay(clock.now());
    const month = parseMonthKey(req.query.mois) ?? defaultMonth(activity, today);
    const { from, to } = monthBounds(month);
    const [enrolments, counts, closures, figures] = await Promise.all([
      activities.listActivityEnrolments(pool, town.id, activity.id),
      reservations.occupancy(pool, town.id, activity.id, from, to),
      activities.listClosures(pool, town.id),
      monthFigures(pool, town.id, activity.id, from, to),
    ]);
    const cal = activityCalendar(activity, town.deadlineRules);
    const rows = monthRows({ activity, cal, calendar: new TownCalendar(closures), from, to, today, counts, figures });
    res.render('agents/activities/show', {
      title: activity.name,
      activity,
      bookingRule: describeRule(cal.bookingRule),
      cancellationRule: describeRule(cal.cancellationRule),
      days: weekdayNames(activity.weekdays),
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
  }

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

  async function showEnrol(req: Request, res: Response) {
    const activity = await loadActivity(pool, req);
    await renderEnrolment(req, res, activity, 200, [], { du: shortDate(activity.startDate), au: shortDate(activity.endDate) });
  }

  async function enrol(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await loadActivity(pool, req);
    const form = parseForm(enrolmentFormSchema, req.body);
    if (!form.ok) return renderEnrolment(req, res, activity, 400, form.errors, form.values);
    const { enfant, du, au } = form.data;
    if (du < activity.startDate || au > activity.endDate) {
      const period = `du ${shortDate(activity.startDate)} au ${shortDate(activity.endDate)}`;
      const error = {
        field: du < activity.startDate ? 'du' : 'au',
        message: `L'inscription doit être comprise dans la période de l'activité, ${period}`,
      };
      return renderEnrolment(req, res, activity, 400, [error], formValues(req.body));
    }
    const result = await activityService.enrolChild(ctx, town, auditActor(req), activity.id, {
      childId: enfant,
      startDate: du,
      endDate: au,
    });
    if (!result.ok) {
      const error =
        result.reason === 'overlap'
          ? { field: 'du', message: 'Cet enfant est déjà inscrit à cette activité sur une partie de cette période' }
          : { field: 'enfant', message: "Choisissez l'enfant à inscrire" };
      return renderEnrolment(req, res, activity, 400, [error], formValues(req.body));
    }
    req.session.flash = { kind: 'success', message: "L'enfant a été inscrit." };
    res.redirect(303, urls.agentActivity(town, activity.id));
  }

  return { list, showNew, create, showEdit, update, show, showEnrol, enrol };
}
