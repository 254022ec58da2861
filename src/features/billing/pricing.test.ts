import { describe, expect, it } from 'vitest';
import {
  bookedDay,
  bracketFor,
  creditNoteCheck,
  dueDate,
  effortPrice,
  groupInvoices,
  invoiceStatus,
  isResident,
  MissingTariffError,
  percentOf,
  priceDay,
  priceRecord,
  roundDiv,
  siblingRanks,
  tariffErrors,
  total,
  unitPrice,
  type DayRecord,
  type FamilyPricing,
  type Tariff,
} from './pricing.js';
import { recapPrice } from './recap-price.js';

// Talloires-Montmin's brackets (billing-payments.md § 1): QF < 1100 → 0,99 €, then 3,80 / 4,30 / 4,80 €.
const brackets: Tariff = {
  id: 't-brackets',
  activityId: 'cantine',
  effectiveFrom: '2026-09-01',
  model: 'brackets',
  brackets: [
    { qfMin: 0, priceCents: 99, nonResidentPriceCents: 480 },
    { qfMin: 1100, priceCents: 380, nonResidentPriceCents: 480 },
    { qfMin: 1500, priceCents: 430, nonResidentPriceCents: null },
    { qfMin: 2000, priceCents: 480, nonResidentPriceCents: null },
  ],
  sibling2ReductionBp: 1000,
  sibling3ReductionBp: 2500,
  category: 'repas',
};

// Fay-aux-Loges (same reference): 0,36 % of the QF, at least 2,60 €, at most 4,50 €.
const effort: Tariff = {
  id: 't-effort',
  activityId: 'garderie',
  effectiveFrom: '2026-09-01',
  model: 'effort',
  effortRatePpm: 3600,
  effortFloorCents: 260,
  effortCeilingCents: 450,
  nonResidentPriceCents: 600,
  sibling2ReductionBp: 0,
  sibling3ReductionBp: 0,
  category: 'garde',
};

const resident = { resident: true, siblingRank: 1 };

describe('the rounding rule: per line, half away from zero, integer cents', () => {
  it('rounds halves away from zero and the rest to the nearest cent', () => {
    expect(roundDiv(5, 10)).toBe(1);
    expect(roundDiv(4, 10)).toBe(0);
    expect(roundDiv(15, 10)).toBe(2);
    expect(roundDiv(25, 10)).toBe(3); // not banker's rounding (which gives 2)
    expect(roundDiv(-25, 10)).toBe(-3);
    expect(roundDiv(-24, 10)).toBe(-2);
    expect(roundDiv(0, 7)).toBe(0);
  });

  it('never goes through a float: 17 × 4,15 € is 70,55 € (Noethys#74 printed 70,49)', () => {
    expect(total(Array.from({ length: 17 }, () => ({ amountCents: 415 })))).toBe(7055);
    expect(percentOf(333, 3000)).toBe(100); // 99,9 → 100
    expect(percentOf(415, 3000)).toBe(125); // 124,5 → 125
  });

  it('refuses what it cannot compute exactly', () => {
    expect(() => roundDiv(1.5, 10)).toThrow(RangeError);
    expect(() => roundDiv(1, 0)).toThrow(RangeError);
  });
});

describe('brackets of quotient familial', () => {
  it('puts each QF in its bracket, bounds included in the upper bracket', () => {
    expect(unitPrice(brackets, { qf: 0, ...resident })).toBe(99);
    expect(unitPrice(brackets, { qf: 1099, ...resident })).toBe(99);
    expect(unitPrice(brackets, { qf: 1100, ...resident })).toBe(380);
    expect(unitPrice(brackets, { qf: 1499, ...resident })).toBe(380);
    expect(unitPrice(brackets, { qf: 1500, ...resident })).toBe(430);
    expect(unitPrice(brackets, { qf: 1999, ...resident })).toBe(430);
    expect(unitPrice(brackets, { qf: 2000, ...resident })).toBe(480);
    expect(unitPrice(brackets, { qf: 99999, ...resident })).toBe(480);
  });

  it('bills the highest bracket when the family has no QF on file', () => {
    expect(unitPrice(brackets, { qf: null, ...resident })).toBe(480);
    expect(bracketFor([...brackets.brackets].reverse(), null).qfMin).toBe(2000);
  });

  it('bills a non-resident family its own price where the bracket has one', () => {
    expect(unitPrice(brackets, { qf: 500, resident: false, siblingRank: 1 })).toBe(480);
    expect(unitPrice(brackets, { qf: 1600, resident: false, siblingRank: 1 })).toBe(430);
  });
});

