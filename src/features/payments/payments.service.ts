import crypto from 'node:crypto';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { withTransaction, type Queryable } from '../../db/pool.js';
import { NotFoundError } from '../../lib/errors.js';
import { formatDate, formatEuros } from '../../lib/format.js';
import { greeting } from '../../lib/french.js';
import { enqueueMail } from '../../lib/mailer.js';
import { findAccountById } from '../../repositories/accounts.repository.js';
import * as payments from '../../repositories/payments.repository.js';
import type { Payment, PaymentInvoiceRow } from '../../repositories/payments.repository.js';
import { findTownById, type Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { debitNotices } from '../direct-debit/direct-debit.service.js';
import type { IncomingCall, PaymentProvider, ProviderResult } from './provider.js';
import { providerFor } from './providers.js';

/**
 * Online payments (issue 15, ADR 0017): a parent pays several invoices of one régie at once;
 * the provider's notification, the browser's return and the scheduled check may come in any
 * order, twice or never, and each goes through `applyResult`: verified against the payment
 * (reference, amount, client number) before anything changes, then settled by
 * `settlePayment`, which moves a payment once. Every call is recorded in payment_events.
 */

export type PaymentsContext = ServiceContext & Pick<AppDeps, 'logger'>;
export type Viewer = { familyId: string; accountId: string };

/** eopayment's anti-double-payment: an invoice at a provider this recently cannot be paid again. */
export const PENDING_BLOCK_MS = 20 * 60 * 1000;
/** The scheduled check asks the provider about payments pending for longer than this. */
export const CHECK_AFTER_MS = 5 * 60 * 1000;
/** A payment never handed to its provider (the process stopped in between) is closed after this. */
const STALE_CREATED_MS = 60 * 60 * 1000;

const FAILURES = {
  refused: 'Le paiement a été refusé par la banque : rien n’a été prélevé.',
  abandoned: 'Le paiement a été abandonné : rien n’a été prélevé.',
  unreachable: 'Le service de paiement n’a pas pu être joint : rien n’a été prélevé. Réessayez dans quelques minutes.',
  neverSent: 'Le paiement n’a pas pu être transmis au service de paiement : rien n’a été prélevé.',
};

/** The town's online provider, or undefined when it takes none (or this build cannot use the one it chose). */
async function townProvider(ctx: ServiceContext, townId: string): Promise<PaymentProvider | undefined> {
  const settings = await payments.paymentSettings(ctx.pool, townId);
  return settings.provider === 'none' ? undefined : providerFor(settings.provider, ctx, settings.payfipMode);
}

/** The "Payer en ligne" page: the invoices the parent may pay, and whether the town takes payments online. */
export async function payPage(ctx: ServiceContext, town: Town, viewer: Viewer) {
  const settings = await payments.paymentSettings(ctx.pool, town.id);
  const since = new Date(ctx.clock.now().getTime() - PENDING_BLOCK_MS);
  // An invoice a mandate will debit is not paid online (it would be paid twice); a rejected
  // debit's invoice is no longer one of them, and the family pays it here.
  const [debits, payable] = await Promise.all([
    debitNotices(ctx, town.id, viewer.familyId),
    payments.listPayableInvoices(ctx.pool, town.id, viewer, since),
  ]);
  return {
    online: settings.provider !== 'none' && providerFor(settings.provider, ctx) !== undefined,
    debited: debits.size,
    invoices: payable.filter((i) => !debits.has(i.id)),
  };
}

export type Checked = { ok: true; invoices: payments.PayableInvoice[]; totalCents: number } | { ok: false; errors: string[] };

/**
 * The rules a choice of invoices must meet, read in the caller's transaction (the invoices
 * locked): each the parent's, unpaid, owing something, in no payment still at the provider,
 * all of one régie, and none waiting for its direct debit.
 */
async function checkChoice(db: Queryable, ctx: ServiceContext, town: Town, viewer: Viewer, ids: string[]): Promise<Checked> {
  if (ids.length === 0) return { ok: false, errors: ['Choisissez au moins une facture à payer.'] };
  const since = new Date(ctx.clock.now().getTime() - PENDING_BLOCK_MS);
  const list = await payments.lockPayableInvoices(db, town.id, viewer, ids, since);
  // An invoice of another family (or the other separated parent's): the form was altered; it tells nothing.
  if (list.length !== ids.length) throw new NotFoundError('invoice not of the viewer');
  const errors: string[] = [];
  const debits = await debitNotices(ctx, town.id, viewer.familyId);
  for (const i of list) {
    const debit = debits.get(i.id);
    if (i.status === 'paid') errors.push(`La facture N° ${i.number} est déjà payée.`);
    else if (debit) {
      errors.push(
        `La facture N° ${i.number} sera prélevée le ${formatDate(debit.debitOn)} (prélèvement automatique) : elle ne se paie pas en ligne.`,
      );
    } else if (i.owedCents <= 0) errors.push(`La facture N° ${i.number} n’a plus rien à payer : ses avoirs la couvrent.`);
    else if (i.pendingPaymentId) {
      errors.push(
        `La facture N° ${i.number} a un paiement en cours : attendez sa confirmation (20 minutes au plus) avant de la payer à nouveau.`,
      );
    }
  }
  if (new Set(list.map((i) => i.regieId)).size > 1) {
    errors.push('Choisissez les factures d’une seule régie à la fois : chaque régie encaisse ses propres paiements.');
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, invoices: list, totalCents: list.reduce((sum, i) => sum + i.owedCents, 0) };
}

/** The confirmation step: the chosen invoices and their total, or why they cannot be paid together. */
export async function previewPayment(ctx: ServiceContext, town: Town, viewer: Viewer, ids: string[]): Promise<Checked> {
  if (!(await townProvider(ctx, town.id))) return { ok: false, errors: [notOnline()] };
  return withTransaction(ctx.pool, (db) => checkChoice(db, ctx, town, viewer, [...new Set(ids)]));
}

function notOnline(): string {
  return 'Le paiement en ligne n’est pas proposé : réglez vos factures auprès de la régie (ses coordonnées sont sur la page d’accueil).';
}

function invoicesLabel(numbers: string[]): string {
  return `${numbers.length > 1 ? 'Factures' : 'Facture'} ${numbers.map((n) => `N° ${n}`).join(', ')}`;
}

/** 30 letters and digits at most (PayFiP's refdet), unique in the town: from a random UUID. */
function newReference(): string {
  return `EF${crypto.randomUUID().replace(/-/g, '').slice(0, 28).toUpperCase()}`;
}

export type StartOutcome = { ok: true; redirectUrl: string; paymentId: string } | { ok: false; errors: string[] };

/**
 * Starts a payment of the chosen invoices: the amount is what they owe now, computed here
 * (the total the page showed only confirms it: a change is refused). The payment is created
 * in one transaction, then handed to the provider outside it (a network call must not hold
 * the invoices' locks, nor be repeated by a retried transaction). The browser then goes to
 * the provider, or to the payment's page when the provider refused to start it.
 */
export async function startPayment(
  ctx: PaymentsContext,
  town: Town,
  account: { id: string; familyId: string; email: string },
  invoiceIds: string[],
  expectedTotalCents: number | null,
): Promise<StartOutcome> {
  const provider = await townProvider(ctx, town.id);
  if (!provider) return { ok: false, errors: [notOnline()] };
  const viewer = { familyId: account.familyId, accountId: account.id };
  const created = await withTransaction(ctx.pool, async (db) => {
    const checked = await checkChoice(db, ctx, town, viewer, [...new Set(invoiceIds)]);
    if (!checked.ok) return checked;
    if (expectedTotalCents !== checked.totalCents) {
      return {
        ok: false as const,
        errors: [`Le montant a changé, vérifiez : le total à payer est maintenant de ${formatEuros(checked.totalCents)}.`],
      };
    }
    const payment = await payments.insertPayment(db, {
      townId: town.id,
      regieId: checked.invoices[0]!.regieId,
      familyId: account.familyId,
      accountId: account.id,
      provider: provider.name,
      method: 'card',
      reference: newReference(),
      invoices: checked.invoices.map((i) => ({ invoiceId: i.id, amountCents: i.owedCents })),
      createdAt: ctx.clock.now(),
    });
    const numcli = await payments.regieNumcli(db, town.id, payment.regieId);
    return { ok: true as const, payment, invoices: checked.invoices, numcli };
  });
  if (!created.ok) return created;
  const { payment, invoices, numcli } = created;
  const started = await provider
    .start({
      paymentId: payment.id,
      townSlug: town.slug,
      reference: payment.reference,
      amountCents: payment.amountCents,
      label: `${town.name} : ${invoicesLabel(invoices.map((i) => i.number))}`,
      email: account.email,
      payfipNumcli: numcli,
      returnUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.paymentReturn(town, payment.id)),
      notifyUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.paymentNotify(town, provider.name)),
      year: Math.max(...invoices.map((i) => i.numberYear)),
    })
    .catch((err: unknown) => {
      ctx.logger.error({ err, paymentId: payment.id, provider: provider.name }, 'payment provider failed to start a payment');
      return { ok: false as const, failure: FAILURES.unreachable, detail: String(err) };
    });
  if (started.ok) {
    await payments.setPaymentPending(ctx.pool, town.id, payment.id, started.providerPaymentId);
    return { ok: true, redirectUrl: started.redirectUrl, paymentId: payment.id };
  }
  const { failure, detail } = started;
  await withTransaction(ctx.pool, async (db) => {
    await payments.settlePayment(db, town.id, payment.id, {
      status: 'failed',
      at: ctx.clock.now(),
      failure,
      providerDetails: { startError: detail.slice(0, 500) },
    });
  });
  return { ok: true, redirectUrl: urls.payment(town, payment.id), paymentId: payment.id };
}

