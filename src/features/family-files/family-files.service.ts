import { isUniqueViolation, withTransaction, type Queryable } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { uniqueCleEnfance } from '../../lib/cle-enfance.js';
import { NotFoundError } from '../../lib/errors.js';
import * as files from '../../repositories/family-files.repository.js';
import type { AdultFields, ChildFields, FamilyFields, FamilyFile } from '../../repositories/family-files.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { precreateAccount, resendPrecreation } from '../parent-accounts/parent-accounts.service.js';
import type { Account } from '../../repositories/accounts.repository.js';
import type { ServiceContext } from '../../deps.js';

/** Who acts, for the audit row written with each change. */
export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

/** The fields that changed, by name only: the audit log says what was touched, not personal values. */
function changedFields<T extends object>(before: T, after: T): string[] {
  return (Object.keys(after) as (keyof T)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map(String);
}

// ---------------------------------------------------------------- family file

export type FamilySaveResult = { kind: 'saved'; id: string } | { kind: 'ref_taken'; other: { id: string; name: string } };

/** A new file with a fresh Clé Enfance. The reference, when given, is unique in the town. */
export async function createFamily(ctx: ServiceContext, town: Town, actor: Actor, fields: FamilyFields): Promise<FamilySaveResult> {
  try {
    return await withTransaction(ctx.pool, async (db) => {
      if (fields.externalRef) {
        const other = await files.familyWithRef(db, town.id, fields.externalRef);
        if (other) return { kind: 'ref_taken', other } as const;
      }
      const now = ctx.clock.now();
      const family = await files.insertFamily(db, town.id, { ...fields, cleEnfance: await uniqueCleEnfance(db, town.id), now });
      await audit(db, { townId: town.id, ...actor, action: 'family.create', targetType: 'family', targetId: family.id, at: now });
      return { kind: 'saved', id: family.id } as const;
    });
  } catch (err) {
    // Two agents (or an import) giving the same reference at the same moment: the index decides.
    if (isUniqueViolation(err, 'families_external_ref_idx') && fields.externalRef) {
      const other = await files.familyWithRef(ctx.pool, town.id, fields.externalRef);
      if (other) return { kind: 'ref_taken', other };
    }
    throw err;
  }
}

export async function updateFamily(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  familyId: string,
  fields: FamilyFields,
): Promise<FamilySaveResult> {
  try {
    return await withTransaction(ctx.pool, async (db) => {
      const before = await files.lockFamilyFile(db, town.id, familyId);
      if (!before) throw new NotFoundError('family file');
      if (fields.externalRef) {
        const other = await files.familyWithRef(db, town.id, fields.externalRef, familyId);
        if (other) return { kind: 'ref_taken', other } as const;
      }
      const now = ctx.clock.now();
      const previous: FamilyFields = {
        name: before.name,
        externalRef: before.externalRef,
        addressLine: before.addressLine,
        postalCode: before.postalCode,
        city: before.city,
      };
      await files.updateFamily(db, town.id, familyId, { ...fields, now });
      await audit(db, {
        townId: town.id,
        ...actor,
        action: 'family.update',
        targetType: 'family',
        targetId: familyId,
        details: { fields: changedFields(previous, fields) },
        at: now,
      });
      return { kind: 'saved', id: familyId } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'families_external_ref_idx') && fields.externalRef) {
      const other = await files.familyWithRef(ctx.pool, town.id, fields.externalRef, familyId);
      if (other) return { kind: 'ref_taken', other };
    }
    throw err;
  }
}

/**
 * A new Clé Enfance for the file. The old one stops working at once: sign-up looks keys up
 * by value (findFamilyByKey), and no copy of it is kept anywhere — not even in the audit row.
 */
export async function regenerateKey(ctx: ServiceContext, town: Town, actor: Actor, familyId: string): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    const family = await files.lockFamilyFile(db, town.id, familyId);
    if (!family) throw new NotFoundError('family file');
    const now = ctx.clock.now();
    const key = await uniqueCleEnfance(db, town.id);
    await files.setCleEnfance(db, town.id, familyId, key, now);
    await audit(db, { townId: town.id, ...actor, action: 'family.key_regenerate', targetType: 'family', targetId: familyId, at: now });
    return key;
  });
}

/** The file as the letter prints it; printing is audited (the letter carries the key). */
export async function fileForLetter(ctx: ServiceContext, town: Town, actor: Actor, familyId: string): Promise<FamilyFile> {
  return withTransaction(ctx.pool, async (db) => {
    const family = await files.findFamilyFile(db, town.id, familyId);
    if (!family) throw new NotFoundError('family file');
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'family.letter',
      targetType: 'family',
      targetId: familyId,
      at: ctx.clock.now(),
    });
    return family;
  });
}

// ---------------------------------------------------------------- adults

