import type { ServiceContext } from '../../deps.js';
import { lockForTransaction, withTransaction } from '../../db/pool.js';
import { addDays, formatLongDate, parisDay } from '../../lib/calendar/index.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import { formatEuros } from '../../lib/format.js';
import { enqueueMail } from '../../lib/mailer.js';
import * as repo from '../../repositories/direct-debit.repository.js';
import type { SepaSettings } from '../../repositories/direct-debit.repository.js';
import { insertPayment, reversePayment, settlePayment } from '../../repositories/payments.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { offered } from './direct-debit.service.js';
import { pain008Xml } from './pain008.js';
import { debitSchedule, MANDATE_ENDING_CODES, newReference, REJECT_REASONS, type RejectCode } from './sepa-rules.js';

/**
 * The agents' side of direct debit (ADR 0018): the town's SEPA settings, each collection
 * exported as a pain.008 file, and the rejects (R-transactions) the bank reports.
 */

export type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

export async function saveSepaSettings(ctx: Pick<ServiceContext, 'pool' | 'clock'>, townId: string, actor: Actor, s: SepaSettings) {
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    await repo.saveSepaSettings(db, townId, s, now);
    // The town's own account is not a secret, but the log need not copy it: its last characters say which.
    const details = { ...s, creditorIban: s.creditorIban ? `…${s.creditorIban.slice(-4)}` : null };
    await audit(db, { townId, ...actor, action: 'direct_debit.settings', details, at: now });
  });
}

export interface PendingDebit {
  invoiceId: string;
  number: string;
  familyName: string;
  owedCents: number;
  debitOn: string;
  sequenceType: 'FRST' | 'RCUR';
}

/** The invoices waiting for their debit, soonest first: what the next collections will take, and from when. */
export async function pendingDebits(ctx: Pick<ServiceContext, 'pool'>, townId: string): Promise<PendingDebit[]> {
  const settings = await repo.getSepaSettings(ctx.pool, townId);
  if (!offered(settings)) return [];
  const candidates = await repo.listDebitCandidates(ctx.pool, townId);
  return candidates
    .map((c) => ({
      invoiceId: c.invoiceId,
      number: c.number,
      familyName: c.familyName,
      owedCents: c.owedCents,
      sequenceType: c.mandate.firstCollectionDone ? ('RCUR' as const) : ('FRST' as const),
      debitOn: debitSchedule({
        issuedOn: c.issuedOn,
        dueOn: c.dueOn,
        mandateSignedOn: parisDay(c.mandate.signedAt),
        prenotificationDays: settings.prenotificationDays,
      }).debitOn,
    }))
    .sort((a, b) => a.debitOn.localeCompare(b.debitOn) || a.number.localeCompare(b.number));
}

export type BatchOutcome = { ok: true; batchId: string; count: number; amountCents: number } | { ok: false; message: string };

/**
 * Prepares the collection of `collectionDate`: every unpaid invoice of a family with an
 * active mandate whose debit date (pre-notification included) is on or before it. One
 * payment per invoice (provider 'direct_debit'), counted paid as the file is sent — in
 * French municipal practice the debit settles the invoice, and a reject reopens it — one
 * item each (FRST on a mandate's first collection, RCUR after), the pain.008 file: all in
 * one transaction, serialised per town so two agents cannot send an invoice twice.
 */
export async function prepareBatch(ctx: ServiceContext, town: Town, actor: Actor, collectionDate: string): Promise<BatchOutcome> {
  const today = parisDay(ctx.clock.now());
  if (collectionDate <= today)
    return { ok: false, message: 'La date de prélèvement doit être postérieure à aujourd’hui : la banque a besoin d’au moins un jour' };
  if (collectionDate > addDays(today, 365)) return { ok: false, message: 'La date de prélèvement doit être dans l’année qui vient' };
  return withTransaction(ctx.pool, async (db): Promise<BatchOutcome> => {
    await lockForTransaction(db, `direct-debit:${town.id}`);
    const settings = await repo.getSepaSettings(db, town.id);
    if (!offered(settings) || !settings.creditorIban) {
      return {
        ok: false,
        message: 'Le prélèvement automatique n’est pas activé, ou ses paramètres sont incomplets : un administrateur les renseigne d’abord',
      };
    }
    const due = (await repo.listDebitCandidates(db, town.id)).filter(
      (c) =>
        debitSchedule({
          issuedOn: c.issuedOn,
          dueOn: c.dueOn,
          mandateSignedOn: parisDay(c.mandate.signedAt),
          prenotificationDays: settings.prenotificationDays,
        }).debitOn <= collectionDate,
    );
    if (due.length === 0) return { ok: false, message: `Aucune facture n’est à prélever au ${formatLongDate(collectionDate)}` };

    const now = ctx.clock.now();
    const messageId = `PRL-${collectionDate.replace(/-/g, '')}-${newReference('', 8)}`;
    const items: repo.NewItem[] = [];
    const transactions = [];
    for (const c of due) {
      const payment = await insertPayment(db, {
        townId: town.id,
        regieId: c.regieId,
        familyId: c.familyId,
        accountId: c.mandate.accountId,
        provider: 'direct_debit',
        method: 'direct_debit',
        reference: newReference('PRL'),
        invoices: [{ invoiceId: c.invoiceId, amountCents: c.owedCents }],
        agentId: actor.agentId,
        actorLabel: actor.actorLabel,
        status: 'pending',
      });
      await settlePayment(db, town.id, payment.id, { status: 'paid', at: now, providerDetails: { messageId, collectionDate } });
      const sequenceType = c.mandate.firstCollectionDone ? 'RCUR' : 'FRST';
      items.push({
        paymentId: payment.id,
        invoiceId: c.invoiceId,
        mandateId: c.mandate.id,
        sequenceType,
        endToEndId: payment.reference,
        amountCents: c.owedCents,
      });
      transactions.push({
        endToEndId: payment.reference,
        amountCents: c.owedCents,
        sequenceType,
        rum: c.mandate.rum,
        mandateSignedOn: parisDay(c.mandate.signedAt),
        debtorName: c.mandate.debtorName,
        debtorIban: c.mandate.debtorIban,
        debtorBic: c.mandate.debtorBic,
        remittance: `Facture ${c.number} ${town.name}`,
        originalCreditorId: c.mandate.creditorId,
      } as const);
    }
    const amountCents = items.reduce((sum, i) => sum + i.amountCents, 0);
    const xml = pain008Xml({
      messageId,
      createdAt: now,
      initiatorName: settings.creditorName,
      collectionDate,
      creditor: { name: settings.creditorName, creditorId: settings.creditorId, iban: settings.creditorIban, bic: settings.creditorBic },
      transactions,
    });
    const batchId = await repo.insertBatch(db, {
      townId: town.id,
      messageId,
      collectionDate,
      count: items.length,
      amountCents,
      xml,
      agentId: actor.agentId,
      actorLabel: actor.actorLabel,
      createdAt: now,
    });
    await repo.insertItems(db, town.id, batchId, items);
    const firsts = [...new Set(items.filter((i) => i.sequenceType === 'FRST').map((i) => i.mandateId))];
    if (firsts.length > 0) await repo.setFirstCollectionDone(db, town.id, firsts, true);
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'direct_debit.export',
      targetType: 'direct_debit_batch',
      targetId: batchId,
      details: { messageId, collectionDate, count: items.length, amountCents },
      at: now,
    });
    return { ok: true, batchId, count: items.length, amountCents };
  });
}