type Channel = 'notification' | 'return' | 'check';

/** How a closed payment ended, in the words of a replay's event (the agents read the trail). */
const CLOSED_AS: Record<payments.PaymentStatus, string> = {
  created: 'en cours',
  pending: 'en cours',
  paid: 'payé',
  refused: 'refusé',
  abandoned: 'abandonné',
  failed: 'en échec',
};

/** Why a provider's account of a payment is not about this payment, or undefined when it is. */
async function mismatch(ctx: ServiceContext, payment: Payment, result: ProviderResult): Promise<string | undefined> {
  // A payment is believed paid only on an answer that names its amount and reference (and, for
  // PayFiP, its régie's client): a provider's answer that leaves one out proves nothing.
  if (result.status === 'paid' && (result.reference === null || result.amountCents === null)) return 'réponse sans montant ni référence';
  if (result.status === 'paid' && payment.provider === 'payfip' && result.details.numcli === undefined) return 'réponse sans numcli';
  if (result.providerPaymentId !== payment.providerPaymentId)
    return `opération ${result.providerPaymentId} au lieu de ${payment.providerPaymentId}`;
  if (result.reference !== null && result.reference !== payment.reference)
    return `référence ${result.reference} au lieu de ${payment.reference}`;
  if (result.amountCents !== null && result.amountCents !== payment.amountCents) {
    return `montant ${result.amountCents} au lieu de ${payment.amountCents} centimes`;
  }
  const numcli = result.details.numcli;
  if (payment.provider === 'payfip' && numcli !== undefined) {
    const ours = await payments.regieNumcli(ctx.pool, payment.townId, payment.regieId);
    if (numcli !== ours) return `numcli ${numcli} au lieu de ${ours ?? 'aucun'}`;
  }
  return undefined;
}