describe("taux d'effort with a floor and a ceiling", () => {
  it('is 0,36 % of the QF between its bounds', () => {
    expect(effortPrice(effort as Extract<Tariff, { model: 'effort' }>, 1000)).toBe(360);
    expect(unitPrice(effort, { qf: 1001, ...resident })).toBe(360); // 360,36 → 360
    expect(unitPrice(effort, { qf: 1014, ...resident })).toBe(365); // 365,04 → 365
    expect(unitPrice(effort, { qf: 1125, ...resident })).toBe(405); // 405,00
    expect(unitPrice(effort, { qf: 1126, ...resident })).toBe(405); // 405,36 → 405
    expect(unitPrice(effort, { qf: 1138, ...resident })).toBe(410); // 409,68 → 410
  });

  it('rounds a half cent up', () => {
    // 0,0125 % of the QF: 1 220 € → 15,25 c → 15; 1 240 € → 15,5 c → 16; 1 260 € → 15,75 c → 16.
    const tiny: Tariff = { ...effort, effortRatePpm: 125, effortFloorCents: 0, effortCeilingCents: 10_000 };
    expect(unitPrice(tiny, { qf: 1220, ...resident })).toBe(15);
    expect(unitPrice(tiny, { qf: 1240, ...resident })).toBe(16);
    expect(unitPrice(tiny, { qf: 1260, ...resident })).toBe(16);
  });

  it('stops at the floor and at the ceiling, bounds included', () => {
    expect(unitPrice(effort, { qf: 0, ...resident })).toBe(260);
    expect(unitPrice(effort, { qf: 722, ...resident })).toBe(260); // 259,92 → 260, the floor anyway
    expect(unitPrice(effort, { qf: 700, ...resident })).toBe(260); // 252 → floor
    expect(unitPrice(effort, { qf: 723, ...resident })).toBe(260); // 260,28 → 260
    expect(unitPrice(effort, { qf: 1250, ...resident })).toBe(450); // exactly the ceiling
    expect(unitPrice(effort, { qf: 1251, ...resident })).toBe(450); // 450,36 → ceiling
    expect(unitPrice(effort, { qf: 5000, ...resident })).toBe(450);
  });

  it('bills the ceiling without a QF, and the non-resident price to non-residents', () => {
    expect(unitPrice(effort, { qf: null, ...resident })).toBe(450);
    expect(unitPrice(effort, { qf: 300, resident: false, siblingRank: 1 })).toBe(600);
  });
});

