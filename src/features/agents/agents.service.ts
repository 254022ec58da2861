import type { Config } from '../../config.js';
import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import type { Clock } from '../../lib/clock.js';
import { isBlocked, lockAfterFailure } from '../../lib/lockout.js';
import { hashPassword, passwordProblem, verifyDummy, verifyPassword } from '../../lib/passwords.js';
import * as agents from '../../repositories/agents.repository.js';
import type { Agent } from '../../repositories/agents.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { usernameProblem } from '../accounts/accounts.service.js';

export interface AgentContext {
  pool: pg.Pool;
  clock: Clock;
  config: Config;
}

/** Agents hold everyone's data: their passwords follow a stronger policy than any town's. */
export const AGENT_PASSWORD_POLICY = { minLength: 12, upper: true, lower: true, digit: true };

export type AgentSignIn = { ok: true; agent: Agent } | { ok: false };

/** Same protections as parents: one generic failure, similar timing, slow-down then lock. */
export async function signInAgent(
  ctx: AgentContext,
  town: Town,
  username: string,
  password: string,
  ip: string | null,
): Promise<AgentSignIn> {
  const now = ctx.clock.now();
  const agent = username.trim() ? await agents.findAgentByUsername(ctx.pool, town.id, username.trim()) : undefined;
  if (!agent || password.length > 1024 || isBlocked(agent, now)) {
    await verifyDummy(password);
    if (agent)
      await audit(ctx.pool, {
        townId: town.id,
        agentId: agent.id,
        actorLabel: agent.username,
        action: 'agent.sign_in_failed',
        ip,
        at: now,
      });
    return { ok: false };
  }
  const valid = await verifyPassword(agent.passwordHash, password);
  if (!valid || agent.disabledAt) {
    if (!valid) await agents.recordAgentFailure(ctx.pool, agent.id, now, lockAfterFailure(agent, now));
    await audit(ctx.pool, { townId: town.id, agentId: agent.id, actorLabel: agent.username, action: 'agent.sign_in_failed', ip, at: now });
    return { ok: false };
  }
  await withTransaction(ctx.pool, async (db) => {
    await agents.recordAgentSignIn(db, agent.id, now);
    await audit(db, {
      townId: town.id,
      agentId: agent.id,
      actorLabel: `${agent.displayName} (${agent.username})`,
      action: 'agent.sign_in',
      ip,
      at: now,
    });
  });
  return { ok: true, agent };
}

export type CreateAgentResult = { kind: 'created'; agent: Agent } | { kind: 'errors'; errors: { field: string; message: string }[] };

export async function createAgent(
  ctx: AgentContext,
  town: Town,
  input: { username: string; displayName: string; email?: string | null; password: string; role: Agent['role'] },
  actor: { agentId: string | null; actorLabel: string; ip: string | null },
): Promise<CreateAgentResult> {
  const errors: { field: string; message: string }[] = [];
  const usernameIssue = usernameProblem(input.username);
  if (usernameIssue) errors.push({ field: 'nomUtilisateur', message: usernameIssue });
  if (!input.displayName.trim()) errors.push({ field: 'nom', message: "Saisissez le nom de l'agent" });
  const passwordIssue = passwordProblem(input.password, AGENT_PASSWORD_POLICY, input.username);
  if (passwordIssue) errors.push({ field: 'motDePasse', message: passwordIssue });
  if (errors.length) return { kind: 'errors', errors };
  if (await agents.findAgentByUsername(ctx.pool, town.id, input.username)) {
    return {
      kind: 'errors',
      errors: [{ field: 'nomUtilisateur', message: "Ce nom d'utilisateur est déjà pris : choisissez-en un autre" }],
    };
  }
  const passwordHash = await hashPassword(input.password);
  try {
    const agent = await withTransaction(ctx.pool, async (db) => {
      const created = await agents.insertAgent(db, { townId: town.id, ...input, displayName: input.displayName.trim(), passwordHash });
      await audit(db, {
        townId: town.id,
        ...actor,
        action: 'agent.create',
        targetType: 'agent',
        targetId: created.id,
        details: { username: created.username, role: created.role },
        at: ctx.clock.now(),
      });
      return created;
    });
    return { kind: 'created', agent };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      return {
        kind: 'errors',
        errors: [{ field: 'nomUtilisateur', message: "Ce nom d'utilisateur est déjà pris : choisissez-en un autre" }],
      };
    }
    throw err;
  }
}