/**
 * What a provider says of a payment, applied once: checked against the payment, then a final
 * status settles it (a replay, or a different status after a final one, changes nothing) and
 * a paid one sends the parent their receipt, in the same transaction.
 */
async function applyResult(ctx: PaymentsContext, payment: Payment, result: ProviderResult, channel: Channel, remoteAddress: string | null) {
  const event = {
    townId: payment.townId,
    paymentId: payment.id,
    provider: payment.provider,
    channel,
    at: ctx.clock.now(),
    remoteAddress,
    status: result.status,
  };
  const wrong = await mismatch(ctx, payment, result);
  if (wrong) {
    ctx.logger.warn({ paymentId: payment.id, channel, wrong }, 'payment result does not match the payment: ignored');
    // A check that got a wrong answer is still an attempt: uncounted, the payment would stay
    // first in the check's queue (least recently checked first) at every run.
    await withTransaction(ctx.pool, async (db) => {
      await payments.recordPaymentEvent(db, { ...event, outcome: 'mismatch', detail: wrong });
      if (channel === 'check') await payments.markPaymentChecked(db, payment.townId, payment.id, ctx.clock.now());
    });
    return;
  }
  const now = ctx.clock.now();
  if (result.status === 'waiting') {
    await withTransaction(ctx.pool, async (db) => {
      await payments.recordPaymentEvent(db, { ...event, outcome: 'waiting' });
      if (channel === 'check') await payments.markPaymentChecked(db, payment.townId, payment.id, now);
    });
    return;
  }
  const status = result.status;
  await withTransaction(ctx.pool, async (db) => {
    const settled = await payments.settlePayment(db, payment.townId, payment.id, {
      status,
      at: now,
      providerDetails: result.details,
      failure: status === 'paid' ? null : FAILURES[status],
    });
    if (!settled) throw new Error(`payment ${payment.id} vanished`);
    // The provider took the money of a payment the portal had already closed (PayFiP's 'P' after
    // its P5 at 20 minutes): the final status stays, so the invoices stay to pay, but the money
    // must not go unnoticed — the reconciliation lists this event (listAlertEvents).
    const paidAfterClosing = !settled.changed && status === 'paid' && settled.payment.status !== 'paid';
    if (paidAfterClosing) {
      ctx.logger.error(
        { paymentId: payment.id, channel, closedAs: settled.payment.status },
        'provider reports paid a payment already closed',
      );
    }
    const detail = settled.changed
      ? settled.invoicesAlreadyPaid.length > 0
        ? `factures déjà payées par ailleurs : ${settled.invoicesAlreadyPaid.join(', ')}`
        : ''
      : paidAfterClosing
        ? `Le prestataire confirme le paiement alors qu’il était déjà ${CLOSED_AS[settled.payment.status]} : ses factures restent à payer, la somme est à rembourser ou à enregistrer.`
        : `déjà ${CLOSED_AS[settled.payment.status]}`;
    await payments.recordPaymentEvent(db, { ...event, outcome: settled.changed ? 'applied' : 'replay', detail });
    if (channel === 'check') await payments.markPaymentChecked(db, payment.townId, payment.id, now);
    if (settled.changed && status === 'paid') await queueReceipt(db, ctx, settled.payment);
  });
}

