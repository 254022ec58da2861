import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BuiltinProvider } from '../../../src/features/payments/builtin-provider.js';
import * as bank from '../../../src/repositories/builtin-bank.repository.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import * as payments from '../../../src/repositories/payments.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  createAdult,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createReservation,
  createSubmission,
  setPayer,
  town,
} from '../../helpers/fixtures.js';
import { enrol, invoiceMonth, invoicesOf, regieWithActivity, signedIn } from '../billing/parent-billing.js';
import { page } from '../../helpers/html.js';
import { signedInAgent } from '../payments-agents/helpers.js';
import { bankBody, confirmChoice, familyToPay, notify, pendingPayment, receiptMails, startPayment } from './online-payment.js';

/**
 * Paying invoices online with the built-in bank (issue 15): one payment for several
 * invoices, and every way its result may arrive — a valid, forged, replayed, late or
 * out-of-order notification, the browser's return first, the scheduled check — each
 * applied once or not at all.
 */

let t: TestApp;
const NOW = '2026-12-02T09:00:00Z';
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());

async function statusOf(townId: string, paymentId: string) {
  return (await payments.findPayment(t.db.pool, townId, paymentId))?.status;
}

async function invoiceStatuses(townId: string, ids: string[]) {
  return Promise.all(ids.map(async (id) => (await invoices.findInvoice(t.db.pool, townId, id))?.status));
}

