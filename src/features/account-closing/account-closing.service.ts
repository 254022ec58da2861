import type { ServiceContext } from '../../deps.js';
import { withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { enqueueMails } from '../../lib/mailer.js';
import { verifyPassword } from '../../lib/passwords.js';
import { hit } from '../../lib/rate-limit.js';
import { personName } from '../../lib/french.js';
import * as closing from '../../repositories/account-closing.repository.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { deleteSessionsOf } from '../../repositories/accounts.repository.js';
import { revokeAccountFeeds } from '../../repositories/calendar-feeds.repository.js';
import type { Town } from '../../repositories/towns.repository.js';

export type ClosingResult = { kind: 'closed' } | { kind: 'wrong_password' };

/** As many tries as signing in allows: a stolen session cannot guess the password to close the account. */
const ATTEMPTS = { limit: 5, windowSeconds: 15 * 60 };

/**
 * Closes a parent's account (RGPD art. 17), in one transaction: the account's SEPA mandates
 * revoked, its calendar feeds revoked, its sessions ended, the account row deleted (its
 * private storage goes with it, see deleteAccount), an audit row, and a mail to the family
 * file's other adults who have an account. The family file, the requests, invoices and
 * payments stay: the town must keep them (accounting and administrative records).
 */
export async function closeAccount(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  account: Account,
  password: string,
  ip: string | null,
): Promise<ClosingResult> {
  const limit = await hit(ctx.pool, ctx.clock, `account-close:${account.id}`, ATTEMPTS.limit, ATTEMPTS.windowSeconds);
  if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
  if (password.length > 1024 || !(await verifyPassword(account.passwordHash, password))) return { kind: 'wrong_password' };
  const now = ctx.clock.now();
  const name = personName(account.firstNames, account.lastName);
  await withTransaction(ctx.pool, async (db) => {
    const mandates = await closing.revokeMandatesSignedBy(db, town.id, account.id, now);
    const feeds = await revokeAccountFeeds(db, town.id, account.id, now);
    await deleteSessionsOf(db, account.id);
    const others = account.familyId ? await closing.otherFamilyAccounts(db, town.id, account.familyId, account.id) : [];
    await closing.keepAdultRecord(db, town.id, account.id);
    await closing.deleteAccount(db, town.id, account.id);
    await audit(db, {
      townId: town.id,
      agentId: null,
      actorLabel: `parent (${account.username})`,
      action: 'account.close',
      targetType: 'account',
      targetId: account.id,
      details: { familyId: account.familyId, mandatesRevoked: mandates, feedsRevoked: feeds },
      ip,
      at: now,
    });
    await enqueueMails(
      db,
      others.map((o) => ({
        townId: town.id,
        to: o.email,
        template: 'notification',
        subject: `Un compte de votre dossier famille a été clôturé – ${town.name}`,
        data: {
          townName: town.name,
          greeting: `Bonjour ${personName(o.firstNames, o.lastName)},`,
          paragraphs: [
            `${name} a clôturé son compte de l'Espace Famille de ${town.name}.`,
            "Votre propre compte et le dossier famille ne changent pas : vous pouvez continuer à réserver, payer les factures et faire vos démarches. Si ce compte avait signé l'autorisation de prélèvement automatique, elle a pris fin : vous pouvez en signer une depuis Mon compte.",
          ],
        },
      })),
    );
  });
  return { kind: 'closed' };
}
