import type { PoolClient } from 'pg';
import { withTransaction } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { businessCalendar, promiseStatus, type BusinessCalendar, type PromiseStatus } from '../../lib/calendar/index.js';
import { uniqueCleEnfance } from '../../lib/cle-enfance.js';
import { NotFoundError } from '../../lib/errors.js';
import { enqueueMail } from '../../lib/mailer.js';
import * as validation from '../../repositories/account-validation.repository.js';
import { insertFamily } from '../../repositories/family-files.repository.js';
import { cancelTokens, deleteSessionsOf, findAccountById, type Account } from '../../repositories/accounts.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { isUuid } from '../../lib/ids.js';
import type { ServiceContext } from '../../deps.js';
import { greeting } from '../../lib/french.js';

/**
 * Accounts to activate: parents who signed up without a Clé Enfance wait for the services
 * to link their account to a family file (an existing one, or a new one made from what
 * they entered) or to refuse it. The town promises an answer within
 * `activation_delay_hours` business hours (see lib/calendar/business.ts), counted from the
 * moment the parent confirmed their email: the activation mail says the services act
 * "ensuite", and an unconfirmed sign-up may be someone else's address.
 */

export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

export const PAGE_SIZE = 50;
/** Unconfirmed sign-ups are shown apart and only so many: a bot may have made thousands. */
export const UNCONFIRMED_SHOWN = 20;

export async function townBusinessCalendar(ctx: ServiceContext, town: Town): Promise<BusinessCalendar> {
  return businessCalendar(await validation.listClosureRanges(ctx.pool, town.id));
}

export type AwaitingWithStatus = validation.AwaitingAccount & { status: PromiseStatus | null };

export interface AccountsToActivate {
  confirmed: AwaitingWithStatus[];
  total: number;
  page: number;
  pages: number;
  unconfirmed: validation.AwaitingAccount[];
  unconfirmedTotal: number;
}

