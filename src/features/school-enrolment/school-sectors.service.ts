import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit } from '../../lib/audit.js';
import * as repo from '../../repositories/school-sectors.repository.js';
import type { NewSector, School } from '../../repositories/school-sectors.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { AgentActing } from '../requests/requests.service.js';
import { parseAddressLine } from './street.js';

/**
 * The town's schools and street-to-school sectors (issue 16): each change one transaction
 * with its audit row; an import replaces the whole table or, if any line is wrong, nothing.
 */

export async function addSchool(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  school: Omit<School, 'id'>,
): Promise<string | undefined> {
  return withTransaction(ctx.pool, async (db) => {
    const id = await repo.insertSchool(db, town.id, school);
    if (!id) return undefined;
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'school.create',
      targetType: 'school',
      targetId: id,
      details: { ...school },
      at: ctx.clock.now(),
    });
    return id;
  });
}

export async function addSector(ctx: ServiceContext, town: Town, acting: AgentActing, line: NewSector): Promise<boolean> {
  return withTransaction(ctx.pool, async (db) => {
    if ((await repo.insertSectors(db, town.id, [line])) !== 1) return false;
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'school_sector.create',
      targetType: 'school_sector',
      details: { ...line },
      at: ctx.clock.now(),
    });
    return true;
  });
}

export async function removeSector(ctx: ServiceContext, town: Town, acting: AgentActing, id: string): Promise<boolean> {
  return withTransaction(ctx.pool, async (db) => {
    const gone = await repo.deleteSector(db, town.id, id);
    if (!gone) return false;
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'school_sector.delete',
      targetType: 'school_sector',
      targetId: id,
      details: { ...gone },
      at: ctx.clock.now(),
    });
    return true;
  });
}

/** The file's lines take the place of the whole table, in one transaction. */
export async function importSectors(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  lines: readonly NewSector[],
  fileName: string,
): Promise<{ replaced: number; imported: number }> {
  return withTransaction(ctx.pool, async (db) => {
    const replaced = await repo.deleteAllSectors(db, town.id);
    const imported = await repo.insertSectors(db, town.id, lines);
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'school_sectors.import',
      targetType: 'school_sectors',
      details: { fileName, replaced, imported },
      at: ctx.clock.now(),
    });
    return { replaced, imported };
  });
}

/** The sector's schools for a family's address (line and postal code); none when the street is not in the table. */
export async function schoolsForAddress(
  ctx: Pick<ServiceContext, 'pool'>,
  townId: string,
  address: { line: string; postalCode: string },
): Promise<School[]> {
  const { number, key } = parseAddressLine(address.line);
  if (!key || !/^\d{5}$/.test(address.postalCode.trim())) return [];
  return repo.sectorSchools(ctx.pool, townId, { streetKey: key, postalCode: address.postalCode.trim(), number });
}