describe('paying several invoices with the built-in bank', () => {
  it('pays three invoices in one go: total, bank page, return, receipt page, invoices paid with their receipt, one mail', async () => {
    const f = await familyToPay(t, 'TROIS', ['2026-09', '2026-10', '2026-11']);
    const ids = f.invoices.map((i) => i.id);
    expect(ids).toHaveLength(3);

    const choose = page(await f.agent.get('/bayeux/mon-espace/factures/payer'));
    expect(choose.heading()).toBe('Payer en ligne');
    expect(choose.label('factures')).toBe(
      `Facture N° ${f.invoices[0]!.number} de septembre 2026 : 3,80\u00a0€ à payer, échéance le 15/12/2026`,
    );

    const confirm = page(await confirmChoice(f.agent, 'bayeux', ids));
    expect(confirm.heading()).toBe('Confirmer le paiement');
    expect(confirm.dd('Total à payer')).toBe('11,40\u00a0€');
    expect(confirm.hidden('total')).toBe('1140');

    const started = await startPayment(f.agent, 'bayeux', ids);
    expect(started.status).toBe(303);
    const bankUrl = started.headers.location!;
    const paymentId = bankUrl.split('/').pop()!;
    const bankPage = page(await f.agent.get(bankUrl));
    expect(bankPage.heading()).toBe('Banque de démonstration');
    expect(bankPage.text('main .bank-notice')).toContain('Banque de démonstration — aucun paiement réel.');
    expect(bankPage.dd('Montant')).toBe('11,40\u00a0€');
    expect(bankPage.texts('main form.form button')).toEqual(['Payer 11,40\u00a0€', 'Refuser', 'Abandonner']);
    // Not paid before the bank says so.
    expect(await invoiceStatuses(f.townId, ids)).toEqual(['issued', 'issued', 'issued']);

    const decided = await f.agent.post(bankUrl).type('form').send({ _csrf: bankPage.csrf(), decision: 'payer' });
    expect(decided.status).toBe(303);
    expect(decided.headers.location).toBe(`/bayeux/paiement/retour/${paymentId}`);
    const back = await f.agent.get(decided.headers.location!);
    expect(back.headers.location).toBe(`/bayeux/mon-espace/paiements/${paymentId}`);
    const receipt = page(await f.agent.get(back.headers.location!));
    expect(receipt.heading()).toBe('Paiement confirmé');
    expect(receipt.dd('Montant')).toBe('11,40\u00a0€');
    expect(receipt.dd('Date du paiement')).toBe('02/12/2026 à 10:00');
    expect(receipt.rows().map((r) => r.cells)).toEqual(
      f.invoices.map((i, n) => [`N° ${i.number}`, ['septembre 2026', 'octobre 2026', 'novembre 2026'][n], '3,80\u00a0€']),
    );

    expect(await invoiceStatuses(f.townId, ids)).toEqual(['paid', 'paid', 'paid']);
    const payment = await payments.findPayment(t.db.pool, f.townId, paymentId);
    expect(payment?.status).toBe('paid');
    const invoicePage = page(await f.agent.get(`/bayeux/mon-espace/factures/${ids[1]}`));
    expect(invoicePage.text('.status-tag')).toBe('Payée');
    expect(invoicePage.dd('Montant réglé')).toBe('3,80\u00a0€');
    expect(invoicePage.dd('Référence du paiement')).toBe(payment!.reference);
    expect(invoicePage.dd('Payée le')).toBe('02/12/2026 à 10:00');

    // The browser's return came after the in-process notification: a replay would have changed nothing.
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, paymentId)).map((e) => [e.channel, e.outcome])).toEqual([
      ['notification', 'applied'],
    ]);
    // A second click on the bank's button changes nothing either.
    await f.agent.post(bankUrl).type('form').send({ _csrf: bankPage.csrf(), decision: 'refuser' });
    expect(await statusOf(f.townId, paymentId)).toBe('paid');
    expect(await receiptMails(t, f.parent.email)).toBe(1);
  });

  it('shows "en cours" on a browser return before the notification, then paid once the notification arrives', async () => {
    const f = await familyToPay(t, 'RETOUR');
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [f.invoices[0]!.id]);
    const back = await f.agent.get(`/bayeux/paiement/retour/${payment.id}`);
    expect(back.status).toBe(303);
    const pending = page(await f.agent.get(back.headers.location!));
    expect(pending.heading()).toBe('Paiement en cours de confirmation');
    expect(pending.links('main .action-links').map((l) => l.text)).toEqual(['Actualiser la page']);
    expect(page(await f.agent.get(`/bayeux/mon-espace/factures/${f.invoices[0]!.id}`)).has('main h2:contains("Reçu de paiement")')).toBe(
      false,
    );

    // The late notification (after the return) pays.
    const res = await notify(t, 'bayeux', bankBody(t, payment));
    expect(res.status).toBe(200);
    expect(page(await f.agent.get(back.headers.location!)).heading()).toBe('Paiement confirmé');
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, payment.id)).map((e) => [e.channel, e.outcome, e.status])).toEqual([
      ['return', 'waiting', 'waiting'],
      ['notification', 'applied', 'paid'],
    ]);
  });

  it('applies a replayed notification once: one payment, invoices paid once, one receipt mail', async () => {
    const f = await familyToPay(t, 'REJOUE');
    const ids = f.invoices.map((i) => i.id);
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, ids);
    const body = bankBody(t, payment);
    expect((await notify(t, 'bayeux', body)).status).toBe(200);
    t.clock.set('2026-12-02T09:10:00Z');
    try {
      expect((await notify(t, 'bayeux', body)).status).toBe(200);
    } finally {
      t.clock.set(NOW);
    }
    expect(await invoiceStatuses(f.townId, ids)).toEqual(['paid', 'paid']);
    // The agents read the trail: the replay says in French what it found.
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, payment.id)).map((e) => [e.outcome, e.detail])).toEqual([
      ['applied', ''],
      ['replay', 'déjà payé'],
    ]);
    expect(await receiptMails(t, f.parent.email)).toBe(1);
    await t.deliverMail();
    const { rows } = await t.db.pool.query<{ status: string; subject: string; text_body: string }>(
      `select status, subject, text_body from mail_outbox where to_address = $1`,
      [f.parent.email],
    );
    expect(rows.map((r) => [r.status, r.subject])).toEqual([['sent', 'Reçu de votre paiement de 7,60\u00a0€']]);
    const text = rows[0]!.text_body;
    expect(text).toContain(`Référence : ${payment.reference}`);
    expect(text).toContain('Date : 02/12/2026 à 10:00');
    for (const invoice of f.invoices) expect(text).toContain(`- Facture N° ${invoice.number} (`);
    expect(text).toContain(`http://portail.test/bayeux/mon-espace/paiements/${payment.id}`);
  });

  it('changes nothing on a forged notification (bad signature, altered amount, stale), and logs each', async () => {
    const f = await familyToPay(t, 'FORGE');
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [f.invoices[0]!.id]);
    const good = bankBody(t, payment);
    const badSignature = { ...good, signature: good.signature!.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    expect((await notify(t, 'bayeux', badSignature)).status).toBe(400);
    // The amount changed after signing: the signature no longer holds.
    expect((await notify(t, 'bayeux', { ...good, amount: '1' })).status).toBe(400);
    const stale = bankBody(t, payment, { timestamp: t.clock.now().getTime() - 2 * 60 * 60 * 1000 });
    expect((await notify(t, 'bayeux', stale)).status).toBe(400);
    expect((await notify(t, 'bayeux', { operation: payment.providerPaymentId! })).status).toBe(400);

    expect(await statusOf(f.townId, payment.id)).toBe('pending');
    expect(await invoiceStatuses(f.townId, [f.invoices[0]!.id])).toEqual(['issued']);
    const trail = await payments.listPaymentEvents(t.db.pool, f.townId, null);
    expect(trail.filter((e) => e.detail.includes(payment.providerPaymentId!)).map((e) => [e.outcome, e.detail])).toEqual([
      ['forged', `signature invalide (opération ${payment.providerPaymentId})`],
      ['forged', `signature invalide (opération ${payment.providerPaymentId})`],
      ['forged', `signature périmée (opération ${payment.providerPaymentId})`],
    ]);
    expect(trail.at(-1)).toMatchObject({ outcome: 'unknown', detail: 'notification incomplète' });
  });

  it('changes nothing on a signed notification whose amount or reference is not the payment’s (mismatch)', async () => {
    const f = await familyToPay(t, 'ECART');
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [f.invoices[0]!.id]);
    expect((await notify(t, 'bayeux', bankBody(t, payment, { amount: 1 }))).status).toBe(200);
    expect((await notify(t, 'bayeux', bankBody(t, payment, { reference: 'AUTRE' }))).status).toBe(200);
    expect(await statusOf(f.townId, payment.id)).toBe('pending');
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, payment.id)).map((e) => [e.outcome, e.detail])).toEqual([
      ['mismatch', `montant 1 au lieu de ${payment.amountCents} centimes`],
      ['mismatch', `référence AUTRE au lieu de ${payment.reference}`],
    ]);
  });

  it('keeps the first final status: "refused" then "paid" leaves the payment refused and the invoice to pay', async () => {
    const f = await familyToPay(t, 'DESORDRE');
    const id = f.invoices[0]!.id;
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [id]);
    expect((await notify(t, 'bayeux', bankBody(t, payment, { status: 'refused' }))).status).toBe(200);
    expect((await notify(t, 'bayeux', bankBody(t, payment, { status: 'paid' }))).status).toBe(200);
    expect(await statusOf(f.townId, payment.id)).toBe('refused');
    expect(await invoiceStatuses(f.townId, [id])).toEqual(['issued']);
    const shown = page(await f.agent.get(`/bayeux/mon-espace/paiements/${payment.id}`));
    expect(shown.heading()).toBe('Paiement non abouti');
    expect(shown.text('main .notice:not(.session-warning)')).toBe('Le paiement a été refusé par la banque : rien n’a été prélevé.');
    expect(shown.links('main .action-links')).toEqual([{ href: '/bayeux/mon-espace/factures/payer', text: 'Payer à nouveau' }]);
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, payment.id)).map((e) => [e.outcome, e.status, e.detail])).toEqual([
      ['applied', 'refused', ''],
      [
        'replay',
        'paid',
        'Le prestataire confirme le paiement alors qu’il était déjà refusé : ses factures restent à payer, la somme est à rembourser ou à enregistrer.',
      ],
    ]);
    expect(await receiptMails(t, f.parent.email)).toBe(0);
    // Nothing was taken: the invoice can be paid again at once.
    expect((await startPayment(f.agent, 'bayeux', [id])).status).toBe(303);
  });

  it('answers 200 to a notification naming no payment of the town, another town’s included, and changes nothing', async () => {
    const f = await familyToPay(t, 'AILLEURS');
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [f.invoices[0]!.id]);
    const unknown = await notify(t, 'bayeux', bankBody(t, payment, { operation: 'BANK-inconnue' }));
    expect(unknown.status).toBe(200);
    // A valid notification of Bayeux's payment, sent to Tarnos's URL.
    expect((await notify(t, 'tarnos', bankBody(t, payment))).status).toBe(200);
    expect(await statusOf(f.townId, payment.id)).toBe('pending');
    const tarnos = await town(t.db.pool, 'tarnos');
    expect((await payments.listPaymentEvents(t.db.pool, tarnos.id, null)).map((e) => [e.outcome, e.detail])).toEqual([
      ['unknown', `opération inconnue ${payment.providerPaymentId}`],
    ]);
    expect(
      (await payments.listPaymentEvents(t.db.pool, f.townId, null)).filter((e) => e.detail === 'opération inconnue BANK-inconnue'),
    ).toHaveLength(1);
    expect((await notify(t, 'nulle-part', bankBody(t, payment))).status).toBe(404);
    expect((await t.agent().post('/bayeux/paiement/notification/autre').type('form').send(bankBody(t, payment))).status).toBe(404);
  });
});

