import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, dayLabel, parisDay } from '../../../src/lib/calendar/index.js';
import type { Payment } from '../../../src/repositories/payments.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page } from '../../helpers/html.js';
import { event, invoicedFamilies, makePayment, signedInAgent } from './helpers.js';

/**
 * The régie's payments (/agents/facturation/paiements…): the list of a period by channel and
 * status with the invoices each payment settled and the money received by day and channel,
 * one payment with its trail, and the daily reconciliation. Another town's payment: 404.
 */

let t: TestApp;
const NOW = '2026-12-02T09:00:00Z';

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(() => t.clock.set(NOW));

describe('the payments of a period', () => {
  let ids: Record<'online' | 'cheque' | 'refused' | 'old', Payment>;
  let invoiceNumber: string;
  let invoiceId: string;

  beforeAll(async () => {
    const { townId, regieId, families } = await invoicedFamilies(t, 'tarnos', ['ARNAUD', 'BERTIN', 'CAMUS', 'DUBOIS']);
    const [a, b, c, d] = families.map((f) => ({ familyId: f.familyId, invoice: f.invoices[0]! }));
    invoiceNumber = a!.invoice.number;
    invoiceId = a!.invoice.id;
    const base = { townId, regieId };
    ids = {
      // 1 December, 11:00 in Paris.
      online: await makePayment(t, {
        ...base,
        familyId: a!.familyId,
        provider: 'builtin',
        method: 'card',
        invoices: [a!.invoice],
        settle: {
          status: 'paid',
          at: new Date('2026-12-01T10:00:00Z'),
          providerDetails: { bank: 'Banque de démonstration', signedAt: '2026-12-01T10:00:00.000Z' },
        },
      }),
      // 30 November, 23:30 in Paris (22:30 UTC): a Paris day, not a UTC one.
      cheque: await makePayment(t, {
        ...base,
        familyId: b!.familyId,
        provider: 'counter',
        method: 'cheque',
        invoices: [b!.invoice],
        settle: { status: 'paid', at: new Date('2026-11-30T22:30:00Z') },
      }),
      refused: await makePayment(t, {
        ...base,
        familyId: c!.familyId,
        provider: 'payfip',
        method: 'card',
        invoices: [c!.invoice],
        settle: { status: 'refused', at: new Date('2026-12-01T12:00:00Z') },
      }),
      // Outside the default period (today and the 7 days before).
      old: await makePayment(t, {
        ...base,
        familyId: d!.familyId,
        provider: 'counter',
        method: 'cash',
        invoices: [d!.invoice],
        settle: { status: 'paid', at: new Date('2026-11-10T10:00:00Z') },
      }),
    };
  });

  it('lists today and the 7 days before by default, newest first, with each payment’s invoices, family and reference', async () => {
    const http = await signedInAgent(t, 'tarnos');
    const res = await http.get('/tarnos/agents/facturation/paiements');
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe('Paiements');
    expect(p.fieldValue('du')).toBe('25/11/2026');
    expect(p.fieldValue('au')).toBe('02/12/2026');
    const rows = p.rows('table:has(#payments-caption)');
    expect(rows.map((r) => r.header)).toEqual([
      `01/12/2026 à 13:00 : paiement ${ids.refused.reference}`,
      `01/12/2026 à 11:00 : paiement ${ids.online.reference}`,
      `30/11/2026 à 23:30 : paiement ${ids.cheque.reference}`,
    ]);
    const online = rows[1]!;
    expect(online.cells).toEqual([
      'ARNAUD',
      'En ligne – banque de démonstration',
      '15,20\u00a0€',
      invoiceNumber,
      ids.online.reference,
      'Payé',
    ]);
    expect(online.el.find(`a[href="/tarnos/agents/facturation/factures/${invoiceId}"]`).text()).toBe(invoiceNumber);
    expect(online.el.find(`a[href="/tarnos/agents/familles/${ids.online.familyId}"]`).text()).toBe('ARNAUD');
    expect(online.el.find('th a').attr('href')).toBe(`/tarnos/agents/facturation/paiements/${ids.online.id}`);
    expect(rows[0]!.cells.at(-1)).toBe('Refusé');

    // Money received: the paid ones only, by channel and by Paris day.
    expect(p.rows('table:has(#channels-caption)').map((r) => [r.header, ...r.cells])).toEqual([
      ['En ligne – banque de démonstration', '1', '15,20\u00a0€'],
      ['Guichet – chèque', '1', '15,20\u00a0€'],
      ['Total', '2', '30,40\u00a0€'],
    ]);
    expect(p.rows('table:has(#days-caption)').map((r) => [r.header, ...r.cells])).toEqual([
      ['mardi 1er décembre', '1', '15,20\u00a0€'],
      ['lundi 30 novembre', '1', '15,20\u00a0€'],
    ]);
  });

  it('filters by period, channel and status', async () => {
    const http = await signedInAgent(t, 'tarnos');
    const headers = async (query: string) => {
      const p = page(await http.get(`/tarnos/agents/facturation/paiements?${query}`));
      return p.rows('table:has(#payments-caption)').map((r) => r.el.find('th a').attr('href')!.split('/').at(-1));
    };
    expect(await headers('du=01/11/2026&au=30/11/2026')).toEqual([ids.cheque.id, ids.old.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&canal=guichet')).toEqual([ids.cheque.id, ids.old.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&canal=especes')).toEqual([ids.old.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&canal=en-ligne')).toEqual([ids.refused.id, ids.online.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&canal=payfip')).toEqual([ids.refused.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&statut=refuse')).toEqual([ids.refused.id]);
    expect(await headers('du=2026-11-01&au=2026-12-02&statut=paye&famille=' + ids.online.familyId)).toEqual([ids.online.id]);

    const refusedOnly = page(await http.get('/tarnos/agents/facturation/paiements?statut=refuse'));
    expect(refusedOnly.selected('statut')).toBe('refuse');
    expect(refusedOnly.has('#channels-caption')).toBe(false);
    expect(refusedOnly.text()).toContain('Aucun paiement reçu sur cette période avec ces filtres.');

    const none = page(await http.get('/tarnos/agents/facturation/paiements?du=01/01/2026&au=31/01/2026'));
    expect(none.text('.results-count')).toBe('Aucun paiement.');
  });

  it('downloads the filtered list as CSV', async () => {
    const http = await signedInAgent(t, 'tarnos');
    const res = await http.get('/tarnos/agents/facturation/paiements?du=2026-11-01&au=2026-12-02&canal=guichet&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.text.replace('\ufeff', '').trim().split('\r\n');
    expect(lines.length).toBe(3);
    expect(lines[1]).toMatch(/^30\/11\/2026;23:30;BERTIN;Guichet – chèque;Payé;15,20;/);
  });

  it('opens a payment with its invoices and its trail, forged attempts included; another town’s is the 404', async () => {
    await event(t, {
      townId: ids.online.townId,
      paymentId: ids.online.id,
      provider: 'builtin',
      channel: 'notification',
      outcome: 'forged',
      detail: 'Signature invalide',
      remoteAddress: '203.0.113.9',
    });
    await event(t, {
      townId: ids.online.townId,
      paymentId: ids.online.id,
      provider: 'builtin',
      channel: 'notification',
      outcome: 'applied',
      status: 'paid',
      remoteAddress: 'banque-de-demonstration',
    });
    const http = await signedInAgent(t, 'tarnos');
    const res = await http.get(`/tarnos/agents/facturation/paiements/${ids.online.id}`);
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe(`Paiement ${ids.online.reference}`);
    expect(p.dd('Montant')).toBe('15,20\u00a0€');
    expect(p.dd('Famille')).toBe('ARNAUD');
    expect(p.row(invoiceNumber, 'table:has(#invoices-caption)').cells).toEqual(['novembre 2026', '15,20\u00a0€', 'Oui']);
    const trail = p.rows('table:has(#events-caption)');
    expect(trail.map((r) => r.cells.slice(0, 2))).toEqual([
      ['Notification du prestataire', 'Falsifié : signature invalide, rien n’a changé'],
      ['Notification du prestataire', 'Pris en compte'],
    ]);
    expect(trail[0]!.el.find('td').eq(3).contents().first().text()).toBe('Signature invalide');
    expect(trail[0]!.el.find('td').eq(3).find('.hint').text()).toBe('Adresse IP 203.0.113.9');
    // The status the provider announced and where the call came from, in French, not the codes.
    expect(trail[1]!.cells[2]).toBe('Payé');
    expect(trail[1]!.el.find('td').eq(3).find('.hint').text()).toBe('Envoyée par la banque de démonstration');
    // The provider's account of the payment under French labels, its instant on Paris clocks.
    expect(p.dd('Banque')).toBe('Banque de démonstration');
    expect(p.dd('Notification signée')).toBe('le 01/12/2026 à 11:00');
    expect(p.text('main')).not.toContain('signedAt');

    const bayeux = await invoicedFamilies(t, 'bayeux', ['ELOI']);
    const foreign = await makePayment(t, {
      townId: bayeux.townId,
      regieId: bayeux.regieId,
      familyId: bayeux.families[0]!.familyId,
      provider: 'builtin',
      method: 'card',
      invoices: [bayeux.families[0]!.invoices[0]!],
    });
    expect((await http.get(`/tarnos/agents/facturation/paiements/${foreign.id}`)).status).toBe(404);
    expect((await http.get('/tarnos/agents/facturation/paiements/pas-un-id')).status).toBe(404);
    // Nor does it appear in the town's list.
    const list = page(await http.get('/tarnos/agents/facturation/paiements?du=2020-01-01&au=2026-12-31'));
    expect(list.links('main').some((l) => l.href.endsWith(foreign.id))).toBe(false);
    // Signed out: the 404 of an unknown page.
    expect((await t.agent().get(`/tarnos/agents/facturation/paiements/${ids.online.id}`)).status).toBe(404);
    expect((await t.agent().get('/tarnos/agents/facturation/paiements')).status).toBe(404);
  });
});

describe('a long list', () => {
  it('is paginated like the invoices, the filters kept in the links; the hub links to it', async () => {
    const { townId, regieId, families } = await invoicedFamilies(t, 'bayeux', ['SIMON']);
    const { familyId, invoices } = families[0]!;
    // 26 attempts left open on the same invoice (the family came back to the bank page again and again).
    const made: Payment[] = [];
    for (let i = 0; i < 26; i++) {
      made.push(
        await makePayment(t, {
          townId,
          regieId,
          familyId,
          provider: 'payfip',
          method: 'card',
          invoices: [invoices[0]!],
          status: 'pending',
        }),
      );
    }
    const http = await signedInAgent(t, 'bayeux');
    const hub = page(await http.get('/bayeux/agents/facturation'));
    expect(hub.links('main').filter((l) => ['Paiements', 'rapprochement du jour'].includes(l.text))).toEqual([
      { text: 'Paiements', href: '/bayeux/agents/facturation/paiements' },
      { text: 'rapprochement du jour', href: '/bayeux/agents/facturation/rapprochement' },
    ]);
    // Open payments count on the day they started, at the database's clock.
    const day = parisDay(made[0]!.createdAt);
    const [du, au] = [addDays(day, -1), addDays(day, 1)];
    const first = page(await http.get(`/bayeux/agents/facturation/paiements?du=${du}&au=${au}&canal=payfip`));
    expect(first.text('.results-count')).toBe('26 paiements – page 1 sur 2.');
    expect(first.rows('table:has(#payments-caption)').length).toBe(25);
    const next = first.links('.pagination').find((l) => l.text.startsWith('Page suivante'))!;
    expect(next.href).toBe(`/bayeux/agents/facturation/paiements?du=${du}&au=${au}&canal=payfip&page=2`);
    const second = page(await http.get(next.href));
    expect(second.title()).toMatch(/^Paiements – page 2 /);
    const rows = second.rows('table:has(#payments-caption)');
    expect(rows.length).toBe(1);
    expect(made.map((p) => p.id)).toContain(rows[0]!.el.find('th a').attr('href')!.split('/').at(-1));
  });
});

describe('the daily reconciliation', () => {
  it('lists a pending payment (past the hour), a payment received for an invoice already paid, and a forged notification', async () => {
    const { townId, regieId, families } = await invoicedFamilies(t, 'villennes', ['FABRE', 'GIRARD']);
    const [f, g] = families;
    const base = { townId, regieId };
    // FABRE's invoice paid online at 10:00, then paid again by a slower online payment at 10:20.
    await makePayment(t, {
      ...base,
      familyId: f!.familyId,
      provider: 'builtin',
      method: 'card',
      invoices: [f!.invoices[0]!],
      settle: { status: 'paid', at: new Date('2026-12-02T09:00:00Z') },
    });
    const twice = await makePayment(t, {
      ...base,
      familyId: f!.familyId,
      provider: 'builtin',
      method: 'card',
      invoices: [f!.invoices[0]!],
      settle: { status: 'paid', at: new Date('2026-12-02T09:20:00Z') },
    });
    const pending = await makePayment(t, {
      ...base,
      familyId: g!.familyId,
      provider: 'builtin',
      method: 'card',
      invoices: [g!.invoices[0]!],
      status: 'pending',
    });
    await event(t, {
      townId,
      paymentId: null,
      provider: 'builtin',
      channel: 'notification',
      outcome: 'forged',
      detail: 'Signature invalide',
    });

    // The pending payment started at the database's clock: look two hours later, on its day.
    const later = new Date(pending.createdAt.getTime() + 2 * 3600_000);
    t.clock.set(later.toISOString());
    const http = await signedInAgent(t, 'villennes');
    const day = parisDay(pending.createdAt);
    const p = page(await http.get(`/villennes/agents/facturation/rapprochement?jour=${day}`));
    expect(p.heading()).toBe(`Rapprochement du ${dayLabel(day)}`);
    const byReference = (q: typeof p, table: string, reference: string) => {
      const found = q.rows(`table:has(#${table}-caption)`).find((r) => r.el.find('th a').text() === reference);
      if (!found) throw new Error(`no payment ${reference} in ${table}`);
      return found;
    };
    const open = byReference(p, 'open', pending.reference);
    expect(open.cells[0]).toBe('2 h 00 : plus d’une heure');
    expect(open.el.find('.status-tag--late').length).toBe(1);
    // The forged notification came in at the database's clock too.
    expect(p.rows('table:has(#alerts-caption)').map((r) => r.cells.slice(1, 3))).toEqual([
      ['Falsifié : signature invalide, rien n’a changé', 'Signature invalide'],
    ]);

    // The payment received for an invoice already paid is of 2 December.
    const dec2 = page(await http.get('/villennes/agents/facturation/rapprochement?jour=02/12/2026'));
    expect(dec2.heading()).toBe('Rapprochement du mercredi 2 décembre');
    const row = byReference(dec2, 'twice', twice.reference);
    expect(row.cells.at(-1)).toBe(`À rembourser ${f!.invoices[0]!.number} (déjà payée)`);
    // Both payments were received: the totals count the money as it came (the second is to give back).
    expect(dec2.rows('table:has(#totals-caption)').map((r) => [r.header, ...r.cells])).toEqual([
      ['En ligne – banque de démonstration', '2', '30,40\u00a0€'],
      ['Total', '2', '30,40\u00a0€'],
    ]);
    expect(dec2.text()).toContain('Aucun paiement refusé, abandonné ou en échec ce jour-là.');
    expect(dec2.text()).toContain('Aucun prélèvement rejeté ce jour-là.');

    // A quiet day says so in French.
    const quiet = page(await http.get('/villennes/agents/facturation/rapprochement?jour=2026-11-15'));
    expect(quiet.text()).toContain('Aucun paiement reçu ce jour-là.');
    expect(quiet.text()).toContain('Aucune facture payée deux fois ce jour-là.');
    expect(quiet.text()).toContain('Aucune notification falsifiée, incohérente ou inconnue ce jour-là, et aucun prestataire injoignable.');
  });
});
