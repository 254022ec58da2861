import { isUniqueViolation } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import type { FieldError } from '../../lib/forms.js';
import { hashPassword, needsRehash, passwordProblem, verifyDummy, verifyPassword } from '../../lib/passwords.js';
import { hit, peek, reset } from '../../lib/rate-limit.js';
import * as operators from '../../repositories/operators.repository.js';
import type { Operator } from '../../repositories/operators.repository.js';

/**
 * The host's operators (ADR 0024): created from the command line by whoever runs the
 * servers, signed in at /exploitation/connexion. Their password follows the agents' rule
 * with a longer minimum: an operator can export or remove any town.
 */
export const OPERATOR_PASSWORD_POLICY = { minLength: 14, upper: true, lower: true, digit: true };

/** Failed passwords per username before the username is refused for the rest of the window. */
export const OPERATOR_FAILURES = 10;
export const OPERATOR_WINDOW_SECONDS = 15 * 60;

export type CreateOperatorResult = { kind: 'created'; operator: Operator } | { kind: 'errors'; errors: FieldError[] };

export async function createOperator(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  input: { username: string; displayName: string; password: string },
): Promise<CreateOperatorResult> {
  const username = input.username.trim().toLowerCase();
  const errors: FieldError[] = [];
  if (!/^[a-z0-9._-]{3,50}$/.test(username)) {
    errors.push({ field: 'username', message: 'de 3 à 50 caractères : lettres sans accent, chiffres, points, tirets, tirets bas' });
  }
  const issue = passwordProblem(input.password, OPERATOR_PASSWORD_POLICY, username);
  if (issue) errors.push({ field: 'password', message: issue });
  if (errors.length) return { kind: 'errors', errors };
  try {
    const operator = await operators.insertOperator(ctx.pool, {
      username,
      displayName: input.displayName.trim() || username,
      passwordHash: await hashPassword(input.password),
    });
    await operators.insertOperatorEvent(ctx.pool, {
      operatorId: null,
      actorLabel: 'ligne de commande',
      action: 'operator.create',
      details: { username },
      at: ctx.clock.now(),
    });
    return { kind: 'created', operator };
  } catch (err) {
    if (isUniqueViolation(err))
      return { kind: 'errors', errors: [{ field: 'username', message: 'an operator already has this username' }] };
    throw err;
  }
}

export type OperatorSignIn = { ok: true; operator: Operator } | { ok: false; locked: boolean };

/**
 * One generic failure whatever went wrong, the same argon2 work when the username is
 * unknown, and a per-username counter in Postgres (all instances count together): after
 * OPERATOR_FAILURES wrong passwords the username is refused, right password or not, until
 * the window ends. The per-address limit is the controller's, as for agents.
 */
export async function signInOperator(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  username: string,
  password: string,
  ip: string | null,
): Promise<OperatorSignIn> {
  const now = ctx.clock.now();
  const typed = username.trim().toLowerCase();
  const key = `operator-signin-failures:${typed}`;
  const found = typed && password.length <= 1024 ? await operators.findOperatorCredentials(ctx.pool, typed) : undefined;
  const fail = async (locked: boolean): Promise<OperatorSignIn> => {
    await operators.insertOperatorEvent(ctx.pool, {
      operatorId: found?.id ?? null,
      actorLabel: typed.slice(0, 60) || '(vide)',
      action: 'operator.sign_in_failed',
      ip,
      at: now,
    });
    return { ok: false, locked };
  };
  // Locked: refused without looking at the password (the same argon2 work all the same).
  if ((await peek(ctx.pool, ctx.clock, key)) >= OPERATOR_FAILURES) {
    await verifyDummy(password);
    return fail(true);
  }
  const valid = found ? await verifyPassword(found.passwordHash, password) : await verifyDummy(password);
  if (!valid || !found || found.disabledAt) {
    const count = await hit(ctx.pool, ctx.clock, key, OPERATOR_FAILURES, OPERATOR_WINDOW_SECONDS);
    return fail(count.count >= OPERATOR_FAILURES);
  }
  await reset(ctx.pool, key);
  await operators.recordOperatorSignIn(ctx.pool, found.id, now, needsRehash(found.passwordHash) ? await hashPassword(password) : undefined);
  await operators.insertOperatorEvent(ctx.pool, {
    operatorId: found.id,
    actorLabel: `${found.displayName} (${found.username})`,
    action: 'operator.sign_in',
    ip,
    at: now,
  });
  const { passwordHash: _hash, ...operator } = found;
  return { ok: true, operator };
}

export async function recordOperatorSignOut(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  operator: Operator,
  ip: string | null,
): Promise<void> {
  await operators.insertOperatorEvent(ctx.pool, {
    operatorId: operator.id,
    actorLabel: `${operator.displayName} (${operator.username})`,
    action: 'operator.sign_out',
    ip,
    at: ctx.clock.now(),
  });
}
