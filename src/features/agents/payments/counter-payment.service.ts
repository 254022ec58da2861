import crypto from 'node:crypto';
import { withTransaction } from '../../../db/pool.js';
import type { ServiceContext } from '../../../deps.js';
import { audit, AUDIT_ACTIONS } from '../../../lib/audit.js';
import { formatDate, parisDay, parisInstant } from '../../../lib/calendar/index.js';
import { formatEuros } from '../../../lib/format.js';
import type { FieldError } from '../../../lib/forms.js';
import {
  getCounterMethods,
  lockFamilyInvoices,
  saveCounterMethods,
  type CounterMethod,
} from '../../../repositories/payments-agents.repository.js';
import { insertPayment, recordPaymentEvent, settlePayment, type Payment } from '../../../repositories/payments.repository.js';
import type { Actor } from '../../billing/invoicing.service.js';

/**
 * A payment received at the town hall's counter (cash, cheque, CESU, card on the régie's
 * terminal), recorded by an agent: it settles exactly what the ticked invoices owe, through
 * the same insertPayment/settlePayment as every other payment, with its audit row and its
 * line in the payment's trail, all in one transaction.
 */

export interface CounterPaymentInput {
  familyId: string;
  invoiceIds: string[];
  method: CounterMethod;
  amountCents: number;
  /** 'YYYY-MM-DD', the day the money was handed over. */
  receivedOn: string;
  note: string;
}

export type CounterOutcome =
  | { ok: true; payment: Payment; invoiceNumbers: string[] }
  /** 409: an invoice was paid meanwhile (online, or by another agent); 400: the form's input. */
  | { ok: false; status: 400 | 409; errors: FieldError[] };

const refused = (status: 400 | 409, field: string, message: string): CounterOutcome => ({
  ok: false,
  status,
  errors: [{ field, message }],
});

/** Our reference for the payment: unique in the town, letters and digits only (as PayFiP's refdet). */
function counterReference(day: string): string {
  return `G${day.replaceAll('-', '')}${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
}

export async function recordCounterPayment(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  input: CounterPaymentInput,
): Promise<CounterOutcome> {
  const now = ctx.clock.now();
  const today = parisDay(now);
  if (input.invoiceIds.length === 0) return refused(400, 'factures', 'Cochez au moins une facture à régler.');
  if (input.receivedOn > today) return refused(400, 'date', 'La date de réception ne peut pas être dans le futur.');
  const methods = await getCounterMethods(ctx.pool, townId);
  if (!methods.includes(input.method)) {
    return refused(400, 'moyen', 'La commune n’accepte pas ce moyen de paiement au guichet : choisissez-en un de la liste.');
  }
  return withTransaction(ctx.pool, async (db) => {
    const invoices = await lockFamilyInvoices(db, townId, input.familyId, input.invoiceIds);
    if (invoices.length !== input.invoiceIds.length) return refused(400, 'factures', 'Choisissez les factures dans la liste.');
    const paid = invoices.filter((i) => i.status === 'paid' || i.owedCents <= 0);
    if (paid.length > 0) {
      const numbers = paid.map((i) => i.number).join(', ');
      return refused(
        409,
        'factures',
        paid.length === 1
          ? `La facture ${numbers} vient d’être payée : rien n’a été enregistré. Vérifiez les factures qui restent à payer.`
          : `Les factures ${numbers} viennent d’être payées : rien n’a été enregistré. Vérifiez les factures qui restent à payer.`,
      );
    }
    // One payment, one régie: each régie's accounts are kept apart, as PayFiP's numcli is per régie.
    if (new Set(invoices.map((i) => i.regieId)).size > 1) {
      return refused(400, 'factures', 'Les factures cochées relèvent de plusieurs régies : enregistrez un paiement par régie.');
    }
    // Money handed over before the invoice existed is a mistyped date, not a payment of it.
    const later = invoices.find((i) => i.issuedOn > input.receivedOn);
    if (later) {
      return refused(
        400,
        'date',
        `La date de réception ne peut pas précéder l’émission de la facture ${later.number}, le ${formatDate(later.issuedOn)}.`,
      );
    }
    const meals = invoices.filter((i) => !i.childcareOnly);
    if (input.method === 'cesu' && meals.length > 0) {
      return refused(
        400,
        'moyen',
        `Le CESU ne paie que la garde d’enfants : la facture ${meals[0]!.number} comporte autre chose (des repas). Choisissez un autre moyen de paiement.`,
      );
    }
    const owed = invoices.reduce((sum, i) => sum + i.owedCents, 0);
    if (input.amountCents !== owed) {
      return refused(
        400,
        'montant',
        `Le montant reçu (${formatEuros(input.amountCents)}) doit être exactement ce que doivent les factures cochées : ${formatEuros(owed)}. Un paiement partiel n’est pas enregistré.`,
      );
    }
    const at = input.receivedOn === today ? now : parisInstant(input.receivedOn, '12:00');
    const payment = await insertPayment(db, {
      townId,
      regieId: invoices[0]!.regieId,
      familyId: input.familyId,
      accountId: null,
      provider: 'counter',
      method: input.method,
      reference: counterReference(input.receivedOn),
      invoices: invoices.map((i) => ({ invoiceId: i.id, amountCents: i.owedCents })),
      note: input.note || null,
      agentId: actor.agentId,
      actorLabel: actor.actorLabel,
    });
    const settled = await settlePayment(db, townId, payment.id, { status: 'paid', at });
    // The invoices are locked and were unpaid: anything else is a bug, and nothing must stay written.
    if (!settled?.changed || settled.invoicesPaid.length !== invoices.length)
      throw new Error('counter payment not applied to every invoice');
    const numbers = invoices.map((i) => i.number);
    await audit(db, {
      townId,
      ...actor,
      action: 'payment.counter',
      targetType: 'payment',
      targetId: payment.id,
      details: { familyId: input.familyId, invoices: numbers, method: input.method, amountCents: owed, receivedOn: input.receivedOn },
      at: now,
    });
    await recordPaymentEvent(db, {
      townId,
      paymentId: payment.id,
      provider: 'counter',
      channel: 'agent',
      outcome: 'applied',
      status: 'paid',
      detail: `${AUDIT_ACTIONS['payment.counter']} par ${actor.actorLabel}, reçu le ${formatDate(input.receivedOn)}`,
      remoteAddress: actor.ip,
      at: now,
    });
    return { ok: true, payment: settled.payment, invoiceNumbers: numbers };
  });
}

/** What the counter takes (admins), with its audit row. */
export async function updateCounterMethods(ctx: ServiceContext, townId: string, actor: Actor, methods: CounterMethod[]): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    await saveCounterMethods(db, townId, methods, now);
    await audit(db, { townId, ...actor, action: 'billing_settings.counter_methods', details: { methods }, at: now });
  });
}
