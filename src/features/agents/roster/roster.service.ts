import { withTransaction } from '../../../db/pool.js';
import type { ServiceContext } from '../../../deps.js';
import { audit, type AuditEntry } from '../../../lib/audit.js';
import type { ActivityRow } from '../../../repositories/activities.repository.js';
import type { SheetGroup } from '../../../repositories/attendance.repository.js';
import { childFlags, hasHealthAccess, setHealthAccess, siteActivities, type ChildFlags } from '../../../repositories/roster.repository.js';
import type { Town } from '../../../repositories/towns.repository.js';
import * as attendanceService from '../../reservations/attendance.service.js';

type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

/** One activity of the site on the roster: its attendance sheet, read as the activity's day page reads it. */
export interface RosterActivity {
  activity: ActivityRow;
  availability: attendanceService.SheetAvailability;
  sheet: attendanceService.DaySheet;
  /** Waiting children, with whether they were recorded present (they come "sans réservation"). */
  waiting: (attendanceService.DaySheet['waiting'][number] & { present: boolean })[];
  /**
   * Children recorded present without a reservation who are not on the waiting list: the
   * roster does not list them, but sends them back ticked, since the sheet records every child
   * it is sent and an unticked one would become absent.
   */
  keptWalkIns: string[];
}

export interface Roster {
  activities: RosterActivity[];
  /** The class the roster is narrowed to, if any (each activity's sheet is then that class's). */
  group: SheetGroup | undefined;
  /** Flags by child id. Without the health right, the health fields are emptied here, not only hidden. */
  flags: Record<string, ChildFlags>;
  health: boolean;
}

/**
 * The roster of a day and site. Health details come only to an agent given the right, and
 * each such opening is audited (page or PDF), since it discloses health data.
 */
export async function loadRoster(
  ctx: ServiceContext,
  town: Town,
  actor: Actor & { agentId: string },
  day: string,
  site: string,
  group?: SheetGroup,
): Promise<Roster> {
  const { pool, clock } = ctx;
  const [activities, health] = await Promise.all([siteActivities(pool, town.id, site, day), hasHealthAccess(pool, town.id, actor.agentId)]);
  const now = clock.now();
  const loaded = await Promise.all(
    activities.map(async (activity): Promise<RosterActivity> => {
      const [sheet, availability] = await Promise.all([
        attendanceService.loadDaySheet(pool, town, activity.id, day, undefined, group),
        attendanceService.sheetAvailability(pool, town, activity, day, now),
      ]);
      const presentOther = new Map(sheet.others.map((o) => [o.childId, o]));
      return {
        activity,
        availability,
        sheet,
        waiting: sheet.waiting.map((w) => ({ ...w, present: presentOther.get(w.childId)?.present === true })),
        keptWalkIns: sheet.others.filter((o) => o.present && !o.waiting).map((o) => o.childId),
      };
    }),
  );
  // An activity that does not run that day and has nobody on it is noise on a door list.
  const shown = loaded.filter(
    (a) =>
      a.availability.open ||
      a.availability.reason === 'future' ||
      a.sheet.booked.length + a.sheet.waiting.length + a.sheet.absences.length > 0,
  );
  const ids = new Set<string>();
  for (const a of shown) {
    for (const c of [...a.sheet.booked, ...a.sheet.waiting, ...a.sheet.absences]) ids.add(c.childId);
  }
  const flagMap = await childFlags(pool, town.id, [...ids]);
  const flags: Record<string, ChildFlags> = {};
  for (const [id, f] of flagMap) {
    flags[id] = health ? f : { ...f, pai: false, paiAllergens: '', allergies: '', healthNotes: '' };
  }
  // Audited when health data could be on the page: a roster with no child shows none.
  if (health && flagMap.size > 0) {
    await audit(pool, {
      townId: town.id,
      ...actor,
      action: 'roster.health_view',
      details: group ? { day, site, school: group.school, className: group.className } : { day, site },
      at: now,
    });
  }
  return { activities: shown, group, flags, health };
}

export type HealthRightResult = { kind: 'done' | 'unchanged' } | { kind: 'not-found' };

/** An admin gives or takes away an agent's right to see health details; audited when it changes. */
export async function setHealthRight(
  ctx: ServiceContext,
  town: Town,
  agentId: string,
  allowed: boolean,
  actor: Actor,
): Promise<HealthRightResult> {
  return withTransaction(ctx.pool, async (db) => {
    const before = await setHealthAccess(db, town.id, agentId, allowed);
    if (before === undefined) return { kind: 'not-found' } as const;
    if (before === allowed) return { kind: 'unchanged' } as const;
    await audit(db, {
      townId: town.id,
      ...actor,
      action: allowed ? 'agent.health_allow' : 'agent.health_disallow',
      targetType: 'agent',
      targetId: agentId,
      at: ctx.clock.now(),
    });
    return { kind: 'done' } as const;
  });
}
