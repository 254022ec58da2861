import { addDays } from '../../lib/calendar/index.js';
/**
 * The prices of billing, as pure functions of plain values (ADR 0015). Everything is an
 * integer: amounts in cents, percentages in basis points (1 bp = 0,01 %), the taux d'effort
 * in millionths of the QF (euros). There is one rounding rule, applied once per line:
 * the exact value of the line is rounded to the cent, half away from zero
 * (`roundDiv`). Totals are sums of rounded lines, so they always add up.
 */

export type LineKind = 'reserved' | 'reserved_present' | 'reserved_absent_unjustified' | 'unreserved_surcharge' | 'absent_justified';
export type Category = 'repas' | 'garde';

export interface Bracket {
  /** Lower bound of the bracket, euros, inclusive. The first bracket starts at 0. */
  qfMin: number;
  priceCents: number;
  /** What a non-resident family pays in this bracket (null: the same). */
  nonResidentPriceCents: number | null;
}

export type TariffModel =
  | { model: 'brackets'; brackets: Bracket[] }
  | {
      model: 'effort';
      /** Millionths of the QF: 0,36 % is 3600. */
      effortRatePpm: number;
      effortFloorCents: number;
      effortCeilingCents: number;
      nonResidentPriceCents: number | null;
    };

export type Tariff = TariffModel & {
  id: string;
  activityId: string;
  effectiveFrom: string;
  sibling2ReductionBp: number;
  sibling3ReductionBp: number;
  category: Category;
};

export interface QuotientRecord {
  qf: number;
  effectiveFrom: string;
}

/**
 * `numerator / denominator` rounded to the nearest integer, half away from zero, exactly
 * (integers only: no float ever decides a cent). The denominator is positive.
 */
export function roundDiv(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(`roundDiv needs safe integers and a positive denominator (${numerator} / ${denominator})`);
  }
  const sign = numerator < 0 ? -1 : 1;
  const n = Math.abs(numerator);
  const quotient = Math.floor(n / denominator);
  const remainder = n - quotient * denominator;
  const rounded = 2 * remainder >= denominator ? quotient + 1 : quotient;
  return sign * rounded;
}

/** `cents × bp / 10 000`, rounded by the one rule. */
export function percentOf(cents: number, bp: number): number {
  return roundDiv(cents * bp, 10_000);
}

/** The record in force on `day`: the latest whose `effectiveFrom` is on or before it. */
export function inForceOn<T extends { effectiveFrom: string }>(records: readonly T[], day: string): T | undefined {
  let found: T | undefined;
  for (const r of records) {
    if (r.effectiveFrom <= day && (!found || r.effectiveFrom > found.effectiveFrom)) found = r;
  }
  return found;
}

/** The family's QF on `day`, or null when none was in force (the highest bracket applies). */
export function qfOn(quotients: readonly QuotientRecord[], day: string): number | null {
  return inForceOn(quotients, day)?.qf ?? null;
}

/** The bracket of `qf`: the one with the greatest lower bound not above it; no QF → the highest bracket. */
export function bracketFor(brackets: readonly Bracket[], qf: number | null): Bracket {
  const sorted = [...brackets].sort((a, b) => a.qfMin - b.qfMin);
  const highest = sorted[sorted.length - 1];
  if (!highest) throw new Error('a brackets tariff needs at least one bracket');
  if (qf === null) return highest;
  let found = sorted[0]!;
  for (const b of sorted) if (b.qfMin <= qf) found = b;
  return found;
}

/**
 * The price of the taux d'effort: QF × rate, between the floor and the ceiling. No QF
 * means the ceiling (the "highest bracket" of this model).
 */
export function effortPrice(t: Extract<TariffModel, { model: 'effort' }>, qf: number | null): number {
  if (qf === null) return t.effortCeilingCents;
  // QF euros × 100 cents × ppm / 1 000 000 = QF × ppm / 10 000 cents.
  const raw = roundDiv(qf * t.effortRatePpm, 10_000);
  return Math.min(t.effortCeilingCents, Math.max(t.effortFloorCents, raw));
}

export interface PriceInput {
  qf: number | null;
  resident: boolean;
  /** 1 for the eldest child of the family enrolled in the activity that day, 2 for the next… */
  siblingRank: number;
}

