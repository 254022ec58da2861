import { withTransaction, type Queryable } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import { forgetTown } from '../../middleware/town.js';
import * as settings from '../../repositories/settings.repository.js';
import { currentText, type Town } from '../../repositories/towns.repository.js';
import { forgetCguVersion } from '../parent-accounts/cgu.js';
import { UUID } from '../../lib/ids.js';
import type { ServiceContext } from '../../deps.js';

export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

/** Every settings change writes the same kind of audit row: what was touched, and how. */
function auditSettings(
  db: Queryable,
  town: Town,
  actor: Actor,
  targetType: string,
  targetId: string,
  details: Record<string, unknown>,
  at: Date,
): Promise<void> {
  return audit(db, { ...actor, townId: town.id, action: 'settings.update', targetType, targetId, details, at });
}

/**
 * Every settings change: its work in one transaction, then this process forgets the cached
 * town (middleware/town.ts), so the next page shows the change at once.
 */
async function changeSettings<T>(ctx: Pick<ServiceContext, 'pool'>, town: Town, work: (db: Queryable) => Promise<T>): Promise<T> {
  const result = await withTransaction(ctx.pool, work);
  forgetTown(town.slug);
  return result;
}

/** An id from the URL that is no uuid names nothing: the same 404 as another town's object. */
export function assertId(id: string): void {
  if (!UUID.test(id)) throw new NotFoundError('malformed id');
}

type Changes = Record<string, { from: unknown; to: unknown }>;

