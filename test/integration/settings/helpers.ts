import type supertest from 'supertest';
import { expect } from 'vitest';
import { csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture } from '../../helpers/fixtures.js';

export interface SignedInAgent {
  agent: supertest.Agent;
  token: string;
  id: string;
  label: string;
}

/** An agent (or admin) of `town`, signed in, with the session's CSRF token. */
export async function signedIn(t: TestApp, town: string, role: 'agent' | 'admin'): Promise<SignedInAgent> {
  const a = await createAgentFixture(t.db.pool, town, role);
  const agent = t.agent();
  expect((await signInAgent(agent, town, a.username, a.password)).status).toBe(303);
  const home = await agent.get(`/${town}/agents`);
  expect(home.status).toBe(200);
  return { agent, token: csrfFrom(home.text), id: a.id, label: `${a.displayName} (${a.username})` };
}

/** A form post as the browser sends it, with the session's token. */
export function post(who: SignedInAgent, path: string, fields: Record<string, string> = {}) {
  return who.agent
    .post(path)
    .type('form')
    .send({ _csrf: who.token, ...fields });
}

export async function auditRows(t: TestApp, agentId: string, action?: string) {
  const { rows } = await t.db.pool.query<{
    action: string;
    target_type: string;
    target_id: string;
    details: Record<string, unknown>;
    ip: string;
  }>(
    `select action, target_type, target_id, details, ip from audit_log where agent_id = $1 ${action ? 'and action = $2' : ''} order by id`,
    action ? [agentId, action] : [agentId],
  );
  return rows;
}
