import { isUniqueViolation, withTransaction } from '../../db/pool.js';
import { NotFoundError } from '../../lib/errors.js';
import { audit } from '../../lib/audit.js';
import { mayMail } from '../../lib/mail-limits.js';
import { enqueueMail } from '../../lib/mailer.js';
import { hashPassword, passwordProblem, verifyDummy, verifyPassword } from '../../lib/passwords.js';
import * as agents from '../../repositories/agents.repository.js';
import type { Agent } from '../../repositories/agents.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { USERNAME_TAKEN, usernameProblem } from '../parent-accounts/parent-accounts.service.js';
import * as guard from '../auth/sign-in-guard.js';
import type { ServiceContext } from '../../deps.js';

/** Agents hold everyone's data: their passwords follow a stronger policy than any town's. */
export const AGENT_PASSWORD_POLICY = { minLength: 12, upper: true, lower: true, digit: true };

export type AgentSignIn =
  | { ok: true; agent: Agent }
  /** `challenge`: the CAPTCHA was needed and not passed (the password was not looked at). */
  | { ok: false; challenge?: 'missing' | 'failed' | 'expired'; challengeNext: boolean };

/** Same protections as parents (sign-in-guard.ts): one generic failure, similar timing, the failing browser challenged. */
export async function signInAgent(
  ctx: ServiceContext,
  town: Town,
  username: string,
  password: string,
  source: guard.SignInSource,
): Promise<AgentSignIn> {
  const now = ctx.clock.now();
  const ip = source.ip;
  const typed = username.trim();
  const agent = typed ? await agents.findAgentByUsername(ctx.pool, town.id, typed) : undefined;
  const attempt: guard.Attempt = { townId: town.id, kind: 'agent', subjectId: agent?.id, identifier: typed, source };
  const auditFailure = async () => {
    if (agent) {
      await audit(ctx.pool, {
        townId: town.id,
        agentId: agent.id,
        actorLabel: agent.username,
        action: 'agent.sign_in_failed',
        ip,
        at: now,
      });
    }
  };
  const admission = await guard.admit(ctx, attempt);
  if (!admission.admitted) {
    await auditFailure();
    return { ok: false, challenge: admission.challenge, challengeNext: true };
  }
  const refuse = async (): Promise<AgentSignIn> => ({ ok: false, challengeNext: await guard.challengeNext(ctx, attempt) });
  if (admission.locked) {
    await verifyDummy(password);
    await auditFailure();
    return refuse();
  }
  const valid = agent && password.length <= 1024 ? await verifyPassword(agent.passwordHash, password) : await verifyDummy(password);
  if (!valid || !agent) {
    const { warn } = await guard.failed(ctx, attempt, admission);
    if (warn && agent) await warnOfFailures(ctx, town, agent);
    await auditFailure();
    return refuse();
  }
  if (agent.disabledAt) {
    await guard.notFailed(ctx, admission);
    await auditFailure();
    return refuse();
  }
  await withTransaction(ctx.pool, async (db) => {
    await agents.recordAgentSignIn(db, agent.id, now);
    if (!admission.trusted) await guard.clearFailures(db, 'agent', agent.id);
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

/** Once per burst of failures, to the agent's address if the back-office knows one. */
async function warnOfFailures(ctx: ServiceContext, town: Town, agent: Agent): Promise<void> {
  const email = agent.email;
  if (!email) return;
  await withTransaction(ctx.pool, async (db) => {
    if (!(await mayMail(db, ctx.clock, 'sign-in-warning', email))) return;
    await enqueueMail(db, {
      townId: town.id,
      to: email,
      template: 'notification',
      subject: "Tentatives de connexion à votre compte de l'espace agents",
      data: {
        townName: town.name,
        greeting: `Bonjour ${agent.displayName},`,
        paragraphs: [
          `Plusieurs tentatives de connexion à votre compte de l'espace agents (${agent.username}) ont échoué : un mauvais mot de passe a été saisi à plusieurs reprises.`,
          "Si ce n'est pas vous, quelqu'un essaie peut-être de deviner votre mot de passe : il sera ralenti, et vous pourrez toujours vous connecter depuis un poste où vous vous êtes déjà connecté. Prévenez un administrateur, qui peut vous donner un nouveau mot de passe.",
        ],
      },
    });
  });
}

export type CreateAgentResult = { kind: 'created'; agent: Agent } | { kind: 'errors'; errors: { field: string; message: string }[] };

export async function createAgent(
  ctx: ServiceContext,
  town: Town,
  input: {
    username: string;
    displayName: string;
    email?: string | null;
    password: string;
    role: Agent['role'];
    /** True when someone else than the agent chose the password (an admin in the back-office). */
    mustChangePassword: boolean;
  },
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
    return { kind: 'errors', errors: [USERNAME_TAKEN] };
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
    if (isUniqueViolation(err)) return { kind: 'errors', errors: [USERNAME_TAKEN] };
    throw err;
  }
}

export type PasswordFormResult = { kind: 'done'; agent: Agent } | { kind: 'errors'; errors: { field: string; message: string }[] };

const MISMATCH = { field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' };

/**
 * An admin gives an agent a new password (the agent forgot theirs, or was locked out). The
 * admin knows it, so the agent must choose their own at their next sign-in; the agent's
 * open sessions end and a lock is lifted, in the same transaction as the audit line.
 */
export async function resetAgentPassword(
  ctx: ServiceContext,
  town: Town,
  agentId: string,
  input: { password: string; passwordConfirmation: string },
  actor: { agentId: string; actorLabel: string; ip?: string | null },
): Promise<PasswordFormResult | { kind: 'self' }> {
  // Their own password an admin changes at their own first sign-in, like every agent.
  if (agentId === actor.agentId) return { kind: 'self' };
  const agent = await agents.findAgentById(ctx.pool, town.id, agentId);
  if (!agent) throw new NotFoundError('agent of another town');
  const problem = passwordProblem(input.password, AGENT_PASSWORD_POLICY, agent.username);
  if (problem) return { kind: 'errors', errors: [{ field: 'motDePasse', message: problem }] };
  if (input.password !== input.passwordConfirmation) return { kind: 'errors', errors: [MISMATCH] };
  const hash = await hashPassword(input.password);
  await withTransaction(ctx.pool, async (db) => {
    await agents.setAgentPassword(db, town.id, agent.id, hash, true);
    await agents.deleteAgentSessions(db, agent.id);
    // The sign-in throttle, not the agent row, holds a lock (sign-in-guard.ts).
    await guard.clearFailures(db, 'agent', agent.id);
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'agent.password_reset',
      targetType: 'agent',
      targetId: agent.id,
      details: { username: agent.username },
      at: ctx.clock.now(),
    });
  });
  return { kind: 'done', agent };
}

/**
 * The agent's own password, in place of the one an admin chose: the agents' policy, and
 * not the admin's choice again. The agent's other sessions end (they were opened with a
 * password someone else knows).
 */
export async function replaceAgentPassword(
  ctx: ServiceContext,
  town: Town,
  agent: Agent,
  input: { password: string; passwordConfirmation: string },
  keepSid: string,
): Promise<PasswordFormResult> {
  const problem = passwordProblem(input.password, AGENT_PASSWORD_POLICY, agent.username);
  if (problem) return { kind: 'errors', errors: [{ field: 'motDePasse', message: problem }] };
  if (await verifyPassword(agent.passwordHash, input.password)) {
    return {
      kind: 'errors',
      errors: [{ field: 'motDePasse', message: "Le nouveau mot de passe doit être différent de celui choisi par l'administrateur" }],
    };
  }
  if (input.password !== input.passwordConfirmation) return { kind: 'errors', errors: [MISMATCH] };
  const hash = await hashPassword(input.password);
  await withTransaction(ctx.pool, async (db) => {
    await agents.setAgentPassword(db, town.id, agent.id, hash, false);
    await agents.deleteAgentSessions(db, agent.id, keepSid);
    await audit(db, {
      townId: town.id,
      agentId: agent.id,
      actorLabel: `${agent.displayName} (${agent.username})`,
      action: 'agent.password_change',
      targetType: 'agent',
      targetId: agent.id,
      at: ctx.clock.now(),
    });
  });
  return { kind: 'done', agent };
}
