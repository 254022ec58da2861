import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { saveOnlinePaymentSettings, setRegiesPayfipNumcli } from '../../../src/repositories/payment-settings.repository.js';
import * as payments from '../../../src/repositories/payments.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { startFakePayfip, type FakePayfip } from '../../helpers/fake-payfip.js';
import { familyToPay, receiptMails, startPayment } from './online-payment.js';

/**
 * A town that takes its payments through PayFiP, end to end against the local fake of the
 * DGFiP's web service: the portal creates the operation, sends the family to PayFiP, and
 * believes nothing a notification or the browser says until PayFiP's own answer about the
 * operation matches the payment (amount, reference, client number).
 */

let t: TestApp;
let fake: FakePayfip;
beforeAll(async () => {
  fake = await startFakePayfip();
  t = await createTestApp({ now: '2026-12-02T09:00:00Z', env: { PAYFIP_WS_URL: fake.wsUrl, PAYFIP_PAYMENT_URL: fake.paymentUrl } });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** A family of Bayeux with invoices of a régie PayFiP knows (numcli 654321), the town set to PayFiP in test mode. */
async function payfipFamily(name: string, months: string[]) {
  const f = await familyToPay(t, name, months);
  await saveOnlinePaymentSettings(t.db.pool, f.townId, { provider: 'payfip', payfipMode: 'T' }, t.clock.now());
  await setRegiesPayfipNumcli(t.db.pool, f.townId, [{ regieId: f.regieId, numcli: '654321' }]);
  return f;
}

/** Starts the payment of every invoice of the family; the payment, PayFiP's idOp and where the browser was sent. */
async function startAtPayfip(f: Awaited<ReturnType<typeof payfipFamily>>) {
  const res = await startPayment(
    f.agent,
    'bayeux',
    f.invoices.map((i) => i.id),
  );
  expect(res.status).toBe(303);
  const location = new URL(res.headers.location!);
  const idOp = location.searchParams.get('idop')!;
  const payment = await payments.findPaymentByProviderId(t.db.pool, f.townId, 'payfip', idOp);
  expect(payment?.status).toBe('pending');
  return { payment: payment!, idOp, location };
}

function notifyPayfip(idOp: string) {
  return t.agent().post('/bayeux/paiement/notification/payfip').type('form').send({ idop: idOp });
}

async function events(paymentId: string) {
  const { rows } = await t.db.pool.query<{ channel: string; outcome: string }>(
    `select channel, outcome from payment_events where payment_id = $1 order by id`,
    [paymentId],
  );
  return rows.map((r) => `${r.channel}:${r.outcome}`);
}

async function invoiceStatuses(townId: string, ids: string[]) {
  return Promise.all(ids.map(async (id) => (await invoices.findInvoice(t.db.pool, townId, id))?.status));
}

describe('paying through PayFiP', () => {
  it('creates the operation with the payment’s amount, reference, client and URLs, then pays on a notification PayFiP confirms, once', async () => {
    const f = await payfipFamily('PAYFIPUN', ['2026-10', '2026-11']);
    const { payment, idOp, location } = await startAtPayfip(f);
    expect(`${location.origin}${location.pathname}`).toBe(fake.paymentUrl);
    expect(fake.operations.get(idOp)!.request).toMatchObject({
      numcli: '654321',
      montant: String(payment.amountCents),
      refdet: payment.reference,
      saisie: 'T',
      exer: '2026',
      urlnotif: 'http://portail.test/bayeux/paiement/notification/payfip',
      urlredirect: `http://portail.test/bayeux/paiement/retour/${payment.id}`,
    });
    expect(payment.amountCents).toBe(760);

    // PayFiP notifies before the family has paid (or someone calls with the idOp): P5, nothing changes.
    expect((await notifyPayfip(idOp)).status).toBe(200);
    expect((await payments.findPayment(t.db.pool, f.townId, payment.id))?.status).toBe('pending');

    fake.settle(idOp, 'P');
    expect((await notifyPayfip(idOp)).status).toBe(200);
    expect((await notifyPayfip(idOp)).status).toBe(200); // a replay
    expect((await payments.findPayment(t.db.pool, f.townId, payment.id))?.status).toBe('paid');
    expect(
      await invoiceStatuses(
        f.townId,
        f.invoices.map((i) => i.id),
      ),
    ).toEqual(['paid', 'paid']);
    expect(await events(payment.id)).toEqual(['notification:waiting', 'notification:applied', 'notification:replay']);
    expect(await receiptMails(t, f.parent.email)).toBe(1);
    const detail = (await payments.findPayment(t.db.pool, f.townId, payment.id))!.providerDetails;
    expect(detail).toMatchObject({ resultrans: 'P', idOp });
  });

  it('believes PayFiP, not the notification: an amount PayFiP reports differently changes nothing and is logged', async () => {
    const f = await payfipFamily('PAYFIPDEUX', ['2026-11']);
    const { payment, idOp } = await startAtPayfip(f);
    fake.settle(idOp, 'P', { montant: '100' });
    expect((await notifyPayfip(idOp)).status).toBe(200);
    expect((await payments.findPayment(t.db.pool, f.townId, payment.id))?.status).toBe('pending');
    expect(await invoiceStatuses(f.townId, [f.invoices[0]!.id])).toEqual(['issued']);
    expect(await events(payment.id)).toEqual(['notification:mismatch']);
  });

  it('counts a scheduled check whose answer does not match as an attempt, so the payment does not stay first in line', async () => {
    const f = await payfipFamily('PAYFIPCINQ', ['2026-11']);
    const { payment, idOp } = await startAtPayfip(f);
    fake.settle(idOp, 'P', { montant: '100' });
    t.clock.set('2026-12-02T09:06:00Z');
    await t.jobs.boss.send('payments-check', {});
    expect(await t.jobs.runDue('payments-check')).toBe(1);
    t.clock.set('2026-12-02T09:00:00Z');
    expect(await events(payment.id)).toEqual(['check:mismatch']);
    expect(await payments.findPayment(t.db.pool, f.townId, payment.id)).toMatchObject({
      status: 'pending',
      checkAttempts: 1,
      lastCheckedAt: new Date('2026-12-02T09:06:00Z'),
    });
  });

  it('records a refused card, and the browser back before any notification settles the payment through PayFiP’s answer', async () => {
    const refused = await payfipFamily('PAYFIPTROIS', ['2026-11']);
    const r = await startAtPayfip(refused);
    fake.settle(r.idOp, 'R');
    await notifyPayfip(r.idOp);
    expect((await payments.findPayment(t.db.pool, refused.townId, r.payment.id))?.status).toBe('refused');
    expect(await invoiceStatuses(refused.townId, [refused.invoices[0]!.id])).toEqual(['issued']);

    const back = await payfipFamily('PAYFIPQUATRE', ['2026-11']);
    const b = await startAtPayfip(back);
    fake.settle(b.idOp, 'V'); // paid by prélèvement unique at PayFiP
    const returned = await back.agent.get(`/bayeux/paiement/retour/${b.payment.id}`);
    expect(returned.headers.location).toBe(`/bayeux/mon-espace/paiements/${b.payment.id}`);
    expect((await payments.findPayment(t.db.pool, back.townId, b.payment.id))?.status).toBe('paid');
    expect(await events(b.payment.id)).toEqual(['return:applied']);
    await notifyPayfip(b.idOp); // the late notification
    expect(await events(b.payment.id)).toEqual(['return:applied', 'notification:replay']);
  });

  it('answers 200 to a notification naming no operation of the town, and logs it', async () => {
    const res = await notifyPayfip('0a1b2c3d-0000-4000-8000-000000000000');
    expect(res.status).toBe(200);
    const { rows } = await t.db.pool.query(`select outcome, detail from payment_events where payment_id is null and provider = 'payfip'`);
    expect(rows).toEqual([{ outcome: 'unknown', detail: 'opération inconnue 0a1b2c3d-0000-4000-8000-000000000000' }]);
  });
});

describe('the family back from PayFiP with a form POST', () => {
  it('turns it into a GET of the same address (no token of ours, no cookie on a cross-site POST), which verifies as usual', async () => {
    const f = await payfipFamily('PAYFIPCINQ', ['2026-11']);
    const { payment, idOp } = await startAtPayfip(f);
    fake.settle(idOp, 'P');
    const posted = await t.agent().post(`/bayeux/paiement/retour/${payment.id}`).type('form').send({ idop: idOp });
    expect([posted.status, posted.headers.location]).toEqual([303, `/bayeux/paiement/retour/${payment.id}`]);
    // Nothing was believed from the POST: the GET, with the family's session, asks PayFiP.
    expect((await payments.findPayment(t.db.pool, f.townId, payment.id))?.status).toBe('pending');
    const back = await f.agent.get(posted.headers.location!);
    expect(back.headers.location).toBe(`/bayeux/mon-espace/paiements/${payment.id}`);
    expect((await payments.findPayment(t.db.pool, f.townId, payment.id))?.status).toBe('paid');
  });
});
