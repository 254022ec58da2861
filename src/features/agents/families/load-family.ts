import type { Request } from 'express';
import type { Queryable } from '../../../db/pool.js';
import { NotFoundError } from '../../../lib/errors.js';
import { findFamilyFile, type FamilyFile } from '../../../repositories/family-files.repository.js';
import type { Town } from '../../../repositories/towns.repository.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';

/** The agent's town and the family file of the path in it: any other file is the 404. */
export async function loadFamilyFile(db: Queryable, req: Request): Promise<{ town: Town; family: FamilyFile }> {
  const town = requireTown(req);
  const family = await findFamilyFile(db, town.id, idParam(req, 'familyId'));
  if (!family) throw new NotFoundError('family file');
  return { town, family };
}

/** The one-shot message of the next page. */
export function flash(req: Request, message: string, kind: 'success' | 'info' | 'warning' = 'success'): void {
  req.session.flash = { kind, message };
}
