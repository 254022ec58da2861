import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkPayfipClient,
  createPayfipProvider,
  normalizeObjet,
  PAYFIP_EXPIRY_MS,
  payfipProviderFor,
} from '../../../src/features/payments/payfip/payfip-provider.js';
import { PayfipError } from '../../../src/features/payments/payfip/payfip-soap.js';
import type { PaymentProvider, PaymentToStart } from '../../../src/features/payments/provider.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { startFakePayfip, type FakePayfip } from '../../helpers/fake-payfip.js';

/**
 * The PayFiP provider against a local fake of the DGFiP's web service: what it sends to
 * create a payment, where it sends the family, and how it reads PayFiP's answers — never
 * believing a notification, only the web service, with PayFiP's 20-minute rule.
 */
let fake: FakePayfip;
let clock: FixedClock;
let payfip: PaymentProvider;
const CREATED = new Date('2026-12-02T10:00:00Z');

beforeAll(async () => {
  fake = await startFakePayfip();
});
afterAll(async () => fake.close());
beforeEach(() => {
  clock = new FixedClock(CREATED);
  payfip = createPayfipProvider({ wsUrl: fake.wsUrl, paymentUrl: fake.paymentUrl, clock, mode: 'T', timeoutMs: 2000 });
  fake.requests.length = 0;
});

function payment(overrides: Partial<PaymentToStart> = {}): PaymentToStart {
  return {
    paymentId: '8b0c0e55-5f44-4f0e-9d43-1b7f7f0f0a01',
    townSlug: 'tarnos',
    reference: 'PAY2026000042',
    amountCents: 12_345,
    label: 'Factures ENF-2026-000012, ENF-2026-000013',
    email: 'camille.martin@example.fr',
    payfipNumcli: '123456',
    returnUrl: 'https://portail.example.fr/tarnos/paiement/retour/8b0c0e55-5f44-4f0e-9d43-1b7f7f0f0a01',
    notifyUrl: 'https://portail.example.fr/tarnos/paiement/notification/payfip',
    year: 2026,
    ...overrides,
  };
}

async function started(overrides: Partial<PaymentToStart> = {}): Promise<string> {
  const res = await payfip.start(payment(overrides));
  if (!res.ok) throw new Error(`not started: ${res.detail}`);
  return res.providerPaymentId;
}

const status = (idOp: string) => payfip.fetchStatus({ providerPaymentId: idOp, payfipNumcli: '123456', createdAt: CREATED });

