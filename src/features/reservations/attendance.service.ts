import { lockForTransaction, withTransaction, type Queryable } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { dayLabel, parisDay } from '../../lib/calendar/index.js';
import { listClosures, type ActivityRow } from '../../repositories/activities.repository.js';
import * as attendance from '../../repositories/attendance.repository.js';
import { listDayRoster } from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { Actor } from './activities.service.js';
import { dayStates, TownCalendar } from './day-states.js';
import { activityCalendar } from './rules.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The attendance sheet ("Feuille de présence") of one activity and day: who was booked,
 * waiting, reported absent, and who came. A child present without a booked place is
 * recorded with reserved = false: billing charges those +30 % (seed 004), so `reserved`
 * is fixed when the sheet is saved, not read again from the reservations later.
 */

export const ABSENCE_LABELS: Record<attendance.AbsenceState, string> = {
  justified: 'Absence justifiée',
  pending: 'Absence signalée – en attente',
  refused: 'Absence non justifiée',
};

export type SheetAvailability = { open: true } | { open: false; reason: 'future' | 'not_running'; message: string };

/**
 * Whether attendance can be recorded for `day`: the activity must take children that day
 * (its period, its weekdays, no public holiday, closure or holiday it stops for), and the
 * day must have come. Before, nobody can know who came.
 */
export async function sheetAvailability(
  db: Queryable,
  town: Town,
  activity: ActivityRow,
  day: string,
  now: Date,
): Promise<SheetAvailability> {
  const label = dayLabel(day, { year: true });
  const cal = activityCalendar(activity, town.deadlineRules);
  const calendar = new TownCalendar(await listClosures(db, town.id));
  const [state] = dayStates(
    {
      activity: cal,
      enrolment: { startDate: activity.startDate, endDate: activity.endDate },
      calendar,
      reservations: [],
      counts: [],
      now,
      withDeadlines: false,
    },
    day,
    day,
  );
  if (state?.status === 'not_running') {
    return {
      open: false,
      reason: 'not_running',
      message: `L'activité n'a pas lieu le ${label} : il n'y a pas de feuille de présence ce jour-là.`,
    };
  }
  if (state?.status === 'closed') {
    return {
      open: false,
      reason: 'not_running',
      message: `L'activité n'accueille pas d'enfants le ${label} (${state.reason?.label ?? 'fermé'}) : il n'y a pas de feuille de présence ce jour-là.`,
    };
  }
  if (day > parisDay(now)) {
    return {
      open: false,
      reason: 'future',
      message: `Le ${label} n'est pas encore arrivé : la présence se saisit le jour même ou après.`,
    };
  }
  return { open: true };
}

export interface SheetChild {
  childId: string;
  firstNames: string;
  lastName: string;
  className: string;
  familyName: string;
}

export interface DaySheet {
  booked: (SheetChild & { confirmed: boolean; absence?: attendance.DayAbsence; present: boolean })[];
  waiting: (SheetChild & { rank: number })[];
  absences: attendance.DayAbsence[];
  /** Enrolled that day without a booked place: those an agent may add as come without reservation. */
  others: (SheetChild & { present: boolean; waiting: boolean })[];
  /** Null until a sheet is recorded. */
  recorded: { at: Date; by: string | null; reserved: number; present: number; absent: number; walkIns: number } | null;
}

/**
 * Above this many children enrolled on the day, the sheet is taken one class at a time: the
 * page without a class lists the classes instead of every child. A groupe scolaire's canteen
 * in a large town holds 2,000 children a day: one form of 2,000 lines is 1.8 MB of HTML, and
 * nobody ticks it from top to bottom; the roll is called class by class. 150 keeps every
 * ordinary sheet (a leisure centre, a village's canteen) whole, as it was.
 */
export const WHOLE_SHEET_MAX = 150;

/** Whether the day holds too many children for one form: its classes are then listed. */
export async function isTakenByGroup(db: Queryable, town: Town, activityId: string, day: string): Promise<boolean> {
  return (await attendance.countDayEnrolled(db, town.id, activityId, day)) > WHOLE_SHEET_MAX;
}

/** The day's classes, and their totals for the page's summary. */
export async function loadDayGroups(db: Queryable, town: Town, activityId: string, day: string) {
  const groups = await attendance.listDayGroups(db, town.id, activityId, day);
  return {
    groups,
    enrolled: groups.reduce((n, g) => n + g.enrolled, 0),
    booked: groups.reduce((n, g) => n + g.booked, 0),
    recordedGroups: groups.filter((g) => g.recorded > 0).length,
  };
}

/** "École élémentaire Jules Ferry – CM1", with words for what is empty. */
export function groupLabel(group: attendance.SheetGroup): string {
  return `${group.school || 'Sans école'} – ${group.className || 'Sans classe'}`;
}

/**
 * Everything the day page shows, of one group (school and class) if given. `checked` (ids)
 * replaces what was recorded when a refused form is shown again, so the agent's ticks are not
 * lost.
 */
