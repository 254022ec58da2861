import type { Queryable } from '../../src/db/pool.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { insertAccount, type Account, type NewAccount } from '../../src/repositories/accounts.repository.js';
import { findTownBySlug, type Town } from '../../src/repositories/towns.repository.js';

export async function town(db: Queryable, slug: string): Promise<Town> {
  const found = await findTownBySlug(db, slug);
  if (!found) throw new Error(`no demo town ${slug}`);
  return found;
}

/** A password that satisfies every demo town's policy. */
export const GOOD_PASSWORD = 'Ecole-Verte-2026';

let counter = 0;

/**
 * Realistic long values for the browser tests' 320 px checks (WCAG 1.4.10): names with
 * accents, hyphens and an apostrophe, and a 40-character email with no hyphen to break at,
 * the kind that made the dashboard scroll sideways.
 */
export const LONG_NAME = { firstNames: 'Marie-Bénédicte', lastName: "D'Aubigné-Lévêque" } as const;
export const LONG_AGENT_NAME = "Marie-Bénédicte D'AUBIGNÉ-LÉVÊQUE";

/** A unique 40-character address: "mariebenedicte.daubigne0001@example.test". */
export function longEmail(): string {
  counter += 1;
  return `mariebenedicte.daubigne${String(counter).padStart(4, '0')}@example.test`;
}

/**
 * A parent's account as if the wizard and the activation link had run: defaults give an
 * activated, validated account with the CGU accepted; override what a test needs.
 */
export async function createParent(
  db: Queryable,
  townSlug: string,
  overrides: Partial<NewAccount> & { password?: string; emailConfirmed?: boolean; cguAccepted?: boolean } = {},
): Promise<Account & { password: string }> {
  const t = await town(db, townSlug);
  counter += 1;
  const password = overrides.password ?? GOOD_PASSWORD;
  const now = overrides.createdAt ?? new Date();
  const account = await insertAccount(db, {
    townId: t.id,
    familyId: null,
    username: `parent${counter}${Math.random().toString(36).slice(2, 6)}`,
    email: `parent${counter}.${Math.random().toString(36).slice(2, 6)}@example.fr`,
    civility: 'M',
    lastName: 'Dupont',
    firstNames: 'Jean',
    passwordHash: await hashPassword(password),
    passwordIsTemporary: false,
    temporaryPasswordExpiresAt: null,
    createdVia: 'wizard',
    validationStatus: 'validated',
    validatedAt: now,
    createdAt: now,
    ...overrides,
  });
  if (overrides.emailConfirmed !== false) await db.query(`update accounts set email_confirmed_at = $2 where id = $1`, [account.id, now]);
  if (overrides.cguAccepted !== false) await db.query(`update accounts set cgu_version_accepted = 1 where id = $1`, [account.id]);
  return { ...account, password };
}

export async function familyByKey(db: Queryable, townSlug: string, key: string): Promise<{ id: string }> {
  const t = await town(db, townSlug);
  const { rows } = await db.query<{ id: string }>(`select id from families where town_id = $1 and cle_enfance = $2`, [t.id, key]);
  if (!rows[0]) throw new Error(`no family ${key}`);
  return rows[0];
}

export const AGENT_PASSWORD = 'Mairie-Agent-2026';

/** An agent (or admin) of a town, ready to sign in with AGENT_PASSWORD. */
export async function createAgentFixture(
  db: Queryable,
  townSlug: string,
  role: 'agent' | 'admin' = 'agent',
  options: { displayName?: string } = {},
) {
  const t = await town(db, townSlug);
  counter += 1;
  const { insertAgent } = await import('../../src/repositories/agents.repository.js');
  const agent = await insertAgent(db, {
    townId: t.id,
    username: `agent${counter}${Math.random().toString(36).slice(2, 6)}`,
    displayName: options.displayName ?? `Agent ${counter}`,
    passwordHash: await hashPassword(AGENT_PASSWORD),
    role,
  });
  return { ...agent, password: AGENT_PASSWORD };
}