function diff<T extends object>(before: T, after: Partial<T>): Changes {
  const changes: Changes = {};
  for (const [key, to] of Object.entries(after)) {
    const from = before[key as keyof T];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

async function changeTown(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  section: string,
  update: Partial<settings.TownSettings>,
): Promise<Changes> {
  return changeSettings(ctx, town, async (db) => {
    const before = await settings.lockTownSettings(db, town.id);
    const changes = diff(before, update);
    if (Object.keys(changes).length === 0) return changes;
    const now = ctx.clock.now();
    await settings.updateTownSettings(db, town.id, { ...before, ...update }, now);
    // The welcome text can be long: the log says it changed, not what it said.
    const logged = Object.fromEntries(
      Object.entries(changes).map(([k, v]) => [
        k,
        k === 'welcomeText' ? { from: `${String(v.from).length} caractères`, to: `${String(v.to).length} caractères` } : v,
      ]),
    );
    await auditSettings(db, town, actor, 'town', town.id, { section, changes: logged }, now);
    return changes;
  });
}

/** The town's name, colour and welcome text. Returns what changed (empty: nothing to save). */
export function updateTownIdentity(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  input: { name: string; colour: string; welcomeText: string },
) {
  return changeTown(ctx, town, actor, 'town', input);
}

/** The password policy and the activation promise. */
export function updateAccountRules(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  input: { passwordPolicy: settings.TownSettings['passwordPolicy']; activationDelayHours: number },
) {
  return changeTown(ctx, town, actor, 'accounts', input);
}

// ------------------------------------------------------------------ services

export class ServiceNameTakenError extends Error {}

export async function addService(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  input: settings.ServiceInput,
): Promise<string> {
  return changeSettings(ctx, town, async (db) => {
    await settings.lockTownSettings(db, town.id);
    if (await settings.serviceNameTaken(db, town.id, input.name)) throw new ServiceNameTakenError();
    const id = await settings.insertService(db, town.id, input);
    await auditSettings(db, town, actor, 'town_service', id, { section: 'services', added: input }, ctx.clock.now());
    return id;
  });
}

export async function updateService(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  id: string,
  input: settings.ServiceInput,
): Promise<void> {
  assertId(id);
  await changeSettings(ctx, town, async (db) => {
    await settings.lockTownSettings(db, town.id);
    const before = await settings.findService(db, town.id, id);
    if (!before) throw new NotFoundError('service of another town');
    if (await settings.serviceNameTaken(db, town.id, input.name, id)) throw new ServiceNameTakenError();
    const changes = diff(before, input);
    if (Object.keys(changes).length === 0) return;
    await settings.updateService(db, town.id, id, input);
    await auditSettings(db, town, actor, 'town_service', id, { section: 'services', service: before.name, changes }, ctx.clock.now());
  });
}

export async function removeService(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, actor: Actor, id: string): Promise<string> {
  assertId(id);
  return changeSettings(ctx, town, async (db) => {
    await settings.lockTownSettings(db, town.id);
    const before = await settings.findService(db, town.id, id);
    if (!before) throw new NotFoundError('service of another town');
    await settings.deleteService(db, town.id, id);
    await auditSettings(db, town, actor, 'town_service', id, { section: 'services', removed: before }, ctx.clock.now());
    return before.name;
  });
}

/** Moves a service one place up or down in the list the town home shows. */
export async function moveService(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  id: string,
  direction: 'haut' | 'bas',
): Promise<string> {
  assertId(id);
  return changeSettings(ctx, town, async (db) => {
    const order = await settings.lockServiceOrder(db, town.id);
    const index = order.indexOf(id);
    const service = index < 0 ? undefined : await settings.findService(db, town.id, id);
    if (!service) throw new NotFoundError('service of another town');
    const target = direction === 'haut' ? index - 1 : index + 1;
    if (target < 0 || target >= order.length) return service.name;
    [order[index], order[target]] = [order[target]!, order[index]!];
    await settings.setServiceOrder(db, town.id, order);
    await auditSettings(
      db,
      town,
      actor,
      'town_service',
      id,
      { section: 'services', moved: service.name, direction: direction === 'haut' ? 'up' : 'down', position: target + 1 },
      ctx.clock.now(),
    );
    return service.name;
  });
}

// ------------------------------------------------------------------ calendar

export async function addClosure(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  input: Omit<settings.Closure, 'id'>,
): Promise<string> {
  return changeSettings(ctx, town, async (db) => {
    const id = await settings.insertClosure(db, town.id, input);
    await auditSettings(db, town, actor, 'town_closure', id, { section: 'calendar', added: input }, ctx.clock.now());
    return id;
  });
}

export async function removeClosure(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  id: string,
): Promise<settings.Closure> {
  assertId(id);
  return changeSettings(ctx, town, async (db) => {
    const removed = await settings.deleteClosure(db, town.id, id);
    if (!removed) throw new NotFoundError('period of another town');
    await auditSettings(db, town, actor, 'town_closure', id, { section: 'calendar', removed }, ctx.clock.now());
    return removed;
  });
}

// ------------------------------------------------------------------ legal texts

export class TextUnchangedError extends Error {}

/**
 * Publishes version N+1 of the CGU or the mentions légales; earlier versions stay as they
 * were. A new CGU version is asked of every parent at their next page of the parent's
 * space (requireParent compares it with the version they accepted), so a text identical
 * to the current one is refused rather than making everyone accept it again.
 */
export async function publishText(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  actor: Actor,
  kind: settings.TextKind,
  body: string,
): Promise<number> {
  const version = await changeSettings(ctx, town, async (db) => {
    await settings.lockTownSettings(db, town.id);
    const current = await currentText(db, town.id, kind);
    if (current?.body === body) throw new TextUnchangedError();
    const now = ctx.clock.now();
    const version = await settings.insertTextVersion(db, town.id, kind, body, actor.actorLabel, now);
    await audit(db, {
      ...actor,
      townId: town.id,
      action: kind === 'cgu' ? 'cgu.publish' : 'mentions_legales.publish',
      targetType: 'town_text',
      targetId: `${kind}:${version}`,
      details: { kind, version, characters: body.length },
      at: now,
    });
    return version;
  });
  if (kind === 'cgu') forgetCguVersion(town.id);
  return version;
}
