import { withTransaction } from '../../db/pool.js';
import { NotFoundError } from '../../lib/errors.js';
import * as bank from '../../repositories/builtin-bank.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { BANK_PAGE_LIFETIME_MS, signBankNotification } from './builtin-provider.js';
import { providerFor } from './providers.js';
import { handleNotification, paymentView, type PaymentsContext, type Viewer } from './payments.service.js';

/**
 * The built-in demonstration bank's page (ADR 0017). Only the parent whose payment it is sees
 * it (404 otherwise, like every payment route). The family's decision is the bank's first:
 * recorded in the bank's books, then notified to the portal with a signed message, then the
 * browser goes back to the portal's return URL.
 */

export async function bankOperation(ctx: PaymentsContext, town: Town, viewer: Viewer, paymentId: string) {
  // In production the demonstration bank does not exist, even for a payment left from before.
  if (!providerFor('builtin', ctx)) throw new NotFoundError('no demonstration bank in production');
  const { payment } = await paymentView(ctx, town, viewer, paymentId);
  const operation = payment.provider === 'builtin' ? await bank.findBankOperationOfPayment(ctx.pool, town.id, paymentId) : undefined;
  if (!operation) throw new NotFoundError('no bank operation');
  const expired = !operation.decision && ctx.clock.now().getTime() - operation.createdAt.getTime() > BANK_PAGE_LIFETIME_MS;
  return { operation, expired };
}

/**
 * Records the family's choice (once: a second click finds it decided), then notifies the
 * portal. The notification goes in-process through the very path an HTTP one takes
 * (`handleNotification`, signature verified): the bank needs no route back to the app's
 * public address, and if it fails the scheduled check reads the bank's books.
 */
export async function decideBank(
  ctx: PaymentsContext,
  town: Town,
  viewer: Viewer,
  paymentId: string,
  choice: bank.BankDecision,
): Promise<string> {
  const { operation, expired } = await bankOperation(ctx, town, viewer, paymentId);
  const now = ctx.clock.now();
  // Past its lifetime the page takes nothing: the portal may already have closed the payment as abandoned.
  const decision = expired ? 'abandoned' : choice;
  const decided = await withTransaction(ctx.pool, (db) => bank.decideBankOperation(db, town.id, operation.id, decision, now));
  const current = decided.operation ?? operation;
  if (decided.changed && current.decision) {
    const body = signBankNotification(ctx.config, {
      operation: current.id,
      payment: current.paymentId,
      status: current.decision,
      amount: current.amountCents,
      reference: current.reference,
      timestamp: now.getTime(),
    });
    await handleNotification(ctx, town, 'builtin', { query: {}, body, headers: {} }, 'banque-de-demonstration');
  }
  return current.returnPath;
}
