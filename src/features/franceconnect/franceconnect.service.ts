import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { findAccountById, recordSuccessfulSignIn, type Account } from '../../repositories/accounts.repository.js';
import * as repo from '../../repositories/franceconnect.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import * as parents from '../parent-accounts/parent-accounts.service.js';
import type { SignInSource } from '../auth/sign-in-guard.js';

/**
 * FranceConnect's rules (issue 18): an identity opens the account it is linked to in this town,
 * and gets linked only by the account's password (or an account created from it), never by a
 * matching email (ADR 0022).
 */

function usable(account: Account | undefined): account is Account {
  return !!account && !account.disabledAt && account.validationStatus !== 'refused';
}

/** The account linked to this verified identity in this town, signed in now; undefined: none linked. */
export async function signInWithIdentity(
  ctx: ServiceContext,
  town: Town,
  sub: string,
): Promise<Account | 'unusable' | 'unconfirmed' | undefined> {
  const identity = await repo.findIdentityBySub(ctx.pool, town.id, sub);
  if (!identity) return undefined;
  const account = await findAccountById(ctx.pool, town.id, identity.accountId);
  if (!usable(account)) return 'unusable';
  // An account created from FranceConnect still proves its email by the link it was sent.
  if (!account.emailConfirmedAt) return 'unconfirmed';
  const now = ctx.clock.now();
  await withTransaction(ctx.pool, async (db) => {
    await repo.touchIdentity(db, identity.id, now);
    await recordSuccessfulSignIn(db, account.id, now);
  });
  return account;
}

export type LinkResult =
  { ok: true; account: Account } | { ok: false; reason: 'credentials' | 'challenge' | 'temporary' | 'already-linked' | 'identity-taken' };

/**
 * The password proves the account is the parent's: the password sign-in's own checks run
 * (throttling, lock-out, confirmed email), then the identity is linked.
 */
export async function linkWithPassword(
  ctx: ServiceContext,
  town: Town,
  sub: string,
  identifier: string,
  password: string,
  source: SignInSource,
  ip: string | null,
): Promise<LinkResult> {
  const signedIn = await parents.signIn(ctx, town, identifier, password, source);
  if (!signedIn.ok) return { ok: false, reason: signedIn.challenge ? 'challenge' : signedIn.temporarySpent ? 'temporary' : 'credentials' };
  const account = signedIn.account;
  if (account.passwordIsTemporary) return { ok: false, reason: 'temporary' };
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db): Promise<LinkResult> => {
    if (await repo.findIdentityByAccount(db, town.id, account.id)) return { ok: false, reason: 'already-linked' };
    if (await repo.findIdentityBySub(db, town.id, sub)) return { ok: false, reason: 'identity-taken' };
    if (!(await repo.insertIdentity(db, town.id, account.id, sub, now))) {
      return { ok: false, reason: (await repo.findIdentityByAccount(db, town.id, account.id)) ? 'already-linked' : 'identity-taken' };
    }
    await audit(db, {
      townId: town.id,
      agentId: null,
      actorLabel: `parent ${account.username}`,
      action: 'franceconnect.link',
      targetType: 'account',
      targetId: account.id,
      ip,
      at: now,
    });
    return { ok: true, account };
  });
}

export async function unlink(ctx: ServiceContext, town: Town, account: Account, ip: string | null): Promise<boolean> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db) => {
    if (!(await repo.deleteIdentity(db, town.id, account.id))) return false;
    await audit(db, {
      townId: town.id,
      agentId: null,
      actorLabel: `parent ${account.username}`,
      action: 'franceconnect.unlink',
      targetType: 'account',
      targetId: account.id,
      ip,
      at: now,
    });
    return true;
  });
}

export interface SettingsInput {
  enabled: boolean;
  clientId: string;
  /** Empty: keep the stored one. */
  clientSecret: string;
  discoveryUrl: string;
  eidasLevel: repo.EidasLevel;
}

export async function saveSettings(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  input: SettingsInput,
  actor: Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>,
): Promise<void> {
  const now = ctx.clock.now();
  await withTransaction(ctx.pool, async (db) => {
    await repo.saveFranceConnectSettings(
      db,
      {
        townId: town.id,
        enabled: input.enabled,
        clientId: input.clientId,
        clientSecret: input.clientSecret || null,
        discoveryUrl: input.discoveryUrl,
        eidasLevel: input.eidasLevel,
      },
      now,
    );
    // The secret is never written to the audit, nor anything that could rebuild it.
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'franceconnect.settings',
      details: {
        enabled: input.enabled,
        clientId: input.clientId,
        discoveryUrl: input.discoveryUrl,
        eidasLevel: input.eidasLevel,
        secretChanged: !!input.clientSecret,
      },
      at: now,
    });
  });
}