/** The unit price of one day: the model's price for the QF and residence, less the sibling reduction. */
export function unitPrice(tariff: Tariff, input: PriceInput): number {
  let base: number;
  if (tariff.model === 'brackets') {
    const b = bracketFor(tariff.brackets, input.qf);
    base = !input.resident && b.nonResidentPriceCents !== null ? b.nonResidentPriceCents : b.priceCents;
  } else {
    base = !input.resident && tariff.nonResidentPriceCents !== null ? tariff.nonResidentPriceCents : effortPrice(tariff, input.qf);
  }
  const reductionBp = input.siblingRank >= 3 ? tariff.sibling3ReductionBp : input.siblingRank === 2 ? tariff.sibling2ReductionBp : 0;
  return base - percentOf(base, reductionBp);
}

/** What happened on one day for one child and activity, as the month's rows say it. */
export interface DayFacts {
  /** A confirmed, booked reservation exists for the day. */
  booked: boolean;
  /** The attendance sheet of the day, when an agent recorded it. */
  attendance: { present: boolean; reserved: boolean } | null;
  /** An absence of the day that the services accepted (absence_days.justified). */
  justifiedAbsence: boolean;
}

export interface DayPricing {
  kind: LineKind;
  unitPriceCents: number;
  surchargeBp: number;
  amountCents: number;
  reason: string;
}

/**
 * The line of one day, or null when the day bills nothing and says nothing (no booking and
 * no presence; a booking cancelled in time has left no row at all). The attendance sheet's
 * own `reserved` says whether the child had a place, since a booking may have changed after
 * the sheet was recorded; without a sheet the reservation decides.
 */
export function priceDay(facts: DayFacts, unitPriceCents: number, surchargeBp: number): DayPricing | null {
  const sheet = facts.attendance;
  const reserved = sheet ? sheet.reserved : facts.booked;
  if (sheet?.present) {
    if (reserved)
      return { kind: 'reserved_present', unitPriceCents, surchargeBp: 0, amountCents: unitPriceCents, reason: 'Réservé, présent' };
    return {
      kind: 'unreserved_surcharge',
      unitPriceCents,
      surchargeBp,
      // One rounding for the line: unit × (100 % + surcharge).
      amountCents: roundDiv(unitPriceCents * (10_000 + surchargeBp), 10_000),
      reason: `Venu sans réservation : tarif majoré de ${formatBp(surchargeBp)}`,
    };
  }
  if (!reserved) return null;
  if (facts.justifiedAbsence) {
    return { kind: 'absent_justified', unitPriceCents, surchargeBp: 0, amountCents: 0, reason: 'Absence justifiée acceptée : non facturé' };
  }
  if (sheet) {
    return {
      kind: 'reserved_absent_unjustified',
      unitPriceCents,
      surchargeBp: 0,
      amountCents: unitPriceCents,
      reason: 'Réservé, absent sans justification acceptée',
    };
  }
  return { kind: 'reserved', unitPriceCents, surchargeBp: 0, amountCents: unitPriceCents, reason: 'Réservé' };
}

/** "30 %", "12,5 %": basis points as the invoice prints them. */
export function formatBp(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const rest = bp % 100;
  const decimals = rest === 0 ? '' : `,${String(rest).padStart(2, '0').replace(/0$/, '')}`;
  return `${whole}${decimals}\u00a0%`;
}

/** The sum of rounded lines: an invoice's total is exactly what its lines say. */
export function total(lines: readonly { amountCents: number }[]): number {
  return lines.reduce((sum, l) => sum + l.amountCents, 0);
}

/**
 * Rank of each child among the family's children enrolled in the activity on a day: the
 * eldest first (birth date, unknown last, then id so that the order is stable).
 */
export function siblingRanks(children: readonly { childId: string; birthDate: string | null }[]): Map<string, number> {
  const sorted = [...children].sort((a, b) => {
    if (a.birthDate !== b.birthDate) {
      if (a.birthDate === null) return 1;
      if (b.birthDate === null) return -1;
      return a.birthDate < b.birthDate ? -1 : 1;
    }
    return a.childId < b.childId ? -1 : a.childId > b.childId ? 1 : 0;
  });
  return new Map(sorted.map((c, i) => [c.childId, i + 1]));
}

/** Whether a family pays the resident price: the town lists no postal codes, the family has none on file, or it is one of them. */
export function isResident(postalCode: string, residentPostalCodes: readonly string[]): boolean {
  const code = postalCode.trim();
  return residentPostalCodes.length === 0 || code === '' || residentPostalCodes.includes(code);
}

