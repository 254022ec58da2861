import type { Request } from 'express';
import type { Queryable } from '../../../db/pool.js';
import { NotFoundError } from '../../../lib/errors.js';
import { requireTown } from '../../../middleware/town.js';
import { findActivity, type ActivityRow } from '../../../repositories/activities.repository.js';
import { assertUuid } from '../../reservations/reservations.service.js';
import { param } from '../../../lib/params.js';

/** The activity of the path, in this town: anything else is the 404. */
export async function loadActivity(db: Queryable, req: Request): Promise<ActivityRow> {
  const town = requireTown(req);
  const id = param(req, 'activityId');
  assertUuid(id);
  const activity = await findActivity(db, town.id, id);
  if (!activity) throw new NotFoundError('activity of another town');
  return activity;
}
