import { withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import * as agents from '../../repositories/agents.repository.js';
import { countProConnectAdmins, findProConnectSettings } from '../../repositories/franceconnect.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { Actor } from './activation.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The town's team, managed by its admins (creating an agent is createAgent in
 * agents.service.ts). Disabling ends the agent's sessions in the same transaction, so the
 * next request of that agent already finds nobody signed in (loadAgent checks disabled_at
 * too, as a second line).
 */

export type ToggleResult =
  | { kind: 'done'; agent: agents.Agent }
  | { kind: 'self' }
  | { kind: 'lockout'; agent: agents.Agent }
  | { kind: 'unchanged'; agent: agents.Agent };

export async function setAgentEnabled(
  ctx: ServiceContext,
  town: Town,
  agentId: string,
  enabled: boolean,
  actor: Actor & { agentId: string },
): Promise<ToggleResult> {
  // An admin who disabled themself would lock the town out of its own settings.
  if (!enabled && agentId === actor.agentId) return { kind: 'self' };
  return withTransaction(ctx.pool, async (db) => {
    const agent = await agents.findAgentById(db, town.id, agentId);
    if (!agent) throw new NotFoundError('agent of another town');
    if ((agent.disabledAt === null) === enabled) return { kind: 'unchanged', agent } as const;
    // With the password sign-in switched off, the last admin who can use ProConnect is the
    // town's only way into its back-office (the same rule as ProConnect's own settings).
    if (
      !enabled &&
      (await findProConnectSettings(db, town.id))?.passwordSignInOff &&
      (await countProConnectAdmins(db, town.id, agentId)) === 0
    ) {
      return { kind: 'lockout', agent } as const;
    }
    const now = ctx.clock.now();
    await agents.setAgentDisabled(db, town.id, agentId, enabled ? null : now);
    if (!enabled) await agents.deleteAgentSessions(db, agentId);
    await audit(db, {
      townId: town.id,
      ...actor,
      action: enabled ? 'agent.enable' : 'agent.disable',
      targetType: 'agent',
      targetId: agentId,
      details: { username: agent.username },
      at: now,
    });
    return { kind: 'done', agent } as const;
  });
}
