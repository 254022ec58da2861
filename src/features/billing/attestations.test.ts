import { describe, expect, it } from 'vitest';
import { paymentAttestation, taxAttestation, underSixOnFirstJanuary, type AttestedInvoice, type AttestedLine } from './attestations.js';

const invoice = (id: string, totalCents: number, creditsCents = 0): AttestedInvoice => ({
  id,
  number: `ENF-2026-${id}`,
  month: '2026-03-01',
  totalCents,
  creditsCents,
  paidAt: new Date('2026-04-10T10:00:00Z'),
});
const line = (invoiceId: string, over: Partial<AttestedLine> = {}): AttestedLine => ({
  invoiceId,
  childId: 'c1',
  childName: 'Emma TEST',
  birthDate: '2021-05-01',
  kind: 'reserved_present',
  unitPriceCents: 500,
  amountCents: 500,
  ...over,
});

describe('underSixOnFirstJanuary', () => {
  it('takes a child born after 1 January of year − 6, not one whose sixth birthday is that day', () => {
    expect(underSixOnFirstJanuary('2020-01-02', 2026)).toBe(true);
    expect(underSixOnFirstJanuary('2020-01-01', 2026)).toBe(false);
    expect(underSixOnFirstJanuary('2019-12-31', 2026)).toBe(false);
    expect(underSixOnFirstJanuary(null, 2026)).toBe(false);
  });
});

describe('taxAttestation', () => {
  it('counts the garde itself: absences billed as penalties count nothing, a walk-in its unit price without the surcharge', () => {
    const a = taxAttestation(
      2026,
      [invoice('1', 500 + 500 + 650)],
      [
        line('1'),
        line('1', { kind: 'reserved_absent_unjustified' }),
        line('1', { kind: 'unreserved_surcharge', unitPriceCents: 500, amountCents: 650 }),
        line('1', { kind: 'absent_justified', amountCents: 0 }),
      ],
    );
    expect(a.children).toEqual([{ childName: 'Emma TEST', birthDate: '2021-05-01', cents: 1000 }]);
    expect(a).toMatchObject({ totalCents: 1000, paidCents: 1650 });
  });

  it('leaves out children aged 6 or more on 1 January, and names those whose birth date is unknown', () => {
    const a = taxAttestation(
      2026,
      [invoice('1', 1500)],
      [
        line('1'),
        line('1', { childId: 'c2', childName: 'Léo TEST', birthDate: '2019-06-01' }),
        line('1', { childId: 'c3', childName: 'Zoé TEST', birthDate: null }),
      ],
    );
    expect(a.children.map((c) => c.childName)).toEqual(['Emma TEST']);
    expect(a.unknownBirthDates).toEqual(['Zoé TEST']);
    expect(a.totalCents).toBe(500);
  });

  it('deducts an invoice’s credit notes from its eligible amounts, child after child, never below zero', () => {
    const a = taxAttestation(
      2026,
      [invoice('1', 1000, 700), invoice('2', 500, 0)],
      [line('1'), line('1', { childId: 'c2', childName: 'Lucas TEST', birthDate: '2022-01-01' }), line('2')],
    );
    // Invoice 1: Emma 500 − 500, Lucas 500 − 200; invoice 2: Emma 500.
    expect(a.children).toEqual([
      { childName: 'Emma TEST', birthDate: '2021-05-01', cents: 500 },
      { childName: 'Lucas TEST', birthDate: '2022-01-01', cents: 300 },
    ]);
    expect(a).toMatchObject({ totalCents: 800, paidCents: 800 });
  });
});

describe('paymentAttestation', () => {
  it('lists each paid invoice on its day in Paris, for its total less its credit notes', () => {
    const late = { ...invoice('1', 1250, 250), paidAt: new Date('2026-04-30T22:30:00Z') };
    expect(paymentAttestation([late, invoice('2', 480)])).toEqual({
      payments: [
        { number: 'ENF-2026-1', month: '2026-03', paidOn: '2026-05-01', amountCents: 1000 },
        { number: 'ENF-2026-2', month: '2026-03', paidOn: '2026-04-10', amountCents: 480 },
      ],
      totalCents: 1480,
    });
  });
});