describe('choosing what to pay', () => {
  it('refuses an altered total ("le montant a changé") and an invoice paid meanwhile, creating no payment', async () => {
    const f = await familyToPay(t, 'MONTANT');
    const ids = f.invoices.map((i) => i.id);
    const res = await startPayment(f.agent, 'bayeux', ids, '380');
    expect(res.status).toBe(400);
    const p = page(res);
    expect(p.errorSummary()).toEqual([
      { field: 'factures', message: 'Le montant a changé, vérifiez : le total à payer est maintenant de 7,60\u00a0€.' },
    ]);
    expect(p.checked('factures')).toEqual(ids);
    expect(p.title()).toBe('Erreur : Payer en ligne – Ville de Bayeux et Bayeux Intercom – Espace Famille');
    const { rows } = await t.db.pool.query(`select 1 from payments where family_id = $1`, [f.familyId]);
    expect(rows).toHaveLength(0);
  });

  it('refuses no invoice, a paid one, one at the bank less than 20 minutes ago, and two régies together', async () => {
    const f = await familyToPay(t, 'REGLES');
    const [october, november] = f.invoices.map((i) => i.id) as [string, string];
    const none = await confirmChoice(f.agent, 'bayeux', []);
    expect(none.status).toBe(400);
    expect(
      page(none)
        .errorSummary()
        .map((e) => e.message),
    ).toEqual(['Choisissez au moins une facture à payer.']);

    await pendingPayment(t, f.agent, 'bayeux', f.townId, [october]);
    const again = await confirmChoice(f.agent, 'bayeux', [october, november]);
    expect(again.status).toBe(400);
    expect(
      page(again)
        .errorSummary()
        .map((e) => e.message),
    ).toEqual([
      `La facture N° ${f.invoices[0]!.number} a un paiement en cours : attendez sa confirmation (20 minutes au plus) avant de la payer à nouveau.`,
    ]);
    const choose = page(await f.agent.get('/bayeux/mon-espace/factures/payer'));
    expect(choose.attrs('input[name=factures][disabled]', 'value')).toEqual([october]);
    // The block lasts 20 minutes from the payment's start, then the invoice can be paid again.
    t.clock.set('2026-12-02T09:19:59Z');
    expect((await confirmChoice(f.agent, 'bayeux', [october])).status).toBe(400);
    t.clock.set('2026-12-02T09:20:01Z');
    expect((await confirmChoice(f.agent, 'bayeux', [october])).status).toBe(200);
    t.clock.set(NOW);

    // The same child at an activity of another régie: one payment cannot mix the two régies.
    const second = await regieWithActivity(t, 'bayeux');
    await enrol(t, 'bayeux', second.activityId, f.childId, { present: ['2026-11-06'] });
    await invoiceMonth(t, f.townId, second.regieId, '2026-11');
    const elsewhere = (await invoicesOf(t, f.townId, f.familyId)).find((i) => i.regieId === second.regieId)!;
    const mixed = await confirmChoice(f.agent, 'bayeux', [november, elsewhere.id]);
    expect(mixed.status).toBe(400);
    expect(
      page(mixed)
        .errorSummary()
        .map((e) => e.message),
    ).toEqual(['Choisissez les factures d’une seule régie à la fois : chaque régie encaisse ses propres paiements.']);
    expect(page(mixed).checked('factures')).toEqual([november, elsewhere.id]);

    const other = await familyToPay(t, 'REGLES2', ['2026-11']);
    await invoices.setInvoicePaid(t.db.pool, other.townId, other.invoices[0]!.id, new Date(NOW));
    const paid = await confirmChoice(other.agent, 'bayeux', [other.invoices[0]!.id]);
    expect(
      page(paid)
        .errorSummary()
        .map((e) => e.message),
    ).toEqual([`La facture N° ${other.invoices[0]!.number} est déjà payée.`]);
  });

  it('answers 404 to an invoice id that is not the parent’s, and refuses the form without its CSRF token', async () => {
    const f = await familyToPay(t, 'MIENNES', ['2026-11']);
    const g = await familyToPay(t, 'AUTRES', ['2026-11']);
    expect((await confirmChoice(f.agent, 'bayeux', [g.invoices[0]!.id])).status).toBe(404);
    expect((await confirmChoice(f.agent, 'bayeux', ['pas-un-id'])).status).toBe(404);
    const noToken = await f.agent
      .post('/bayeux/mon-espace/factures/payer')
      .type('form')
      .send({ factures: f.invoices[0]!.id, etape: 'verifier' });
    expect(noToken.status).toBe(403);
  });

  it('says online payment is not offered when the town takes none, and refuses to start one', async () => {
    const f = await familyToPay(t, 'SANS', ['2026-11'], 'tarnos');
    await t.db.pool.query(`update billing_settings set payment_provider = 'none' where town_id = $1`, [f.townId]);
    try {
      const p = page(await f.agent.get('/tarnos/mon-espace/factures/payer'));
      expect(p.text('main .lead')).toBe('Le paiement en ligne n’est pas proposé pour vos factures.');
      const res = await confirmChoice(f.agent, 'tarnos', [f.invoices[0]!.id]);
      expect(res.status).toBe(400);
      expect(
        page(res)
          .errorSummary()
          .map((e) => e.message),
      ).toEqual([
        'Le paiement en ligne n’est pas proposé : réglez vos factures auprès de la régie (ses coordonnées sont sur la page d’accueil).',
      ]);
    } finally {
      await t.db.pool.query(`update billing_settings set payment_provider = 'builtin' where town_id = $1`, [f.townId]);
    }
  });
});