describe('residence and siblings', () => {
  it('is resident when the town lists no codes, the family has none, or it is listed', () => {
    expect(isResident('14400', [])).toBe(true);
    expect(isResident('', ['14400'])).toBe(true);
    expect(isResident(' 14400 ', ['14400'])).toBe(true);
    expect(isResident('75011', ['14400'])).toBe(false);
  });

  it('takes 10 % off the second child and 25 % off the third and following, the eldest paying full price', () => {
    expect(unitPrice(brackets, { qf: 1200, resident: true, siblingRank: 1 })).toBe(380);
    expect(unitPrice(brackets, { qf: 1200, resident: true, siblingRank: 2 })).toBe(342);
    expect(unitPrice(brackets, { qf: 1200, resident: true, siblingRank: 3 })).toBe(285);
    expect(unitPrice(brackets, { qf: 1200, resident: true, siblingRank: 4 })).toBe(285);
    // 0,99 € less 10 % = 0,891 → 0,89 €; less 25 % = 0,7425 → 0,74 €.
    expect(unitPrice(brackets, { qf: 100, resident: true, siblingRank: 2 })).toBe(89);
    expect(unitPrice(brackets, { qf: 100, resident: true, siblingRank: 3 })).toBe(74);
  });

  it('ranks the children enrolled that day eldest first, unknown birth dates last', () => {
    const ranks = siblingRanks([
      { childId: 'c', birthDate: null },
      { childId: 'b', birthDate: '2019-05-01' },
      { childId: 'a', birthDate: '2017-02-10' },
    ]);
    expect([...ranks.entries()]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });
});

describe('one day', () => {
  const facts = (over: Partial<Parameters<typeof priceDay>[0]>) => ({ booked: false, attendance: null, justifiedAbsence: false, ...over });

  it('bills a reserved day at the unit price, present or absent without an accepted justification', () => {
    expect(priceDay(facts({ booked: true, attendance: { present: true, reserved: true } }), 380, 3000)).toEqual({
      kind: 'reserved_present',
      unitPriceCents: 380,
      surchargeBp: 0,
      amountCents: 380,
      reason: 'Réservé, présent',
    });
    expect(priceDay(facts({ booked: true, attendance: { present: false, reserved: true } }), 380, 3000)).toMatchObject({
      kind: 'reserved_absent_unjustified',
      amountCents: 380,
      reason: 'Réservé, absent sans justification acceptée',
    });
    expect(priceDay(facts({ booked: true }), 380, 3000)).toMatchObject({ kind: 'reserved', amountCents: 380, reason: 'Réservé' });
  });

  it('bills a walk-in 30 % more, rounded once for the line', () => {
    expect(priceDay(facts({ attendance: { present: true, reserved: false } }), 380, 3000)).toEqual({
      kind: 'unreserved_surcharge',
      unitPriceCents: 380,
      surchargeBp: 3000,
      amountCents: 494,
      reason: 'Venu sans réservation : tarif majoré de 30\u00a0%',
    });
    // 0,99 € × 1,3 = 1,287 → 1,29 €; 4,15 € × 1,3 = 5,395 → 5,40 € (half away from zero).
    expect(priceDay(facts({ attendance: { present: true, reserved: false } }), 99, 3000)?.amountCents).toBe(129);
    expect(priceDay(facts({ attendance: { present: true, reserved: false } }), 415, 3000)?.amountCents).toBe(540);
    expect(priceDay(facts({ attendance: { present: true, reserved: false } }), 400, 1250)?.reason).toBe(
      'Venu sans réservation : tarif majoré de 12,5\u00a0%',
    );
  });

  it('bills nothing for an accepted absence, and says why', () => {
    expect(priceDay(facts({ booked: true, justifiedAbsence: true }), 380, 3000)).toEqual({
      kind: 'absent_justified',
      unitPriceCents: 380,
      surchargeBp: 0,
      amountCents: 0,
      reason: 'Absence justifiée acceptée : non facturé',
    });
    expect(priceDay(facts({ justifiedAbsence: true, attendance: { present: false, reserved: true } }), 380, 3000)?.amountCents).toBe(0);
  });

  it('trusts the sheet over a booking changed after it, and says nothing of a day neither booked nor attended', () => {
    // The booking was cancelled after the sheet recorded the child as booked and absent: still billed.
    expect(priceDay(facts({ booked: false, attendance: { present: false, reserved: true } }), 380, 3000)?.amountCents).toBe(380);
    expect(priceDay(facts({}), 380, 3000)).toBeNull();
    expect(priceDay(facts({ attendance: { present: false, reserved: false } }), 380, 3000)).toBeNull();
    // A child who came despite an accepted absence is billed for the meal eaten.
    expect(
      priceDay(facts({ booked: true, justifiedAbsence: true, attendance: { present: true, reserved: true } }), 380, 3000)?.amountCents,
    ).toBe(380);
  });
});

describe('a family month', () => {
  const record = (day: string, over: Partial<DayRecord> = {}): DayRecord => ({ ...bookedDay('emma', 'cantine', day), ...over });
  const family = (over: Partial<FamilyPricing> = {}): FamilyPricing => ({
    tariffs: new Map([['cantine', [brackets]]]),
    quotients: [{ qf: 1200, effectiveFrom: '2026-01-01' }],
    resident: true,
    surchargeBp: 3000,
    rank: () => 1,
    ...over,
  });

  it('prices each day at the QF in force that day when it changes mid-month', () => {
    const f = family({
      quotients: [
        { qf: 2100, effectiveFrom: '2025-01-01' },
        { qf: 900, effectiveFrom: '2026-11-16' },
      ],
    });
    const lines = ['2026-11-12', '2026-11-13', '2026-11-16', '2026-11-17'].map((d) => priceRecord(record(d), f)!);
    expect(lines.map((l) => [l.day, l.qf, l.amountCents])).toEqual([
      ['2026-11-12', 2100, 480],
      ['2026-11-13', 2100, 480],
      ['2026-11-16', 900, 99],
      ['2026-11-17', 900, 99],
    ]);
    expect(total(lines)).toBe(1158);
  });

  it('prices each day at the tariff in force that day', () => {
    const raised: Tariff = {
      ...brackets,
      id: 't-2027',
      effectiveFrom: '2027-01-01',
      brackets: [{ qfMin: 0, priceCents: 400, nonResidentPriceCents: null }],
    };
    const f = family({ tariffs: new Map([['cantine', [raised, brackets]]]) });
    expect(priceRecord(record('2026-12-17'), f)).toMatchObject({ tariffId: 't-brackets', amountCents: 380 });
    expect(priceRecord(record('2027-01-04'), f)).toMatchObject({ tariffId: 't-2027', amountCents: 400 });
  });

  it('refuses to bill a day without a tariff in force rather than billing 0', () => {
    expect(() => priceRecord(record('2026-08-31'), family())).toThrow(MissingTariffError);
    // A day with nothing to bill needs no tariff.
    expect(priceRecord(record('2026-08-31', { booked: false }), family())).toBeNull();
  });

  it('adds up: a month of every kind of day', () => {
    const f = family();
    const lines = [
      record('2026-11-02', { attendance: { present: true, reserved: true } }), // 3,80
      record('2026-11-03', { attendance: { present: false, reserved: true } }), // 3,80
      record('2026-11-05', { justifiedAbsence: true, absenceRequestId: 'req' }), // 0
      record('2026-11-06', { booked: false, attendance: { present: true, reserved: false } }), // 4,94
      record('2026-11-09', { booked: false }), // no line
      record('2026-11-10', { childId: 'lucas' }), // second child: 3,42
    ]
      .map((r) =>
        priceRecord(r, {
          ...f,
          rank: (child) => (child === 'lucas' ? 2 : 1),
        }),
      )
      .filter((l) => l !== null);
    expect(lines.map((l) => [l.day, l.kind, l.amountCents])).toEqual([
      ['2026-11-02', 'reserved_present', 380],
      ['2026-11-03', 'reserved_absent_unjustified', 380],
      ['2026-11-05', 'absent_justified', 0],
      ['2026-11-06', 'unreserved_surcharge', 494],
      ['2026-11-10', 'reserved', 342],
    ]);
    const [invoice] = groupInvoices(lines, false);
    expect(invoice!.totalCents).toBe(380 + 380 + 0 + 494 + 342);
    expect(invoice!.totalCents).toBe(total(invoice!.lines));
  });

  it('splits the invoice between separated parents by who booked, the rest to the payer', () => {
    const f = family();
    const lines = [
      record('2026-11-02', { bookedBy: 'papa' }),
      record('2026-11-03', { bookedBy: 'maman' }),
      record('2026-11-05', { bookedBy: 'maman' }),
      record('2026-11-06', { booked: false, attendance: { present: true, reserved: false } }),
    ].map((r) => priceRecord(r, f)!);
    expect(groupInvoices(lines, true).map((g) => [g.accountId, g.lines.map((l) => l.day), g.totalCents])).toEqual([
      [null, ['2026-11-06'], 494],
      ['maman', ['2026-11-03', '2026-11-05'], 760],
      ['papa', ['2026-11-02'], 380],
    ]);
    expect(groupInvoices(lines, false).map((g) => [g.accountId, g.totalCents])).toEqual([[null, 1634]]);
  });

  it('issues no invoice for a month whose lines are all free', () => {
    const line = priceRecord(record('2026-11-05', { justifiedAbsence: true }), family())!;
    expect(groupInvoices([line], false)).toEqual([]);
  });

  it("prices the recap's changes per child as the invoice bills them", () => {
    const f = family({
      quotients: [
        { qf: 2100, effectiveFrom: '2025-01-01' },
        { qf: 900, effectiveFrom: '2026-11-16' },
      ],
      rank: (child) => (child === 'lucas' ? 2 : 1),
    });
    expect(
      recapPrice(
        {
          activityId: 'cantine',
          children: [
            { childId: 'emma', added: ['2026-11-12', '2026-11-16'], cancelled: ['2026-11-19'] },
            { childId: 'lucas', added: ['2026-11-12'], cancelled: [] },
          ],
        },
        f,
      ),
    ).toEqual([
      // The QF changes on the 16th: the two days added have no common price.
      {
        childId: 'emma',
        addedDays: 2,
        addedCents: 480 + 99,
        cancelledDays: 1,
        cancelledCents: 99,
        netCents: 480,
        addedUnitCents: null,
        cancelledUnitCents: 99,
      },
      // 4,80 € less 10 % = 4,32 €
      {
        childId: 'lucas',
        addedDays: 1,
        addedCents: 432,
        cancelledDays: 0,
        cancelledCents: 0,
        netCents: 432,
        addedUnitCents: 432,
        cancelledUnitCents: null,
      },
    ]);
  });
});

describe('credit notes, due dates and statuses', () => {
  it('takes a credit note off what remains of the invoice, never more, never 0', () => {
    expect(creditNoteCheck(2014, 0, 494)).toEqual({ ok: true, balanceAfterCents: 1520 });
    expect(creditNoteCheck(2014, 494, 1520)).toEqual({ ok: true, balanceAfterCents: 0 });
    expect(creditNoteCheck(2014, 494, 1521)).toEqual({
      ok: false,
      message: 'L’avoir ne peut pas dépasser ce qui reste de la facture (15,20\u202f€).',
    });
    expect(creditNoteCheck(2014, 0, 0)).toEqual({ ok: false, message: 'Le montant de l’avoir doit être positif.' });
  });

  it("falls due on the town's day of the next month, or a month later when that leaves under ten days", () => {
    expect(dueDate('2026-11', '2026-12-02', 15)).toBe('2026-12-15');
    expect(dueDate('2026-11', '2026-12-05', 15)).toBe('2026-12-15');
    expect(dueDate('2026-11', '2026-12-06', 15)).toBe('2027-01-15');
    expect(dueDate('2026-12', '2027-01-03', 15)).toBe('2027-01-15');
    expect(dueDate('2026-12', '2027-01-03', 28)).toBe('2027-01-28');
  });

  it('is à payer until the due date, en retard after it, payée once paid or fully credited', () => {
    const invoice = { status: 'issued' as const, totalCents: 2014, dueOn: '2026-12-15' };
    expect(invoiceStatus(invoice, 0, '2026-12-15')).toBe('a_payer');
    expect(invoiceStatus(invoice, 0, '2026-12-16')).toBe('en_retard');
    expect(invoiceStatus(invoice, 494, '2026-12-16')).toBe('en_retard');
    expect(invoiceStatus(invoice, 2014, '2026-12-16')).toBe('payee');
    expect(invoiceStatus({ ...invoice, status: 'paid' }, 0, '2027-03-01')).toBe('payee');
  });
});

describe('what agents enter', () => {
  it('accepts a tariff of either model as given above', () => {
    expect(tariffErrors(brackets)).toEqual([]);
    expect(tariffErrors(effort)).toEqual([]);
  });

  it('says in French what is wrong with a tariff', () => {
    expect(tariffErrors({ ...brackets, model: 'brackets', brackets: [] })).toEqual(['Indiquez au moins une tranche.']);
    expect(
      tariffErrors({
        ...brackets,
        model: 'brackets',
        brackets: [
          { qfMin: 500, priceCents: 100, nonResidentPriceCents: null },
          { qfMin: 500, priceCents: -1, nonResidentPriceCents: null },
        ],
      }),
    ).toEqual([
      'La première tranche doit commencer à un quotient de 0 €.',
      'Deux tranches commencent au même quotient.',
      'Les prix vont de 0 à 100 000 €.',
    ]);
    expect(tariffErrors({ ...effort, effortFloorCents: 500, effortCeilingCents: 450 } as Tariff)).toEqual([
      'Le plancher ne peut pas dépasser le plafond.',
    ]);
    expect(tariffErrors({ ...effort, effortRatePpm: 0, sibling2ReductionBp: 10_001 } as Tariff)).toEqual([
      'Le taux d’effort doit être compris entre 0,0001 % et 100 %.',
      'Une réduction va de 0 à 100 %.',
    ]);
  });
});