export async function accountsToActivate(ctx: ServiceContext, town: Town, q: string, page: number): Promise<AccountsToActivate> {
  const now = ctx.clock.now();
  const [calendar, confirmed, unconfirmed] = await Promise.all([
    townBusinessCalendar(ctx, town),
    validation.listAwaitingAccounts(ctx.pool, town.id, { confirmed: true, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    validation.listAwaitingAccounts(ctx.pool, town.id, { confirmed: false, q, limit: UNCONFIRMED_SHOWN, offset: 0 }),
  ]);
  return {
    confirmed: confirmed.rows.map((a) => ({
      ...a,
      status: a.emailConfirmedAt ? promiseStatus(a.emailConfirmedAt, now, town.activationDelayHours, calendar) : null,
    })),
    total: confirmed.total,
    page,
    pages: Math.max(1, Math.ceil(confirmed.total / PAGE_SIZE)),
    unconfirmed: unconfirmed.rows,
    unconfirmedTotal: unconfirmed.total,
  };
}

/**
 * For the agents' home page: how many wait, and how many are past the promise. Starts come
 * oldest first and lateness only grows with age, so a binary search finds the late ones
 * with a few business-hours counts however many accounts wait.
 */
export async function waitingAccountsSummary(ctx: ServiceContext, town: Town): Promise<{ count: number; late: number }> {
  const [calendar, starts] = await Promise.all([townBusinessCalendar(ctx, town), validation.awaitingSince(ctx.pool, town.id)]);
  const now = ctx.clock.now();
  const isLate = (i: number) => promiseStatus(starts[i]!, now, town.activationDelayHours, calendar).late;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (isLate(mid)) lo = mid + 1;
    else hi = mid;
  }
  return { count: starts.length, late: lo };
}

export interface AccountDetail {
  account: Account;
  status: PromiseStatus | null;
  family: validation.FamilyChoice | undefined;
}

export async function accountDetail(ctx: ServiceContext, town: Town, id: unknown): Promise<AccountDetail> {
  if (!isUuid(id)) throw new NotFoundError('not an account id');
  const account = await findAccountById(ctx.pool, town.id, id);
  if (!account) throw new NotFoundError('account of another town');
  const [calendar, family] = await Promise.all([
    townBusinessCalendar(ctx, town),
    account.familyId ? validation.findFamilyChoice(ctx.pool, town.id, account.familyId) : undefined,
  ]);
  const status =
    account.validationStatus === 'awaiting_services' && account.emailConfirmedAt
      ? promiseStatus(account.emailConfirmedAt, ctx.clock.now(), town.activationDelayHours, calendar)
      : null;
  return { account, status, family };
}

/** Family files to link an account to: what the agent searched, or files of the account's name. */
export async function familyChoices(
  ctx: ServiceContext,
  town: Town,
  account: Account,
  q: string,
): Promise<{ searched: boolean; families: validation.FamilyChoice[] }> {
  if (q) return { searched: true, families: await validation.searchFamilyChoices(ctx.pool, town.id, q, 20) };
  return { searched: false, families: await validation.familiesNamed(ctx.pool, town.id, account.lastName, 10) };
}

/** What a new family file made from the account would hold. */
export function familyFromAccount(a: Account): { name: string; addressLine: string; postalCode: string; city: string } {
  const street = [a.addressNumber, a.addressStreet].filter(Boolean).join(' ');
  const extra = [
    a.addressBuilding && `bâtiment ${a.addressBuilding}`,
    a.addressApartment && `appartement ${a.addressApartment}`,
    a.addressComplement,
  ]
    .filter(Boolean)
    .join(', ');
  return {
    name: a.lastName.trim().toLocaleUpperCase('fr-FR'),
    addressLine: [street, extra].filter(Boolean).join(', '),
    postalCode: a.postalCode,
    city: a.city,
  };
}

export type FamilyChoiceInput = { kind: 'existing'; familyId: string } | { kind: 'new' };

export type DecisionResult =
  | { kind: 'validated'; account: Account; family: { id: string; name: string; cleEnfance: string; created: boolean } }
  | { kind: 'refused'; account: Account }
  | { kind: 'already'; account: Account };

/**
 * An agent's decision on a waiting account, in one transaction: the account is locked, and
 * `decide` runs only if no other agent decided first (else 'already', nothing written).
 */
function decideOnAccount(
  ctx: ServiceContext,
  town: Town,
  accountId: string,
  decide: (db: PoolClient, account: Account, now: Date) => Promise<DecisionResult>,
): Promise<DecisionResult> {
  return withTransaction(ctx.pool, async (db) => {
    const locked = await validation.lockAccountStatus(db, town.id, accountId);
    if (!locked) throw new NotFoundError('account of another town');
    const account = (await findAccountById(db, town.id, accountId))!;
    if (locked.validationStatus !== 'awaiting_services') return { kind: 'already', account };
    return decide(db, account, ctx.clock.now());
  });
}

/** The audit row of a decision: who decided, on which account, and what. */
function auditDecision(
  db: PoolClient,
  town: Town,
  actor: Actor,
  account: Account,
  action: 'account.activate' | 'account.refuse',
  details: Record<string, unknown>,
  at: Date,
): Promise<void> {
  return audit(db, {
    townId: town.id,
    ...actor,
    action,
    targetType: 'account',
    targetId: account.id,
    details: { username: account.username, ...details },
    at,
  });
}

/**
 * Activates a waiting account: links it to an existing family file of the town or to a new
 * one (with a new Clé Enfance), in one transaction with the parent's mail and the audit
 * rows. The family opens on the parent's next page: the dashboard reads the account's
 * status and family on every request.
 */
export async function validateAccount(
  ctx: ServiceContext,
  town: Town,
  accountId: string,
  choice: FamilyChoiceInput,
  actor: Actor,
): Promise<DecisionResult> {
  return decideOnAccount(ctx, town, accountId, async (db, account, now) => {
    let family: { id: string; name: string; cleEnfance: string; created: boolean };
    if (choice.kind === 'existing') {
      const found = await validation.findFamilyChoice(db, town.id, choice.familyId);
      if (!found) throw new NotFoundError('family of another town');
      family = { id: found.id, name: found.name, cleEnfance: found.cleEnfance, created: false };
    } else {
      const fields = familyFromAccount(account);
      const created = await insertFamily(db, town.id, {
        ...fields,
        externalRef: null,
        cleEnfance: await uniqueCleEnfance(db, town.id),
        now,
      });
      family = { id: created.id, name: created.name, cleEnfance: created.cleEnfance, created: true };
      await audit(db, {
        townId: town.id,
        ...actor,
        action: 'family.create',
        targetType: 'family',
        targetId: created.id,
        details: { name: created.name, from: 'account', accountId },
        at: now,
      });
    }

    await validation.markValidated(db, town.id, accountId, family.id, now);
    await enqueueMail(db, {
      townId: town.id,
      to: account.email,
      template: 'account-validated',
      subject: 'Votre espace famille est validé',
      data: {
        townName: town.name,
        greeting: greeting(account),
        familyName: family.name,
        username: account.username,
        signInUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.townHome(town)),
      },
    });
    await auditDecision(
      db,
      town,
      actor,
      account,
      'account.activate',
      { familyId: family.id, familyName: family.name, newFamily: family.created },
      now,
    );
    return { kind: 'validated', account, family } as const;
  });
}

/**
 * Refuses a waiting account with the agent's reason, which the parent reads in the mail.
 * The account can no longer sign in (loadAccount and signIn refuse it): its sessions end
 * now and its unused activation link is cancelled.
 */
export async function refuseAccount(
  ctx: ServiceContext,
  town: Town,
  accountId: string,
  reason: string,
  actor: Actor,
): Promise<DecisionResult> {
  return decideOnAccount(ctx, town, accountId, async (db, account, now) => {
    await validation.markRefused(db, town.id, accountId, reason, now);
    await cancelTokens(db, accountId, 'activation', now);
    await deleteSessionsOf(db, accountId);
    await enqueueMail(db, {
      townId: town.id,
      to: account.email,
      template: 'account-refused',
      subject: "Votre demande d'espace famille n'a pas été acceptée",
      data: {
        townName: town.name,
        greeting: greeting(account),
        reason,
        townUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.townHome(town)),
      },
    });
    await auditDecision(db, town, actor, account, 'account.refuse', { reason }, now);
    return { kind: 'refused', account } as const;
  });
}