describe('a provider that cannot start the payment', () => {
  it('keeps the payment as failed with its reason, takes nothing, and lets the parent pay again at once', async () => {
    const f = await familyToPay(t, 'PANNE', ['2026-11']);
    const id = f.invoices[0]!.id;
    const down = vi.spyOn(BuiltinProvider.prototype, 'start').mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    try {
      const res = await startPayment(f.agent, 'bayeux', [id]);
      expect(res.status).toBe(303);
      const paymentId = res.headers.location!.split('/').pop()!;
      expect(res.headers.location).toBe(`/bayeux/mon-espace/paiements/${paymentId}`);
      const shown = page(await f.agent.get(res.headers.location!));
      expect(shown.heading()).toBe('Paiement non abouti');
      expect(shown.text('main .notice:not(.session-warning)')).toBe(
        'Le service de paiement n’a pas pu être joint : rien n’a été prélevé. Réessayez dans quelques minutes.',
      );
      expect(await payments.findPayment(t.db.pool, f.townId, paymentId)).toMatchObject({ status: 'failed', providerPaymentId: null });
    } finally {
      down.mockRestore();
    }
    expect(await invoiceStatuses(f.townId, [id])).toEqual(['issued']);
    expect((await startPayment(f.agent, 'bayeux', [id])).headers.location).toMatch(/^\/bayeux\/banque-de-demonstration\//);
  });
});

describe('who may see a payment', () => {
  it('answers 404 to another family and in another town, on every payment route and verb', async () => {
    const f = await familyToPay(t, 'PROPRIO', ['2026-11']);
    const g = await familyToPay(t, 'VOISIN', ['2026-11']);
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [f.invoices[0]!.id]);
    const csrf = page(await g.agent.get('/bayeux/mon-espace/factures/payer')).csrf();
    for (const path of [
      `/bayeux/mon-espace/paiements/${payment.id}`,
      `/bayeux/paiement/retour/${payment.id}`,
      `/bayeux/banque-de-demonstration/${payment.id}`,
    ]) {
      expect((await g.agent.get(path)).status, path).toBe(404);
      expect((await t.agent().get(path)).status, `${path} (visitor)`).toBe(404);
      expect((await f.agent.get(path.replace('/bayeux/', '/tarnos/'))).status, `${path} (Tarnos)`).toBe(404);
    }
    const post = await g.agent.post(`/bayeux/banque-de-demonstration/${payment.id}`).type('form').send({ _csrf: csrf, decision: 'payer' });
    expect(post.status).toBe(404);
    expect(await statusOf(f.townId, payment.id)).toBe('pending');
    // A decision the bank does not offer: said in French, nothing decided.
    const bankCsrf = page(await f.agent.get(`/bayeux/banque-de-demonstration/${payment.id}`)).csrf();
    const odd = await f.agent
      .post(`/bayeux/banque-de-demonstration/${payment.id}`)
      .type('form')
      .send({ _csrf: bankCsrf, decision: 'rembourser' });
    expect(odd.status).toBe(400);
    expect(page(odd).errorSummary()).toEqual([{ field: 'decision', message: 'Choisissez Payer, Refuser ou Abandonner.' }]);
    expect((await bank.findBankOperation(t.db.pool, payment.providerPaymentId!))?.decision).toBeNull();
    // The bank's own form refuses a post without its token.
    const noToken = await f.agent.post(`/bayeux/banque-de-demonstration/${payment.id}`).type('form').send({ decision: 'payer' });
    expect(noToken.status).toBe(403);
    expect(await statusOf(f.townId, payment.id)).toBe('pending');
  });
});