// ---------------------------------------------------------------- credit notes

/**
 * What a credit note may still take off an invoice: its total less the credit notes
 * already issued on it. A credit note of 0, or of more than that, is refused.
 */
export function creditNoteCheck(
  invoiceTotalCents: number,
  previousCreditsCents: number,
  amountCents: number,
): { ok: true; balanceAfterCents: number } | { ok: false; message: string } {
  const remaining = invoiceTotalCents - previousCreditsCents;
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) return { ok: false, message: 'Le montant de l’avoir doit être positif.' };
  if (amountCents > remaining) {
    return { ok: false, message: `L’avoir ne peut pas dépasser ce qui reste de la facture (${euros(remaining)}).` };
  }
  return { ok: true, balanceAfterCents: remaining - amountCents };
}

function euros(cents: number): string {
  return `${Math.trunc(cents / 100)},${String(Math.abs(cents % 100)).padStart(2, '0')}\u202f€`;
}

// ---------------------------------------------------------------- due date and status

/**
 * The due date of an invoice of `month` ('YYYY-MM') issued on `issuedOn`: the town's due
 * day of the month after the invoiced month, or, when that leaves the family less than ten
 * days, the due day of the month after that.
 */
export function dueDate(month: string, issuedOn: string, dueDay: number): string {
  let [y, m] = month.split('-').map(Number) as [number, number];
  const tenDaysAfter = addDays(issuedOn, 10);
  for (;;) {
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
    const candidate = `${y}-${String(m).padStart(2, '0')}-${String(dueDay).padStart(2, '0')}`;
    if (candidate >= tenDaysAfter) return candidate;
  }
}

export type InvoiceDisplayStatus = 'a_payer' | 'payee' | 'en_retard';

/** À payer, payée or en retard, as of `today`: an invoice fully settled (paid, or cancelled by credit notes) is payée. */
export function invoiceStatus(
  invoice: { status: 'issued' | 'paid'; totalCents: number; dueOn: string },
  creditsCents: number,
  today: string,
): InvoiceDisplayStatus {
  if (invoice.status === 'paid' || invoice.totalCents - creditsCents <= 0) return 'payee';
  return today > invoice.dueOn ? 'en_retard' : 'a_payer';
}

// ---------------------------------------------------------------- a family's days

/** One child, activity and day of the month, with the rows it comes from. */
export interface DayRecord extends DayFacts {
  childId: string;
  activityId: string;
  day: string;
  reservationId: string | null;
  /** The account whose VALIDER booked it (null: booked by an agent, or not booked). */
  bookedBy: string | null;
  absenceRequestId: string | null;
}

/** A day booked and nothing else known yet (no register, no absence, no reservation row): how a day the parent is adding is priced. */
export function bookedDay(childId: string, activityId: string, day: string): DayRecord {
  return {
    childId,
    activityId,
    day,
    booked: true,
    attendance: null,
    justifiedAbsence: false,
    reservationId: null,
    bookedBy: null,
    absenceRequestId: null,
  };
}

export interface FamilyPricing {
  /** The activity's tariffs, any order. */
  tariffs: ReadonlyMap<string, readonly Tariff[]>;
  quotients: readonly QuotientRecord[];
  resident: boolean;
  surchargeBp: number;
  /** The child's sibling rank in the activity on the day. */
  rank(childId: string, activityId: string, day: string): number;
}

export interface PricedLine extends DayPricing {
  childId: string;
  activityId: string;
  day: string;
  category: Category;
  tariffId: string;
  qf: number | null;
  siblingRank: number;
  resident: boolean;
  reservationId: string | null;
  bookedBy: string | null;
  attendanceRecorded: boolean;
  absenceRequestId: string | null;
}

/** Thrown when a day has to be priced and no tariff of its activity is in force: the run says so instead of billing 0. */
export class MissingTariffError extends Error {
  constructor(
    readonly activityId: string,
    readonly day: string,
  ) {
    super(`no tariff in force for activity ${activityId} on ${day}`);
  }
}

