import type { ServiceContext } from '../../deps.js';
import { deadlineFor } from '../../lib/calendar/index.js';
import { listActivities } from '../../repositories/activities.repository.js';
import { bookedMeals, findSnapshots, insertSnapshot, type MealRow } from '../../repositories/kitchen.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { calendarFacts } from '../reservations/day-states.js';
import { townCalendar } from '../reservations/reservations.service.js';
import { activityCalendar } from '../reservations/rules.js';

export interface SiteMeals {
  site: string;
  meals: MealRow[];
  /** Set once the site's deadline has passed: the figures come from the snapshot taken then. */
  frozenAt: Date | null;
}

/**
 * The meals of `day`, per site (docs/cuisine-et-listes.md). A site's figures follow the
 * reservations until the latest booking or cancelling deadline of its meal activities for
 * that day (families can change them until then); from that instant they are read from a
 * snapshot, taken by the first read after it, so that later changes leave the kitchen's
 * figures alone.
 */
export async function mealsOfDay(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, day: string): Promise<SiteMeals[]> {
  const { pool, clock } = ctx;
  const now = clock.now();
  const [rows, snapshots, activities, calendar] = await Promise.all([
    bookedMeals(pool, town.id, day),
    findSnapshots(pool, town.id, day),
    listActivities(pool, town.id),
    townCalendar(pool, town),
  ]);
  const deadlines = new Map<string, Date>();
  for (const a of activities) {
    if (a.unit !== 'Repas' || day < a.startDate || day > a.endDate) continue;
    const cal = activityCalendar(a, town.deadlineRules);
    const facts = calendarFacts(cal, calendar);
    const last = Math.max(deadlineFor(day, cal.bookingRule, facts).getTime(), deadlineFor(day, cal.cancellationRule, facts).getTime());
    const known = deadlines.get(a.site);
    if (!known || known.getTime() < last) deadlines.set(a.site, new Date(last));
  }

  const frozen = new Map(snapshots.map((s) => [s.site, s]));
  for (const [site, deadline] of deadlines) {
    if (frozen.has(site) || now.getTime() < deadline.getTime()) continue;
    await insertSnapshot(pool, town.id, day, { site, deadline, meals: rows.filter((r) => r.site === site) });
  }
  const stored = frozen.size === deadlines.size ? snapshots : await findSnapshots(pool, town.id, day);
  const bySite = new Map<string, SiteMeals>();
  for (const s of stored) bySite.set(s.site, { site: s.site, meals: s.meals, frozenAt: new Date(s.deadline) });
  for (const r of rows) {
    if (frozen.has(r.site) || bySite.get(r.site)?.frozenAt) continue;
    const site = bySite.get(r.site) ?? { site: r.site, meals: [], frozenAt: null };
    site.meals.push(r);
    bySite.set(r.site, site);
  }
  return [...bySite.values()];
}
