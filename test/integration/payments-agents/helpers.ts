import type supertest from 'supertest';
import { withTransaction } from '../../../src/db/pool.js';
import {
  insertPayment,
  recordPaymentEvent,
  settlePayment,
  type FinalStatus,
  type NewPayment,
  type Payment,
  type PaymentEvent,
} from '../../../src/repositories/payments.repository.js';
import type { TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture } from '../../helpers/fixtures.js';
import { bookedFamily, invoiceMonth, invoicesOf, regieWithActivity } from '../billing/parent-billing.js';

/**
 * What the agents' payments tests share: families with invoices made by the real invoicing
 * run, and payments made and settled through payments.repository.ts, as the online, counter
 * and debit paths do.
 */

export const NOVEMBER = ['2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06'];
export const OCTOBER = ['2026-10-05', '2026-10-06'];

export async function signedInAgent(t: TestApp, slug: string, role: 'agent' | 'admin' = 'agent'): Promise<supertest.Agent> {
  const a = await createAgentFixture(t.db.pool, slug, role);
  const http = t.agent();
  const res = await signInAgent(http, slug, a.username, a.password);
  if (res.status !== 303) throw new Error(`agent sign-in failed: ${res.status}`);
  return http;
}

/**
 * A régie (meals by default, or childcare) and families invoiced for the months given, each
 * booked on every day listed (3,80 € a day at QF 1200). Returns each family's invoices, oldest first.
 */
export async function invoicedFamilies(
  t: TestApp,
  slug: string,
  names: string[],
  o: { category?: 'repas' | 'garde'; days?: string[] } = {},
) {
  const { activityId, regieId, townId } = await regieWithActivity(t, slug, { category: o.category ?? 'repas' });
  const days = o.days ?? NOVEMBER;
  const families = [];
  for (const name of names) families.push(await bookedFamily(t, slug, activityId, { name, present: days }));
  for (const month of [...new Set(days.map((d) => d.slice(0, 7)))].sort()) await invoiceMonth(t, townId, regieId, month);
  const result = [];
  for (const f of families) {
    const invoices = (await invoicesOf(t, townId, f.familyId)).reverse();
    result.push({ familyId: f.familyId, invoices });
  }
  return { townId, regieId, families: result };
}

/** A payment of these invoices (each for what it owes), left open or settled at `at`. */
export async function makePayment(
  t: TestApp,
  p: Omit<NewPayment, 'invoices' | 'reference' | 'accountId'> & {
    invoices: { id: string; totalCents: number; creditsCents: number }[];
    settle?: { status: FinalStatus; at: Date; providerDetails?: Record<string, string> };
  },
): Promise<Payment> {
  return withTransaction(t.db.pool, async (db) => {
    const { settle, invoices, ...rest } = p;
    const payment = await insertPayment(db, {
      ...rest,
      accountId: null,
      reference: `T${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      invoices: invoices.map((i) => ({ invoiceId: i.id, amountCents: i.totalCents - i.creditsCents })),
    });
    if (!settle) return payment;
    const settled = await settlePayment(db, p.townId, payment.id, settle);
    return settled!.payment;
  });
}

/** A line of a payment's trail; by default at the real time, the database's clock that stamps the payments these tests insert. */
export async function event(t: TestApp, e: Omit<PaymentEvent, 'at'> & { at?: Date }): Promise<void> {
  await recordPaymentEvent(t.db.pool, { at: new Date(), ...e });
}
