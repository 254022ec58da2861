import { withTransaction } from '../../db/pool.js';
import { enrolChildIn, type EnrolResult } from '../enrolment/enrol-child.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import * as activities from '../../repositories/activities.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { assertUuid } from './reservations.service.js';
import { fillFreedPlaces } from './waiting-list.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The agents' side of activities: create and edit them with their rules, enrol children.
 * Every change is one transaction with its audit row.
 */
export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

export async function createActivity(ctx: ServiceContext, town: Town, actor: Actor, input: activities.ActivityInput): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const id = await activities.insertActivity(db, town.id, input);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'activity.create',
      targetType: 'activity',
      targetId: id,
      details: { name: input.name },
      at: ctx.clock.now(),
    });
    return id;
  });
}

/**
 * A new capacity applies to the days to come: a lower one never goes below what is already
 * booked on a day (those children keep their place), a higher one gives the new places to
 * the children waiting, who are told by mail.
 */
export async function updateActivity(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  id: string,
  input: activities.ActivityInput,
): Promise<void> {
  assertUuid(id);
  await withTransaction(ctx.pool, async (db) => {
    const before = await activities.findActivity(db, town.id, id);
    if (!before) throw new NotFoundError('activity of another town');
    await activities.updateActivity(db, town.id, id, input);
    const now = ctx.clock.now();
    const today = parisDay(now);
    if (before.capacity !== input.capacity) {
      const rows = await activities.setCapacityFrom(db, town.id, id, today, input.capacity);
      const after = (await activities.findActivity(db, town.id, id))!;
      for (const day of rows.sort((a, b) => (a.day < b.day ? -1 : 1))) {
        if (day.capacity === null || day.booked < day.capacity) await fillFreedPlaces(ctx, db, town, after, day.day, day, now);
      }
    }
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'activity.update',
      targetType: 'activity',
      targetId: id,
      details: { name: input.name, capacity: { from: before.capacity, to: input.capacity } },
      at: now,
    });
  });
}

export type { EnrolResult } from '../enrolment/enrol-child.js';

export async function enrolChild(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  activityId: string,
  input: { childId: string; startDate: string; endDate: string },
): Promise<EnrolResult> {
  return withTransaction(ctx.pool, (db) => enrolChildIn(db, ctx, town, actor, activityId, input));
}