export async function loadDaySheet(
  db: Queryable,
  town: Town,
  activityId: string,
  day: string,
  checked?: Set<string>,
  group?: attendance.SheetGroup,
): Promise<DaySheet> {
  const [roster, enrolled, absences, rows] = await Promise.all([
    listDayRoster(db, town.id, activityId, day, group),
    attendance.listDayEnrolled(db, town.id, activityId, day, group),
    attendance.listDayAbsences(db, town.id, activityId, day, group),
    attendance.listDayAttendance(db, town.id, activityId, day, group),
  ]);
  const absenceOf = new Map(absences.map((a) => [a.childId, a]));
  const recordedOf = new Map(rows.map((r) => [r.childId, r]));
  const booked = roster
    .filter((r) => r.status === 'booked')
    .map((r) => {
      const absence = absenceOf.get(r.childId);
      const recorded = recordedOf.get(r.childId);
      // Nothing recorded yet: a booked child is expected, unless the family said otherwise.
      const present = checked ? checked.has(r.childId) : recorded ? recorded.present : absence === undefined;
      return { ...pick(r), confirmed: r.confirmed, present, ...(absence ? { absence } : {}) };
    });
  const waiting = roster.filter((r) => r.status === 'waiting').map((r) => ({ ...pick(r), rank: r.rank ?? 0 }));
  const others = enrolled
    .filter((c) => c.reservation !== 'booked')
    .map((c) => ({
      ...pick(c),
      waiting: c.reservation === 'waiting',
      present: checked ? checked.has(c.childId) : recordedOf.get(c.childId)?.present === true,
    }));
  let recorded: DaySheet['recorded'] = null;
  if (rows.length > 0) {
    const last = rows.reduce((a, b) => (b.recordedAt > a.recordedAt ? b : a));
    recorded = {
      at: last.recordedAt,
      by: last.recordedBy,
      reserved: rows.filter((r) => r.reserved).length,
      present: rows.filter((r) => r.present).length,
      absent: rows.filter((r) => r.reserved && !r.present).length,
      walkIns: rows.filter((r) => r.present && !r.reserved).length,
    };
  }
  return { booked, waiting, absences, others, recorded };
}

function pick(c: SheetChild): SheetChild {
  return { childId: c.childId, firstNames: c.firstNames, lastName: c.lastName, className: c.className, familyName: c.familyName };
}

export type RecordResult =
  { ok: true; present: number; absent: number; walkIns: number } | { ok: false; field: 'presents' | 'sansReservation'; message: string };

/**
 * Saves the whole sheet of the day in one transaction: every booked child (unticked →
 * absent), every child ticked, and every child already on the sheet (a walk-in unticked on
 * a second pass becomes not present rather than staying billed). Ids that are not children
 * enrolled in this activity that day, in this town, refuse the whole form.
 */
export async function recordAttendance(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  activity: ActivityRow,
  day: string,
  form: { present: Set<string>; fromBooked: Set<string>; group?: attendance.SheetGroup },
): Promise<RecordResult> {
  const { present } = form;
  return withTransaction(ctx.pool, async (db) => {
    // Two agents saving the same sheet at once: one after the other, so the counts in the
    // audit row are those of the rows written.
    await lockForTransaction(db, `attendance:${activity.id}:${day}`);
    // A group's form holds its children only: the others' lines are neither read nor written.
    const [enrolled, existing] = await Promise.all([
      attendance.listDayEnrolled(db, town.id, activity.id, day, form.group),
      attendance.listDayAttendance(db, town.id, activity.id, day, form.group),
    ]);
    const byId = new Map(enrolled.map((c) => [c.childId, c]));
    const unknown = [...present].find((id) => !byId.has(id));
    if (unknown) {
      return {
        ok: false,
        field: form.fromBooked.has(unknown) ? 'presents' : 'sansReservation',
        message: form.group
          ? `Un des enfants cochés n'est pas inscrit à cette activité ce jour-là dans la classe ${groupLabel(form.group)} : rechargez la page et saisissez à nouveau la feuille.`
          : "Un des enfants cochés n'est pas inscrit à cette activité ce jour-là : rechargez la page et saisissez à nouveau la feuille.",
      } as const;
    }
    const onSheet = new Set(existing.map((r) => r.childId));
    const lines: attendance.AttendanceLine[] = enrolled
      .filter((c) => c.reservation === 'booked' || present.has(c.childId) || onSheet.has(c.childId))
      .map((c) => ({
        childId: c.childId,
        enrolmentId: c.enrolmentId,
        present: present.has(c.childId),
        reserved: c.reservation === 'booked',
      }));
    const now = ctx.clock.now();
    await attendance.upsertAttendance(db, town.id, activity.id, day, actor.agentId, now, lines);
    const counts = {
      present: lines.filter((l) => l.present).length,
      absent: lines.filter((l) => l.reserved && !l.present).length,
      walkIns: lines.filter((l) => l.present && !l.reserved).length,
    };
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'attendance.record',
      targetType: 'activity',
      targetId: activity.id,
      details: { day, ...(form.group ? { school: form.group.school, className: form.group.className } : {}), ...counts },
      at: now,
    });
    return { ok: true, ...counts } as const;
  });
}