describe('separated parents invoiced on their own', () => {
  it('lets each pay only their own invoices and see only their own payments', async () => {
    const db = t.db.pool;
    const { activityId, regieId, townId } = await regieWithActivity(t, 'bayeux');
    const family = await createFamily(db, 'bayeux', { name: 'SEPARES' });
    const payer = await createAdult(db, 'bayeux', family.id, { firstNames: 'Claire', lastName: 'Separes' });
    await setPayer(db, 'bayeux', family.id, { payerAdultId: payer, splitInvoicing: true });
    const mother = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Claire', lastName: 'Separes' });
    const father = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Paul', lastName: 'Separes' });
    const childId = await createChild(db, 'bayeux', family.id, { lastName: 'Separes' });
    const enrolmentId = await createEnrolment(db, 'bayeux', { activityId, childId });
    await createQuotient(db, 'bayeux', { familyId: family.id, qf: 1200 });
    for (const [account, day] of [
      [mother, '2026-11-02'],
      [father, '2026-11-05'],
    ] as const) {
      const submissionId = await createSubmission(db, 'bayeux', { familyId: family.id, accountId: account.id, activityId });
      await createReservation(db, 'bayeux', { activityId, enrolmentId, childId, day, status: 'booked', submissionId });
    }
    await invoiceMonth(t, townId, regieId);
    const all = await invoices.listMonthInvoices(db, townId, regieId, '2026-11-01');
    const own = (accountId: string) => all.find((i) => i.accountId === accountId)!;
    const motherAgent = await signedIn(t, 'bayeux', mother);
    const fatherAgent = await signedIn(t, 'bayeux', father);

    expect((await confirmChoice(motherAgent, 'bayeux', [own(father.id).id])).status).toBe(404);
    expect(page(await motherAgent.get('/bayeux/mon-espace/factures/payer')).attrs('input[name=factures]', 'value')).toEqual([
      own(mother.id).id,
    ]);
    const payment = await pendingPayment(t, motherAgent, 'bayeux', townId, [own(mother.id).id]);
    for (const path of [`/bayeux/mon-espace/paiements/${payment.id}`, `/bayeux/banque-de-demonstration/${payment.id}`]) {
      expect((await fatherAgent.get(path)).status, path).toBe(404);
      expect((await motherAgent.get(path)).status, path).toBe(200);
    }
  });
});

