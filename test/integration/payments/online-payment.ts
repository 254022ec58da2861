import type supertest from 'supertest';
import { expect } from 'vitest';
import { signBankNotification, type BankNotification } from '../../../src/features/payments/builtin-provider.js';
import * as payments from '../../../src/repositories/payments.repository.js';
import type { TestApp } from '../../helpers/app.js';
import { page } from '../../helpers/html.js';
import { bookedFamily, invoiceMonth, invoicesOf, regieWithActivity, signedIn } from '../billing/parent-billing.js';

/** What the payments tests share: a family with invoices to pay, and the parent's steps through the pay form and the bank. */

/** A Bayeux family invoiced for each given month (one day present each, 3,80 €), its parent signed in; invoices oldest first. */
export async function familyToPay(t: TestApp, name: string, months: string[] = ['2026-10', '2026-11'], slug = 'bayeux') {
  const { activityId, regieId, townId } = await regieWithActivity(t, slug);
  const family = await bookedFamily(t, slug, activityId, { name, present: months.map((m) => `${m}-05`) });
  for (const month of months) await invoiceMonth(t, townId, regieId, month);
  const invoices = (await invoicesOf(t, townId, family.familyId)).reverse();
  const agent = await signedIn(t, slug, family.parent);
  return { ...family, townId, regieId, invoices, agent, slug };
}

/** The confirmation step: POST the ticked invoices, read the total the page shows (its hidden field). */
export async function confirmChoice(agent: supertest.Agent, slug: string, ids: string[]) {
  const csrf = page(await agent.get(`/${slug}/mon-espace/factures/payer`)).csrf();
  return agent.post(`/${slug}/mon-espace/factures/payer`).type('form').send({ _csrf: csrf, factures: ids, etape: 'verifier' });
}

/** Both steps, as the parent clicks them; the answer to the last POST (303 to the bank when it starts). */
export async function startPayment(agent: supertest.Agent, slug: string, ids: string[], total?: string) {
  const confirm = await confirmChoice(agent, slug, ids);
  expect(confirm.status).toBe(200);
  const p = page(confirm);
  return agent
    .post(`/${slug}/mon-espace/factures/payer`)
    .type('form')
    .send({ _csrf: p.csrf(), factures: ids, total: total ?? p.hidden('total'), etape: 'payer' });
}

/** Starts a payment and returns it (status pending, at the built-in bank). */
export async function pendingPayment(t: TestApp, agent: supertest.Agent, slug: string, townId: string, ids: string[]) {
  const res = await startPayment(agent, slug, ids);
  expect(res.status).toBe(303);
  const paymentId = res.headers.location!.split('/').pop()!;
  expect(res.headers.location).toBe(`/${slug}/banque-de-demonstration/${paymentId}`);
  const payment = await payments.findPayment(t.db.pool, townId, paymentId);
  expect(payment?.status).toBe('pending');
  return payment!;
}

/** A notification as the built-in bank signs it, for a payment, with what the test overrides. */
export function bankBody(t: TestApp, payment: payments.Payment, o: Partial<BankNotification> = {}) {
  return signBankNotification(t.config, {
    operation: payment.providerPaymentId!,
    payment: payment.id,
    status: 'paid',
    amount: payment.amountCents,
    reference: payment.reference,
    timestamp: t.clock.now().getTime(),
    ...o,
  });
}

/** Posts a notification over HTTP, as a provider does: no session, no CSRF token. */
export function notify(t: TestApp, slug: string, body: Record<string, string>) {
  return t.agent().post(`/${slug}/paiement/notification/builtin`).type('form').send(body);
}

export async function receiptMails(t: TestApp, to: string) {
  const { rows } = await t.db.pool.query<{ n: number }>(
    `select count(*)::int as n from mail_outbox where template = 'payment-receipt' and to_address = $1`,
    [to],
  );
  return rows[0]!.n;
}
