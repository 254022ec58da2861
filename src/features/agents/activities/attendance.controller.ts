import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { addDays, dayLabel, parseDay } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import type { ActivityRow } from '../../../repositories/activities.repository.js';
import { urls } from '../../../routes.js';
import * as attendanceService from '../../reservations/attendance.service.js';
import { attendanceSavedMessage, parseAttendanceForm, parseSheetGroup } from './attendance-form.js';
import type { SheetGroup } from '../../../repositories/attendance.repository.js';
import { param } from '../../../lib/params.js';
import { loadActivity } from './load-activity.js';
import type { ServiceContext } from '../../../deps.js';

/** An activity's day: who is booked, waiting or absent, and its "Feuille de présence". */
export function attendanceController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function renderDay(
    req: Request,
    res: Response,
    activity: ActivityRow,
    day: string,
    status: number,
    group: SheetGroup | undefined,
    // `checked`: the ticks of a refused form, shown again; without it, what was recorded.
    refused?: { errors: FieldError[]; checked?: Set<string> },
  ) {
    const town = requireTown(req);
    // A class asked for: its sheet at once, whatever the size of the day. The whole day: its
    // sheet when it is small enough for one form, else its classes.
    const [byGroup, availability, groupSheet] = await Promise.all([
      attendanceService.isTakenByGroup(pool, town, activity.id, day),
      attendanceService.sheetAvailability(pool, town, activity, day, clock.now()),
      group ? attendanceService.loadDaySheet(pool, town, activity.id, day, refused?.checked, group) : undefined,
    ]);
    const sheet =
      groupSheet ?? (byGroup ? undefined : await attendanceService.loadDaySheet(pool, town, activity.id, day, refused?.checked));
    const classes = sheet ? undefined : await attendanceService.loadDayGroups(pool, town, activity.id, day);
    const errors = refused?.errors ?? [];
    res.status(status).render('agents/activities/day', {
      title: `Feuille de présence – ${activity.name}${group ? ` – ${attendanceService.groupLabel(group)}` : ''} – ${dayLabel(day)}`,
      activity,
      day,
      dayName: dayLabel(day),
      group: group ?? null,
      groupLabel: attendanceService.groupLabel,
      classes: classes ?? null,
      byGroup,
      sheet: sheet ?? null,
      availability,
      absenceLabels: attendanceService.ABSENCE_LABELS,
      errors,
      fieldErrors: errorMap(errors),
      prevDay: addDays(day, -1),
      nextDay: addDays(day, 1),
    });
  }

  async function loadDay(req: Request) {
    const activity = await loadActivity(pool, req);
    const day = parseDay(param(req, 'day'));
    if (!day) throw new NotFoundError('not a day');
    return { activity, day };
  }

  async function showDay(req: Request, res: Response) {
    const { activity, day } = await loadDay(req);
    // A group that is not one line of text is no group: the whole day's page.
    const parsed = parseSheetGroup(req.query as Record<string, unknown>);
    await renderDay(req, res, activity, day, 200, parsed.ok ? parsed.group : undefined);
  }

  async function record(req: Request, res: Response) {
    const town = requireTown(req);
    const { activity, day } = await loadDay(req);
    const availability = await attendanceService.sheetAvailability(pool, town, activity, day, clock.now());
    const parsedGroup = parseSheetGroup((req.body ?? {}) as Record<string, unknown>);
    const shownGroup = parsedGroup.ok ? parsedGroup.group : undefined;
    if (!availability.open) {
      return renderDay(req, res, activity, day, 400, shownGroup, { errors: [{ field: '', message: availability.message }] });
    }
    const form = parseAttendanceForm(req.body);
    if (!form.ok) {
      return renderDay(req, res, activity, day, 400, shownGroup, { errors: [{ field: form.field, message: form.message }] });
    }
    const result = await attendanceService.recordAttendance(ctx, town, auditActor(req), activity, day, form);
    if (!result.ok) {
      return renderDay(req, res, activity, day, 400, form.group, {
        errors: [{ field: result.field, message: result.message }],
        checked: form.present,
      });
    }
    const flash = { kind: 'success', message: attendanceSavedMessage(day, result) } as const;
    req.session.flash = flash;
    // Ticked from the site's roster (src/features/agents/roster/): back to it, at this activity.
    const fromRoster = (req.body as Record<string, unknown> | undefined)?.retour === 'liste' && activity.site !== '';
    res.redirect(
      303,
      fromRoster
        ? `${urls.agentRoster(town, { jour: day, site: activity.site }, form.group)}#activite-${activity.id}`
        : urls.agentActivityDay(town, activity.id, day, form.group),
    );
  }

  return { showDay, record };
}