/** The line of one day at the tariff and the QF in force that day (a QF changed mid-month prices each day at its own). */
export function priceRecord(record: DayRecord, family: FamilyPricing): PricedLine | null {
  // Nothing to say about the day: no tariff needed.
  if (!record.attendance?.present && !(record.attendance ? record.attendance.reserved : record.booked)) return null;
  const tariff = inForceOn(family.tariffs.get(record.activityId) ?? [], record.day);
  if (!tariff) throw new MissingTariffError(record.activityId, record.day);
  const qf = qfOn(family.quotients, record.day);
  const siblingRank = family.rank(record.childId, record.activityId, record.day);
  const unit = unitPrice(tariff, { qf, resident: family.resident, siblingRank });
  const priced = priceDay(record, unit, family.surchargeBp);
  if (!priced) return null;
  return {
    ...priced,
    childId: record.childId,
    activityId: record.activityId,
    day: record.day,
    category: tariff.category,
    tariffId: tariff.id,
    qf,
    siblingRank,
    resident: family.resident,
    reservationId: record.reservationId,
    bookedBy: record.bookedBy,
    attendanceRecorded: record.attendance !== null,
    absenceRequestId: record.absenceRequestId,
  };
}

/**
 * The invoices of a family's month before numbering: one for the family, or (split
 * invoicing) one per parent who booked, the days nobody booked from an account (an agent's
 * booking, a walk-in) going to the family's payer (key null). Lines in day order; an
 * invoice whose lines sum to 0 is not issued (nothing to pay, nothing to number).
 */
export function groupInvoices(
  lines: readonly PricedLine[],
  split: boolean,
): { accountId: string | null; lines: PricedLine[]; totalCents: number }[] {
  const groups = new Map<string | null, PricedLine[]>();
  for (const line of lines) {
    const key = split ? line.bookedBy : null;
    const list = groups.get(key) ?? [];
    list.push(line);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .map(([accountId, list]) => ({
      accountId,
      lines: list.sort((a, b) =>
        a.day === b.day ? a.childId.localeCompare(b.childId) || a.activityId.localeCompare(b.activityId) : a.day < b.day ? -1 : 1,
      ),
      totalCents: total(list),
    }))
    .filter((g) => g.totalCents > 0)
    .sort((a, b) => (a.accountId ?? '').localeCompare(b.accountId ?? ''));
}

// ---------------------------------------------------------------- checking what agents enter

/**
 * The mistakes a tariff can hold, in French for the agents' form (empty: it can be
 * recorded). Brackets start at 0 € of QF and each lower bound appears once; the taux
 * d'effort has a positive rate and a floor not above its ceiling.
 */
export function tariffErrors(t: TariffModel & { sibling2ReductionBp: number; sibling3ReductionBp: number }): string[] {
  const errors: string[] = [];
  const cents = (v: number | null) => v === null || (Number.isSafeInteger(v) && v >= 0 && v <= 100_000_00);
  if (t.model === 'brackets') {
    if (t.brackets.length === 0) errors.push('Indiquez au moins une tranche.');
    const mins = t.brackets.map((b) => b.qfMin);
    if (t.brackets.length > 0 && !mins.includes(0)) errors.push('La première tranche doit commencer à un quotient de 0 €.');
    if (new Set(mins).size !== mins.length) errors.push('Deux tranches commencent au même quotient.');
    if (mins.some((m) => !Number.isSafeInteger(m) || m < 0 || m > 100_000)) errors.push('Les bornes des tranches vont de 0 à 100 000 €.');
    if (t.brackets.some((b) => !cents(b.priceCents) || !cents(b.nonResidentPriceCents))) errors.push('Les prix vont de 0 à 100 000 €.');
  } else {
    if (!Number.isSafeInteger(t.effortRatePpm) || t.effortRatePpm < 1 || t.effortRatePpm > 1_000_000) {
      errors.push('Le taux d’effort doit être compris entre 0,0001 % et 100 %.');
    }
    if (!cents(t.effortFloorCents) || !cents(t.effortCeilingCents) || !cents(t.nonResidentPriceCents)) {
      errors.push('Les prix vont de 0 à 100 000 €.');
    } else if (t.effortFloorCents > t.effortCeilingCents) errors.push('Le plancher ne peut pas dépasser le plafond.');
  }
  for (const bp of [t.sibling2ReductionBp, t.sibling3ReductionBp]) {
    if (!Number.isSafeInteger(bp) || bp < 0 || bp > 10_000) {
      errors.push('Une réduction va de 0 à 100 %.');
      break;
    }
  }
  return errors;
}