describe('the scheduled check of pending payments', () => {
  it('settles a payment the bank decided whose notification was lost, counts a waiting one, and abandons an expired one', async () => {
    const f = await familyToPay(t, 'VERIF', ['2026-09', '2026-10', '2026-11']);
    const [a, b, c] = f.invoices.map((i) => i.id) as [string, string, string];
    const lost = await pendingPayment(t, f.agent, 'bayeux', f.townId, [a]);
    const waiting = await pendingPayment(t, f.agent, 'bayeux', f.townId, [b]);
    // The bank recorded the decision, but its notification never reached the portal.
    await bank.decideBankOperation(t.db.pool, f.townId, lost.providerPaymentId!, 'paid', new Date(NOW));

    // Younger than five minutes: not asked yet.
    await runCheck();
    expect(await statusOf(f.townId, lost.id)).toBe('pending');

    t.clock.set('2026-12-02T09:06:00Z');
    const fresh = await pendingPayment(t, f.agent, 'bayeux', f.townId, [c]);
    await runCheck();
    expect(await statusOf(f.townId, lost.id)).toBe('paid');
    expect(await invoiceStatuses(f.townId, [a])).toEqual(['paid']);
    expect(await receiptMails(t, f.parent.email)).toBe(1);
    const stillWaiting = await payments.findPayment(t.db.pool, f.townId, waiting.id);
    expect(stillWaiting).toMatchObject({ status: 'pending', checkAttempts: 1 });
    expect((await payments.findPayment(t.db.pool, f.townId, fresh.id))?.checkAttempts).toBe(0);

    // The bank's page lives 15 minutes: after that the bank says abandoned.
    t.clock.set('2026-12-02T09:16:00Z');
    await runCheck();
    expect(await statusOf(f.townId, waiting.id)).toBe('abandoned');
    expect(await invoiceStatuses(f.townId, [b])).toEqual(['issued']);
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, waiting.id)).map((e) => [e.channel, e.outcome, e.status])).toEqual([
      ['check', 'waiting', 'waiting'],
      ['check', 'applied', 'abandoned'],
    ]);
    t.clock.set(NOW);
  });

  it('closes an expired operation in the bank’s own books, so a click racing the check cannot take money afterwards', async () => {
    const f = await familyToPay(t, 'COURSE', ['2026-11']);
    const id = f.invoices[0]!.id;
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [id]);
    const bankUrl = `/bayeux/banque-de-demonstration/${payment.id}`;
    const bankPage = page(await f.agent.get(bankUrl));
    // The check finds the bank's page expired and closes the payment as abandoned…
    t.clock.set('2026-12-02T09:16:00Z');
    await runCheck();
    expect(await statusOf(f.townId, payment.id)).toBe('abandoned');
    // …while the family's click on "Payer" was read a moment before the expiry (the two requests
    // interleave): the bank must not take the money of a payment the portal has given up on.
    t.clock.set('2026-12-02T09:14:59Z');
    await f.agent.post(bankUrl).type('form').send({ _csrf: bankPage.csrf(), decision: 'payer' });
    t.clock.set(NOW);
    expect((await bank.findBankOperation(t.db.pool, payment.providerPaymentId!))?.decision).toBe('abandoned');
    expect(await statusOf(f.townId, payment.id)).toBe('abandoned');
    expect((await payments.listPaymentEvents(t.db.pool, f.townId, payment.id)).map((e) => [e.channel, e.outcome, e.status])).toEqual([
      ['check', 'applied', 'abandoned'],
    ]);
  });

  it('shows the agents a payment the provider confirms after the portal closed it: money taken, invoice still to pay', async () => {
    const f = await familyToPay(t, 'TARDIF', ['2026-11']);
    const id = f.invoices[0]!.id;
    const payment = await pendingPayment(t, f.agent, 'bayeux', f.townId, [id]);
    t.clock.set('2026-12-02T09:16:00Z');
    await runCheck();
    expect(await statusOf(f.townId, payment.id)).toBe('abandoned');
    // The provider says, signed, that it took the money after all (PayFiP's late 'P' after its P5).
    expect((await notify(t, 'bayeux', bankBody(t, payment, { status: 'paid' }))).status).toBe(200);
    // A final status does not move: the invoice stays to pay, and no receipt is sent…
    expect(await statusOf(f.townId, payment.id)).toBe('abandoned');
    expect(await invoiceStatuses(f.townId, [id])).toEqual(['issued']);
    expect(await receiptMails(t, f.parent.email)).toBe(0);
    // …but the money was taken: the day's reconciliation says so, with the payment to look into.
    const http = await signedInAgent(t, 'bayeux');
    const p = page(await http.get('/bayeux/agents/facturation/rapprochement?jour=02/12/2026'));
    const alerts = p.rows('table:has(#alerts-caption)').filter((r) => r.el.find(`a[href$="/paiements/${payment.id}"]`).length > 0);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.cells[1]).toBe('Payé chez le prestataire après la clôture du paiement : à vérifier');
    expect(alerts[0]!.cells[2]).toContain(
      'Le prestataire confirme le paiement alors qu’il était déjà abandonné : ses factures restent à payer, la somme est à rembourser ou à enregistrer.',
    );
    // The payment's own trail says it in the same words, not as a harmless repetition.
    const trail = page(await http.get(`/bayeux/agents/facturation/paiements/${payment.id}`));
    expect(trail.rows('table:has(#events-caption)').map((r) => r.cells[1])).toEqual([
      'Pris en compte',
      'Payé chez le prestataire après la clôture du paiement : à vérifier',
    ]);
    t.clock.set(NOW);
  });

  it('closes as failed, after an hour, a payment that never reached its provider', async () => {
    const f = await familyToPay(t, 'JAMAIS', ['2026-11']);
    const id = f.invoices[0]!.id;
    const stuck = await payments.insertPayment(t.db.pool, {
      townId: f.townId,
      regieId: f.regieId,
      familyId: f.familyId,
      accountId: f.parent.id,
      provider: 'builtin',
      method: 'card',
      reference: 'EFJAMAIS',
      invoices: [{ invoiceId: id, amountCents: 380 }],
      createdAt: new Date('2026-12-02T07:30:00Z'),
    });
    await runCheck();
    expect(await payments.findPayment(t.db.pool, f.townId, stuck.id)).toMatchObject({
      status: 'failed',
      failure: 'Le paiement n’a pas pu être transmis au service de paiement : rien n’a été prélevé.',
    });
    expect(await invoiceStatuses(f.townId, [id])).toEqual(['issued']);
  });
});

/** The cron task as pg-boss runs it: one job of the queue 'payments-check'. */
async function runCheck() {
  await t.jobs.boss.send('payments-check', {});
  expect(await t.jobs.runDue('payments-check')).toBe(1);
}