/** The receipt mail to the parent who paid (queued in the settling transaction: sent once, if it commits). */
async function queueReceipt(db: Queryable, ctx: ServiceContext, payment: Payment): Promise<void> {
  if (!payment.accountId) return;
  // One after the other: a transaction's client runs one query at a time.
  const account = await findAccountById(db, payment.townId, payment.accountId);
  const town = await findTownById(db, payment.townId);
  const invoices = await payments.listPaymentInvoices(db, payment.townId, payment.id);
  if (!account || !town) return;
  await enqueueMail(db, {
    townId: town.id,
    to: account.email,
    template: 'payment-receipt',
    subject: `Reçu de votre paiement de ${formatEuros(payment.amountCents)}`,
    data: {
      townName: town.name,
      greeting: greeting(account),
      payment,
      invoices,
      paymentUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.payment(town, payment.id)),
    },
  });
}

export type NotificationAnswer = { status: 200 | 400 | 404; text: string };

/**
 * A provider's server-to-server notification. Total: whatever happens, the provider gets an
 * answer (200, or 400 for what no retry will mend) and never a 500; what could not be done is
 * logged and left to the scheduled check.
 */
export async function handleNotification(
  ctx: PaymentsContext,
  town: Town,
  providerName: string,
  call: IncomingCall,
  remoteAddress: string | null,
): Promise<NotificationAnswer> {
  const provider = providerFor(providerName, ctx);
  if (!provider) return { status: 404, text: 'unknown provider' };
  const base = { townId: town.id, provider: provider.name, channel: 'notification' as const, remoteAddress, at: ctx.clock.now() };
  try {
    const identified = provider.identify(call);
    if (!identified.ok) {
      ctx.logger.warn(
        { town: town.slug, provider: provider.name, reason: identified.reason, detail: identified.detail },
        'payment notification refused',
      );
      await payments.recordPaymentEvent(ctx.pool, {
        ...base,
        paymentId: null,
        outcome: identified.reason === 'forged' ? 'forged' : 'unknown',
        detail: identified.detail,
      });
      return { status: 400, text: 'refused' };
    }
    const payment = await payments.findPaymentByProviderId(ctx.pool, town.id, provider.name, identified.providerPaymentId);
    if (!payment) {
      ctx.logger.warn(
        { town: town.slug, provider: provider.name, operation: identified.providerPaymentId },
        'payment notification for no payment of the town',
      );
      await payments.recordPaymentEvent(ctx.pool, {
        ...base,
        paymentId: null,
        outcome: 'unknown',
        detail: `opération inconnue ${identified.providerPaymentId}`.slice(0, 200),
      });
      return { status: 200, text: 'unknown' };
    }
    const result = identified.result ?? (await provider.fetchStatus(await statusQuery(ctx, payment)));
    await applyResult(ctx, payment, result, 'notification', remoteAddress);
    return { status: 200, text: 'ok' };
  } catch (err) {
    ctx.logger.error({ err, town: town.slug, provider: provider.name }, 'payment notification failed: the scheduled check will retry');
    await payments
      .recordPaymentEvent(ctx.pool, { ...base, paymentId: null, outcome: 'error', detail: String(err).slice(0, 500) })
      .catch(() => undefined);
    return { status: 200, text: 'later' };
  }
}