export type RejectOutcome = { ok: true; mandateEnded: boolean } | { ok: false; message: string };

/**
 * Records a reject the bank reported for one invoice of a batch: its payment is reversed
 * (the invoice is "à payer" again), the item keeps the reason code, a rejected first
 * collection makes the mandate's next one a first again, codes that say the account or the
 * mandate is no more end the mandate, and the family is told how to pay — one transaction.
 */
export async function recordReject(
  ctx: ServiceContext,
  town: Town,
  actor: Actor,
  batchId: string,
  invoiceId: string,
  code: RejectCode,
): Promise<RejectOutcome> {
  return withTransaction(ctx.pool, async (db): Promise<RejectOutcome> => {
    const item = await repo.lockBatchItem(db, town.id, batchId, invoiceId);
    if (!item) throw new NotFoundError('no such item');
    if (item.rejectedAt) return { ok: false, message: `Le rejet de ce prélèvement est déjà enregistré (${item.rejectCode})` };
    const now = ctx.clock.now();
    const reason = REJECT_REASONS[code];
    await reversePayment(db, town.id, item.paymentId, {
      at: now,
      failure: `Prélèvement rejeté par la banque : ${reason} (${code})`,
      providerDetails: { rejectCode: code },
    });
    await repo.markItemRejected(db, town.id, batchId, invoiceId, code, now);
    if (item.sequenceType === 'FRST' && !(await repo.mandateHasGoodFirst(db, town.id, item.mandateId))) {
      await repo.setFirstCollectionDone(db, town.id, [item.mandateId], false);
    }
    const mandateEnded = MANDATE_ENDING_CODES.includes(code) && (await repo.revokeMandate(db, town.id, item.mandateId, now));
    const invoiceUrl = absoluteUrl(ctx.config.publicBaseUrl, urls.invoice(town, invoiceId));
    const howToPay = (await repo.takesOnlinePayments(db, town.id))
      ? 'La facture est de nouveau à payer. Vous pouvez la régler en ligne depuis « Mes factures », ou au guichet de la mairie.'
      : 'La facture est de nouveau à payer. Vous pouvez la régler au guichet de la mairie.';
    for (const to of await repo.familyMailRecipients(db, town.id, item.familyId, item.mandateAccountId)) {
      await enqueueMail(db, {
        townId: town.id,
        to,
        template: 'notification',
        subject: `Prélèvement rejeté – facture N° ${item.invoiceNumber}`,
        data: {
          townName: town.name,
          greeting: 'Bonjour,',
          paragraphs: [
            `Le prélèvement de ${formatEuros(item.amountCents)} pour la facture N° ${item.invoiceNumber} a été rejeté par votre banque (motif : ${reason}).`,
            howToPay,
            mandateEnded
              ? 'Ce motif met fin à votre mandat de prélèvement : vos prochaines factures ne seront plus prélevées. Pour reprendre le prélèvement, signez un nouveau mandat depuis « Mon compte ».'
              : 'Elle ne sera pas présentée de nouveau au prélèvement ; vos prochaines factures restent prélevées sur votre compte.',
          ],
          link: { label: 'Voir la facture', url: invoiceUrl },
        },
      });
    }
    await audit(db, {
      townId: town.id,
      ...actor,
      action: 'direct_debit.reject',
      targetType: 'invoice',
      targetId: invoiceId,
      details: { batchId, code, invoiceNumber: item.invoiceNumber, amountCents: item.amountCents, mandateEnded },
      at: now,
    });
    return { ok: true, mandateEnded };
  });
}