describe('starting a payment', () => {
  it('creates the operation with every field PayFiP asks for and sends the family to its page with the idOp', async () => {
    const res = await payfip.start(payment());
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.providerPaymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.redirectUrl).toBe(`${fake.paymentUrl}?idop=${res.providerPaymentId}`);
    expect(fake.requests.map((r) => [r.operation, r.fields])).toEqual([
      [
        'creerPaiementSecurise',
        {
          exer: '2026',
          mel: 'camille.martin@example.fr',
          montant: '12345',
          numcli: '123456',
          objet: 'Factures ENF 2026 000012 ENF 2026 000013',
          refdet: 'PAY2026000042',
          saisie: 'T',
          urlnotif: 'https://portail.example.fr/tarnos/paiement/notification/payfip',
          urlredirect: 'https://portail.example.fr/tarnos/paiement/retour/8b0c0e55-5f44-4f0e-9d43-1b7f7f0f0a01',
        },
      ],
    ]);
  });

  it('sends the town’s mode (activation X, production W) and redirects to the configured payment page', async () => {
    const x = payfipProviderFor({ payfipWsUrl: fake.wsUrl, payfipPaymentUrl: 'https://pay.example.test/tpa/paiementws.web' }, 'X', clock);
    const res = await x.start(payment());
    expect(res.ok && res.redirectUrl).toBe(`https://pay.example.test/tpa/paiementws.web?idop=${res.ok && res.providerPaymentId}`);
    const w = createPayfipProvider({ wsUrl: fake.wsUrl, paymentUrl: fake.paymentUrl, mode: 'W' });
    expect((await w.start(payment())).ok).toBe(true);
    expect(fake.requests.map((r) => r.fields.saisie)).toEqual(['X', 'W']);
  });

  it('folds the label to PayFiP’s letters, digits and spaces, at most 100, and escapes what it sends', async () => {
    expect(normalizeObjet('Factures d’été : Œuvre « Zoé » — n° 12-b & <c>')).toBe('Factures d ete OEuvre Zoe n 12 b c');
    expect(normalizeObjet('é'.repeat(150))).toBe('e'.repeat(100));
    await started({ label: '&&&', returnUrl: 'https://portail.example.fr/tarnos/paiement/retour/1?a=1&b=<2>' });
    const sent = fake.requests[0]!;
    expect(sent.fields.objet).toBeUndefined();
    expect(sent.fields.urlredirect).toBe('https://portail.example.fr/tarnos/paiement/retour/1?a=1&b=<2>');
    expect(sent.raw).toContain('?a=1&amp;b=&lt;2&gt;');
  });

  it('refuses before calling PayFiP a régie without numcli, a refdet PayFiP would refuse, or an amount out of 1 € to 100 000 €', async () => {
    for (const [overrides, failure] of [
      [{ payfipNumcli: null }, 'Le paiement en ligne n’est pas disponible pour ces factures'],
      [{ payfipNumcli: '12345' }, 'Le paiement en ligne n’est pas disponible pour ces factures'],
      [{ reference: 'PAY-2026-42' }, 'Le paiement en ligne n’est pas disponible pour ces factures'],
      [{ reference: 'A'.repeat(31) }, 'Le paiement en ligne n’est pas disponible pour ces factures'],
      [{ amountCents: 99 }, 'Le paiement en ligne accepte les montants de 1 € à 100 000 €'],
      [{ amountCents: 10_000_001 }, 'Le paiement en ligne accepte les montants de 1 € à 100 000 €'],
      [{ amountCents: 12.5 }, 'Le paiement en ligne accepte les montants de 1 € à 100 000 €'],
      [{ email: 'a@b' }, 'Votre adresse électronique ne convient pas'],
    ] as [Partial<PaymentToStart>, string][]) {
      const res = await payfip.start(payment(overrides));
      expect(res.ok, JSON.stringify(overrides)).toBe(false);
      if (!res.ok) expect(res.failure).toContain(failure);
    }
    expect(fake.requests).toEqual([]);
    const edge = await payfip.start(payment({ amountCents: 100, reference: 'A'.repeat(30) }));
    expect(edge.ok).toBe(true);
  });

  it('turns a SOAP fault at creation (an unknown numcli) into a French failure, nothing taken', async () => {
    const res = await payfip.start(payment({ payfipNumcli: '999999' }));
    expect(res).toEqual({
      ok: false,
      failure: expect.stringContaining('PayFiP') as string,
      detail: expect.stringContaining('C1') as string,
    });
    if (!res.ok) expect(res.failure).toContain('Aucune somme n’a été prélevée');
  });

  it('fails cleanly when PayFiP is down, answers an HTML page, or does not answer within the timeout', async () => {
    fake.failNext({ kind: 'technical' });
    expect((await payfip.start(payment())).ok).toBe(false);
    fake.failNext({ kind: 'http', status: 503 });
    const http = await payfip.start(payment());
    expect(http.ok === false && http.detail).toContain('HTTP 503');
    const quick = createPayfipProvider({ wsUrl: fake.wsUrl, paymentUrl: fake.paymentUrl, mode: 'T', timeoutMs: 200 });
    fake.failNext({ kind: 'delay', ms: 1000 });
    const slow = await quick.start(payment());
    expect(slow.ok === false && slow.detail).toContain('did not answer');
  });
});