async function statusQuery(ctx: ServiceContext, payment: Payment) {
  return {
    providerPaymentId: payment.providerPaymentId!,
    payfipNumcli: await payments.regieNumcli(ctx.pool, payment.townId, payment.regieId),
    createdAt: payment.createdAt,
  };
}

/** Asks the provider about one payment and applies its answer; a provider that cannot be asked is logged. */
async function askProvider(ctx: PaymentsContext, payment: Payment, channel: Channel, remoteAddress: string | null): Promise<void> {
  const provider = providerFor(payment.provider, ctx);
  try {
    if (!provider) throw new Error(`no provider ${payment.provider} in this build`);
    await applyResult(ctx, payment, await provider.fetchStatus(await statusQuery(ctx, payment)), channel, remoteAddress);
  } catch (err) {
    ctx.logger.warn({ err, paymentId: payment.id, channel }, 'payment provider could not be asked');
    await withTransaction(ctx.pool, async (db) => {
      await payments.recordPaymentEvent(db, {
        townId: payment.townId,
        paymentId: payment.id,
        provider: payment.provider,
        channel,
        outcome: 'error',
        detail: String(err).slice(0, 500),
        remoteAddress,
        at: ctx.clock.now(),
      });
      if (channel === 'check') await payments.markPaymentChecked(db, payment.townId, payment.id, ctx.clock.now());
    }).catch(() => undefined);
  }
}

export interface PaymentView {
  payment: Payment;
  invoices: PaymentInvoiceRow[];
}

/** A payment as its parent opens it: 404 for another family's, another town's, or the other separated parent's. */
export async function paymentView(ctx: ServiceContext, town: Town, viewer: Viewer, paymentId: string): Promise<PaymentView> {
  const payment = await payments.findPayment(ctx.pool, town.id, paymentId);
  if (!payment || payment.familyId !== viewer.familyId) throw new NotFoundError();
  const invoices = await payments.listPaymentInvoices(ctx.pool, town.id, paymentId);
  if (invoices.some((i) => i.split && i.accountId !== viewer.accountId)) throw new NotFoundError();
  return { payment, invoices };
}

/**
 * The browser back from the provider: the same verification as a notification, through the
 * provider's own answer (never the browser's word). A payment already settled is left as it is.
 */
export async function handleReturn(ctx: PaymentsContext, town: Town, viewer: Viewer, paymentId: string, remoteAddress: string | null) {
  const { payment } = await paymentView(ctx, town, viewer, paymentId);
  if (payment.status === 'pending' && payment.providerPaymentId) await askProvider(ctx, payment, 'return', remoteAddress);
}

/**
 * The scheduled check (queue 'payments-check'): payments pending for more than five minutes
 * are asked of their provider and settled, or counted as checked while it has no result yet;
 * a payment that never reached its provider is closed as failed. Returns how many were asked.
 */
export async function checkPending(ctx: PaymentsContext, limit = 100): Promise<number> {
  const now = ctx.clock.now().getTime();
  for (const payment of await payments.listStaleCreatedPayments(ctx.pool, new Date(now - STALE_CREATED_MS), limit)) {
    await withTransaction(ctx.pool, async (db) => {
      const settled = await payments.settlePayment(db, payment.townId, payment.id, {
        status: 'failed',
        at: ctx.clock.now(),
        failure: FAILURES.neverSent,
      });
      await payments.recordPaymentEvent(db, {
        townId: payment.townId,
        paymentId: payment.id,
        provider: payment.provider,
        channel: 'check',
        outcome: settled?.changed ? 'applied' : 'replay',
        status: 'failed',
        at: ctx.clock.now(),
      });
    });
  }
  const pending = await payments.listPaymentsToCheck(ctx.pool, new Date(now - CHECK_AFTER_MS), limit);
  for (const payment of pending) await askProvider(ctx, payment, 'check', null);
  return pending.length;
}
