import type { Request } from 'express';
import type { Queryable } from '../../../db/pool.js';
import { NotFoundError } from '../../../lib/errors.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { findCampaign, type Campaign } from '../../../repositories/renewal.repository.js';

/** The campaign of the path, in this town: any other (or a malformed id) is the 404. */
export async function loadCampaign(db: Queryable, req: Request): Promise<Campaign> {
  const campaign = await findCampaign(db, requireTown(req).id, idParam(req, 'campaignId'));
  if (!campaign) throw new NotFoundError('campaign of another town');
  return campaign;
}