describe('reading the result from PayFiP', () => {
  it.each([
    ['P', 'paid'],
    ['V', 'paid'],
    ['R', 'refused'],
    ['Z', 'refused'],
  ] as const)('maps resultrans %s to %s, with what the service checks and the régisseur keeps', async (resultrans, expected) => {
    const idOp = await started();
    fake.settle(idOp, resultrans);
    const res = await status(idOp);
    expect(res).toEqual({
      status: expected,
      providerPaymentId: idOp,
      reference: 'PAY2026000042',
      amountCents: 12_345,
      details: {
        idOp,
        resultrans,
        numauto: expected === 'paid' ? '112233' : '',
        dattrans: '02122026',
        heurtrans: '1012',
        montant: '12345',
        refdet: 'PAY2026000042',
        numcli: '123456',
        exer: '2026',
        saisie: 'T',
      },
    });
  });

  it('reports the amount and reference PayFiP says, not ours, so that a tampered one is caught', async () => {
    const idOp = await started();
    fake.settle(idOp, 'P', { montant: '100', refdet: 'OTHER1' });
    const res = await status(idOp);
    expect([res.status, res.amountCents, res.reference]).toEqual(['paid', 100, 'OTHER1']);
  });

  it('keeps an abandon (A) waiting while the idOp may still be paid, and abandoned from 20 minutes', async () => {
    const idOp = await started();
    fake.settle(idOp, 'A');
    clock.set(new Date(CREATED.getTime() + PAYFIP_EXPIRY_MS - 1000));
    expect((await status(idOp)).status).toBe('waiting');
    clock.set(new Date(CREATED.getTime() + PAYFIP_EXPIRY_MS));
    expect((await status(idOp)).status).toBe('abandoned');
  });

  it('reads P5 (no result yet) as waiting under 20 minutes and abandoned after; P1 (unknown idOp) as abandoned', async () => {
    const idOp = await started();
    clock.set(new Date(CREATED.getTime() + 19 * 60 * 1000));
    expect(await status(idOp)).toEqual({
      status: 'waiting',
      providerPaymentId: idOp,
      reference: null,
      amountCents: null,
      details: { idOp, code: 'P5' },
    });
    clock.set(new Date(CREATED.getTime() + 20 * 60 * 1000));
    expect((await status(idOp)).status).toBe('abandoned');
    fake.purge(idOp);
    clock.set(CREATED);
    expect(await status(idOp)).toMatchObject({ status: 'abandoned', details: { code: 'P1' } });
  });

  it('throws a typed error for any other fault, an unknown resultrans, or no answer in time', async () => {
    const idOp = await started();
    fake.failNext({ kind: 'technical' });
    await expect(status(idOp)).rejects.toMatchObject({ name: 'PayfipError', kind: 'fault', code: 'T2' });
    fake.settle(idOp, 'P', { resultrans: 'Q' });
    await expect(status(idOp)).rejects.toMatchObject({ kind: 'protocol' });
    const quick = createPayfipProvider({ wsUrl: fake.wsUrl, paymentUrl: fake.paymentUrl, clock, mode: 'T', timeoutMs: 200 });
    fake.failNext({ kind: 'delay', ms: 1000 });
    const err = await quick.fetchStatus({ providerPaymentId: idOp, payfipNumcli: '123456', createdAt: CREATED }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayfipError);
    expect(err).toMatchObject({ kind: 'timeout' });
  });
});

describe('notifications', () => {
  const call = (query: Record<string, unknown>, body: Record<string, unknown> = {}) => payfip.identify({ query, body, headers: {} });

  it('names the operation from idop or idOp, in the query or a form body, and believes nothing else', () => {
    const idOp = '0f8e2b6c-4a0e-11ef-9f1f-0242ac120002';
    for (const c of [
      call({ idop: idOp }),
      call({ idOp }),
      call({}, { idop: idOp }),
      call({}, { idOp, resultrans: 'P' }),
      call({ idop: idOp }, { idOp }),
    ])
      expect(c).toEqual({ ok: true, providerPaymentId: idOp, result: null });
  });

  it('calls a notification without an idOp, with two different ones, or with something else malformed', () => {
    for (const c of [
      call({}),
      call({ resultrans: 'P', refdet: 'PAY2026000042' }),
      call({ idop: 'a' }, { idOp: 'b' }),
      call({ idop: ['a', 'b'] }),
      call({ idop: '../../etc' }),
      call({ idop: '' }),
    ])
      expect(c).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('checking a régie’s client number', () => {
  it('returns the régie’s labels for a number PayFiP knows, refused for one it does not, unreachable when down', async () => {
    expect(await checkPayfipClient({ wsUrl: fake.wsUrl }, '123456')).toEqual({
      ok: true,
      labels: ['REGIE ENFANCE', 'COMMUNE DE TARNOS', 'ALSH ET RESTAURATION'],
    });
    expect(fake.requests.at(-1)).toMatchObject({ operation: 'recupererDetailClient', fields: { numCli: '123456' } });
    expect(await checkPayfipClient({ wsUrl: fake.wsUrl }, '999999')).toMatchObject({ ok: false, reason: 'refused' });
    fake.failNext({ kind: 'http', status: 502 });
    expect(await checkPayfipClient({ wsUrl: fake.wsUrl }, '123456')).toMatchObject({ ok: false, reason: 'unreachable' });
  });
});
