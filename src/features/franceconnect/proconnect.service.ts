import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import * as repo from '../../repositories/franceconnect.repository.js';
import type { Town } from '../../repositories/towns.repository.js';

/**
 * ProConnect for agents (issue 18): an agent an admin created with that email and allowed;
 * nobody is created by signing in. The password sign-in can be switched off only while an
 * admin can sign in with ProConnect, so admins cannot lock themselves out.
 */

type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

export const LOCKOUT =
  'Désactivez la connexion par mot de passe seulement quand au moins un administrateur actif, avec son adresse de courriel, peut se connecter avec ProConnect.';

export interface ProConnectInput {
  enabled: boolean;
  clientId: string;
  clientSecret: string;
  discoveryUrl: string;
  passwordSignInOff: boolean;
}

export async function saveProConnectSettings(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  input: ProConnectInput,
  actor: Actor,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db) => {
    if (input.passwordSignInOff && (!input.enabled || (await repo.countProConnectAdmins(db, town.id)) === 0)) {
      return { ok: false as const, message: LOCKOUT };
    }
    await repo.saveProConnectSettings(
      db,
      {
        townId: town.id,
        enabled: input.enabled,
        clientId: input.clientId,
        clientSecret: input.clientSecret || null,
        discoveryUrl: input.discoveryUrl,
        passwordSignInOff: input.passwordSignInOff,
      },
      now,
    );
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'proconnect.settings',
      details: {
        enabled: input.enabled,
        clientId: input.clientId,
        discoveryUrl: input.discoveryUrl,
        passwordSignInOff: input.passwordSignInOff,
        secretChanged: !!input.clientSecret,
      },
      at: now,
    });
    return { ok: true as const };
  });
}

/** The team's checkbox. Taking it from the last ProConnect admin while passwords are off would lock the admins out. */
export async function setAllowed(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  agentId: string,
  allowed: boolean,
  actor: Actor,
): Promise<'done' | 'not-found' | 'lockout'> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db) => {
    if (!allowed) {
      const settings = await repo.findProConnectSettings(db, town.id);
      if (settings?.passwordSignInOff && (await repo.countProConnectAdmins(db, town.id, agentId)) === 0) return 'lockout' as const;
    }
    if (!(await repo.setProConnectAllowed(db, town.id, agentId, allowed))) return 'not-found' as const;
    await audit(db, {
      townId: town.id,
      ...actor,
      action: allowed ? 'proconnect.allow' : 'proconnect.disallow',
      targetType: 'agent',
      targetId: agentId,
      at: now,
    });
    return 'done' as const;
  });
}

/** The agent ProConnect's verified email opens, if an admin allowed it; never one created here. */
export async function agentForProConnect(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, email: string, ip: string | null) {
  if (!email) return undefined;
  const agent = await repo.findProConnectAgent(ctx.pool, town.id, email);
  if (!agent) return undefined;
  await audit(ctx.pool, {
    townId: town.id,
    agentId: agent.id,
    actorLabel: agent.username,
    action: 'proconnect.sign_in',
    ip,
    at: ctx.clock.now(),
  });
  return agent;
}
