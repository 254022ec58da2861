import type { Request } from 'express';
import type { Queryable } from '../../../db/pool.js';
import { NotFoundError } from '../../../lib/errors.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { findRegie, type Regie } from '../../../repositories/billing-tariffs.repository.js';

/** The régie of the path, in this town: any other (or a malformed id) is the 404. */
export async function loadRegie(db: Queryable, req: Request): Promise<Regie> {
  const town = requireTown(req);
  const regie = await findRegie(db, town.id, idParam(req, 'regieId'));
  if (!regie) throw new NotFoundError('régie of another town');
  return regie;
}