async function requireFile(db: Queryable, town: Town, familyId: string): Promise<FamilyFile> {
  const family = await files.lockFamilyFile(db, town.id, familyId);
  if (!family) throw new NotFoundError('family file');
  return family;
}

export async function addAdult(ctx: ServiceContext, town: Town, actor: Actor, familyId: string, fields: AdultFields): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    await requireFile(db, town, familyId);
    const now = ctx.clock.now();
    const id = await files.insertAdult(db, town.id, familyId, { ...fields, now });
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'adult.create',
      targetType: 'family_adult',
      targetId: id,
      details: { familyId },
      at: now,
    });
    return id;
  });
}

export async function updateAdult(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  familyId: string,
  adultId: string,
  fields: AdultFields,
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const before = await files.lockAdult(db, town.id, familyId, adultId);
    if (!before) throw new NotFoundError('family adult');
    const now = ctx.clock.now();
    const previous: AdultFields = {
      civility: before.civility,
      lastName: before.lastName,
      firstNames: before.firstNames,
      email: before.email,
      phone: before.phone,
    };
    await files.updateAdult(db, town.id, adultId, { ...fields, now });
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'adult.update',
      targetType: 'family_adult',
      targetId: adultId,
      details: { familyId, fields: changedFields(previous, fields) },
      at: now,
    });
  });
}

// ---------------------------------------------------------------- children

export async function addChild(ctx: ServiceContext, town: Town, actor: Actor, familyId: string, fields: ChildFields): Promise<string> {
  return withTransaction(ctx.pool, async (db) => {
    await requireFile(db, town, familyId);
    const now = ctx.clock.now();
    const id = await files.insertChild(db, town.id, familyId, { ...fields, now });
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'child.create',
      targetType: 'child',
      targetId: id,
      details: { familyId },
      at: now,
    });
    return id;
  });
}

export async function updateChild(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  familyId: string,
  childId: string,
  fields: ChildFields,
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    await requireFile(db, town, familyId);
    const before = await files.findChildFile(db, town.id, familyId, childId);
    if (!before) throw new NotFoundError('child');
    const { id: _id, ...previous } = before;
    const now = ctx.clock.now();
    await files.updateChild(db, town.id, childId, { ...fields, now });
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'child.update',
      targetType: 'child',
      targetId: childId,
      details: { familyId, fields: changedFields(previous, fields) },
      at: now,
    });
  });
}

// ---------------------------------------------------------------- Création rapide

export type PrecreateForAdultResult =
  { kind: 'created'; account: Account } | { kind: 'no_email' } | { kind: 'has_account' } | { kind: 'email_taken' };

/**
 * Création rapide from the file: the accounts service creates the account (linked to the
 * file, validated) and queues the mail with the link, the username and a temporary
 * password nobody else sees; the adult's record is linked to it, and the audit row written,
 * in the same transaction.
 */
export async function precreateForAdult(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  familyId: string,
  adultId: string,
): Promise<PrecreateForAdultResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTransaction(ctx.pool, async (db) => {
        await requireFile(db, town, familyId);
        const adult = await files.lockAdult(db, town.id, familyId, adultId);
        if (!adult) throw new NotFoundError('family adult');
        if (adult.accountId) return { kind: 'has_account' } as const;
        if (!adult.email) return { kind: 'no_email' } as const;
        const result = await precreateAccount(
          ctx,
          town,
          { civility: adult.civility, lastName: adult.lastName, firstName: adult.firstNames, email: adult.email, familyId },
          db,
        );
        if (result.kind !== 'created') return { kind: 'email_taken' } as const;
        const now = ctx.clock.now();
        await files.linkAdultAccount(db, town.id, adultId, result.account.id, now);
        await audit(db, {
          townId: town.id,
          ...actor,
          action: 'account.precreate',
          targetType: 'account',
          targetId: result.account.id,
          details: { familyId, adultId },
          at: now,
        });
        return { kind: 'created', account: result.account } as const;
      });
    } catch (err) {
      // Another account took the same username between the check and the insert: try again.
      if (isUniqueViolation(err, 'accounts_username_idx') && attempt < 3) continue;
      throw err;
    }
  }
}

/** "Renvoyer le courriel" for a pre-created account of the file that still has its temporary password. */
export async function resendForAccount(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  familyId: string,
  accountId: string,
): Promise<boolean> {
  return withTransaction(ctx.pool, async (db) => {
    await requireFile(db, town, familyId);
    const account = await files.findFileAccount(db, town.id, familyId, accountId);
    if (!account) throw new NotFoundError('account of the file');
    if (account.disabledAt) return false;
    const sent = await resendPrecreation(ctx, town, accountId, db);
    if (!sent) return false;
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'account.precreate_resend',
      targetType: 'account',
      targetId: accountId,
      details: { familyId },
      at: ctx.clock.now(),
    });
    return true;
  });
}
