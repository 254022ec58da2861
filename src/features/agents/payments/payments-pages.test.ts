import { describe, expect, it } from 'vitest';
import { channelLabel, parsePaymentFilters, paymentSearch, paymentsCsv, pendingAge, summarizeTotals } from './payments-pages.js';

describe('the payments list filters', () => {
  const today = '2026-12-02';

  it('defaults to today and the 7 days before, every channel and status', () => {
    expect(parsePaymentFilters({}, today)).toEqual({
      from: '2026-11-25',
      to: '2026-12-02',
      channel: '',
      status: '',
      familyId: '',
      page: 1,
      csv: false,
    });
  });

  it('reads French days, turns a backwards period round, cuts one longer than a year and ignores unknown values', () => {
    const f = parsePaymentFilters({ du: '30/11/2026', au: '2026-11-01', canal: 'bitcoin', statut: 'paye', page: '-3' }, today);
    expect(f).toMatchObject({ from: '2026-11-01', to: '2026-11-30', channel: '', status: 'paye', page: 1 });
    expect(parsePaymentFilters({ du: '01/01/2020', au: '31/12/2026' }, today).from).toBe('2025-12-30');
    expect(parsePaymentFilters({ du: '31/02/2026' }, today).from).toBe('2026-11-25');
  });

  it('turns a channel into providers and a method, a status into statuses, and the last day into the next midnight', () => {
    const bounds = (day: string) => new Date(`${day}T00:00:00Z`);
    const s = paymentSearch({ ...parsePaymentFilters({ canal: 'cheque', statut: 'en-attente' }, today) }, bounds);
    expect(s).toEqual({
      from: new Date('2026-11-25T00:00:00Z'),
      to: new Date('2026-12-03T00:00:00Z'),
      providers: ['counter'],
      method: 'cheque',
      statuses: ['created', 'pending'],
    });
    expect(paymentSearch(parsePaymentFilters({ canal: 'en-ligne' }, today), bounds).providers).toEqual(['builtin', 'payfip']);
  });
});

describe('the totals of money received', () => {
  it('adds by day, newest first, and by channel in the list order', () => {
    const t = summarizeTotals([
      { day: '2026-12-02', provider: 'counter', method: 'cheque', count: 2, amountCents: 3040 },
      { day: '2026-12-01', provider: 'payfip', method: 'card', count: 1, amountCents: 1520 },
      { day: '2026-12-02', provider: 'builtin', method: 'card', count: 1, amountCents: 760 },
    ]);
    expect(t.byDay.map((d) => [d.day, d.count, d.amountCents])).toEqual([
      ['2026-12-02', 3, 3800],
      ['2026-12-01', 1, 1520],
    ]);
    expect(t.byChannel.map((c) => [c.label, c.amountCents])).toEqual([
      ['En ligne – banque de démonstration', 760],
      ['En ligne – PayFiP', 1520],
      ['Guichet – chèque', 3040],
    ]);
    expect(t.all).toEqual({ label: 'Total', count: 4, amountCents: 5320 });
  });

  it('names each channel', () => {
    expect(channelLabel({ provider: 'counter', method: 'cesu' })).toBe('Guichet – CESU');
    expect(channelLabel({ provider: 'counter', method: 'cash' })).toBe('Guichet – espèces');
    expect(channelLabel({ provider: 'direct_debit', method: 'direct_debit' })).toBe('Prélèvement');
  });
});

describe('a pending payment’s age', () => {
  it('counts minutes, then hours, and stands out from the hour', () => {
    const start = new Date('2026-12-02T09:00:00Z');
    expect(pendingAge(start, new Date('2026-12-02T09:59:30Z'))).toEqual({ label: '59 min', late: false });
    expect(pendingAge(start, new Date('2026-12-02T12:05:00Z'))).toEqual({ label: '3 h 05', late: true });
    expect(pendingAge(start, new Date('2026-12-02T08:00:00Z'))).toEqual({ label: '0 min', late: false });
  });
});

describe('the CSV of a list', () => {
  it('writes French cells, neutralises formulas and says which invoice was paid twice', () => {
    const csv = paymentsCsv([
      {
        id: 'x',
        townId: 't',
        regieId: 'r',
        familyId: 'f',
        accountId: null,
        provider: 'builtin',
        method: 'card',
        amountCents: 3040,
        status: 'paid',
        reference: 'ABC123',
        providerPaymentId: null,
        providerDetails: {},
        failure: null,
        note: '=cmd',
        actorLabel: null,
        createdAt: new Date('2026-12-01T22:30:00Z'),
        paidAt: new Date('2026-12-01T23:30:00Z'),
        settledAt: new Date('2026-12-01T23:30:00Z'),
        lastCheckedAt: null,
        checkAttempts: 0,
        familyName: 'MARTIN',
        invoices: [
          { number: 'R1-2026-000001', applied: true },
          { number: 'R1-2026-000002', applied: false },
        ],
      },
    ]);
    const [header, line] = csv.replace('\ufeff', '').split('\r\n');
    expect(header).toBe('Date;Heure;Famille;Canal;État;Montant (€);Factures;Référence;Opération du prestataire;Note');
    // 23:30 UTC is 00:30 the next day in Paris.
    expect(line).toBe(
      "02/12/2026;00:30;MARTIN;En ligne – banque de démonstration;Payé;30,40;R1-2026-000001, R1-2026-000002 (déjà payée);ABC123;;'=cmd",
    );
  });
});
