import { formatEuros } from '../../lib/format.js';
import { weekdaysPlural } from '../../lib/french.js';
import { bracketFor, effortPrice, inForceOn, unitPrice, type Tariff } from '../billing/pricing.js';

/**
 * "Simulation des tarifs" (issue 14, seeds 001 and 003): for a QF (or none), each activity's
 * unit price and what a typical month costs, computed by billing's own `unitPrice`, so the
 * simulation cannot disagree with the invoice. Pure: the controller reads the rows.
 */

/** A typical month: four weeks of the activity's days (a school month without holidays). */
export const WEEKS_PER_TYPICAL_MONTH = 4;

/** The QF is typed in whole euros, as the CAF's letter prints it; 100 000 € is the records' own bound. */
export const QF_MAX = 100_000;

export type QfInput = { ok: true; qf: number | null } | { ok: false; message: string };

/**
 * The QF of the form: empty is "no QF on file" (the highest bracket, the ceiling); spaces
 * (also the no-break ones a copied "1 200" holds) and a trailing "€" are allowed.
 */
export function parseQf(raw: unknown): QfInput {
  if (raw === undefined) return { ok: true, qf: null };
  if (typeof raw !== 'string') return { ok: false, message: 'Saisissez votre quotient familial en euros, par exemple 850.' };
  const text = raw.replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '');
  if (text === '') return { ok: true, qf: null };
  if (/^-/.test(text))
    return { ok: false, message: 'Le quotient familial ne peut pas être négatif : saisissez-le en euros, par exemple 850.' };
  if (/^\d+[.,]\d*$/.test(text)) {
    return { ok: false, message: 'Saisissez le quotient familial en euros entiers, sans centimes, par exemple 850.' };
  }
  if (!/^\d+$/.test(text)) return { ok: false, message: 'Saisissez votre quotient familial en chiffres, en euros, par exemple 850.' };
  const qf = Number(text);
  if (qf > QF_MAX) {
    return { ok: false, message: `Un quotient familial va de 0 à ${QF_MAX.toLocaleString('fr-FR')} € : vérifiez le montant saisi.` };
  }
  return { ok: true, qf };
}

export interface SimulatedActivity {
  id: string;
  name: string;
  site: string;
  unit: string;
  weekdays: number[];
  runsDuring: 'school_weeks' | 'school_holidays' | 'all';
}

export interface SimulationRow {
  activity: SimulatedActivity;
  /** How the price is set, in words ("Tranche de quotient de 1 100 € à 1 499 €", "Taux d'effort…"). */
  rule: string;
  unitCents: number;
  /** The non-resident price, when the tariff has one that differs. */
  nonResidentUnitCents: number | null;
  /** The price the family pays: the non-resident one when it is not resident. */
  familyUnitCents: number;
  /** Days of a typical month: the activity's days of the week × 4 weeks. */
  monthDays: number;
  monthCents: number;
  /** "les lundis, mardis, jeudis et vendredis" */
  daysWords: string;
  /** The family's price for a 2nd, and a 3rd (and following) child enrolled in the activity, when the tariff reduces it. */
  siblings: { label: string; unitCents: number; reduction: string }[];
}

export interface Simulation {
  rows: SimulationRow[];
  /** Activities that have no tariff in force today: shown as "Tarif non communiqué". */
  withoutTariff: SimulatedActivity[];
}

/** Each activity's prices today for a QF (null: none on file), for a resident family or not. */
export function simulate(
  activities: readonly SimulatedActivity[],
  tariffs: ReadonlyMap<string, readonly Tariff[]>,
  today: string,
  input: { qf: number | null; resident: boolean },
): Simulation {
  const rows: SimulationRow[] = [];
  const withoutTariff: SimulatedActivity[] = [];
  for (const activity of activities) {
    const tariff = inForceOn(tariffs.get(activity.id) ?? [], today);
    if (!tariff) {
      withoutTariff.push(activity);
      continue;
    }
    const unitCents = unitPrice(tariff, { qf: input.qf, resident: true, siblingRank: 1 });
    const nonResident = unitPrice(tariff, { qf: input.qf, resident: false, siblingRank: 1 });
    const familyUnitCents = input.resident ? unitCents : nonResident;
    const monthDays = activity.weekdays.length * WEEKS_PER_TYPICAL_MONTH;
    rows.push({
      activity,
      rule: ruleWords(tariff, input.qf, input.resident),
      unitCents,
      nonResidentUnitCents: nonResident !== unitCents ? nonResident : null,
      familyUnitCents,
      monthDays,
      // The invoice rounds each line, and each line here is already in cents: the month is their sum.
      monthCents: familyUnitCents * monthDays,
      daysWords: `les ${weekdaysPlural([...activity.weekdays].sort((a, b) => a - b))}`,
      siblings: siblingPrices(tariff, input),
    });
  }
  return { rows, withoutTariff };
}

const euros = (n: number) => `${n.toLocaleString('fr-FR')}\u00a0€`;

/** "0,36 %" from millionths. */
function ppmWords(ppm: number): string {
  const text = (ppm / 10_000).toLocaleString('fr-FR', { maximumFractionDigits: 4 });
  return `${text}\u00a0%`;
}

/** How the family's price is set, in words: the resident's rule, or the non-resident price when the family pays it. */
function ruleWords(tariff: Tariff, qf: number | null, resident: boolean): string {
  if (tariff.model === 'brackets') {
    const sorted = [...tariff.brackets].sort((a, b) => a.qfMin - b.qfMin);
    const b = bracketFor(sorted, qf);
    const next = sorted[sorted.indexOf(b) + 1];
    const range = next ? `de ${euros(b.qfMin)} à ${euros(next.qfMin - 1)}` : `à partir de ${euros(b.qfMin)}`;
    const nonResident = !resident && b.nonResidentPriceCents !== null ? ', tarif non-résident' : '';
    return qf === null
      ? `Sans quotient familial : tranche la plus élevée (${range})${nonResident}`
      : `Tranche de quotient ${range}${nonResident}`;
  }
  if (!resident && tariff.nonResidentPriceCents !== null) return 'Tarif non-résident : un prix unique, quel que soit le quotient';
  const bounds = `entre ${formatEuros(tariff.effortFloorCents)} et ${formatEuros(tariff.effortCeilingCents)}`;
  if (qf === null)
    return `Sans quotient familial : prix plafond (taux d’effort de ${ppmWords(tariff.effortRatePpm)} du quotient, ${bounds})`;
  const price = effortPrice(tariff, qf);
  const clamped = price === tariff.effortFloorCents ? ' : prix plancher' : price === tariff.effortCeilingCents ? ' : prix plafond' : '';
  return `Taux d’effort de ${ppmWords(tariff.effortRatePpm)} du quotient, ${bounds}${clamped}`;
}

/** The sibling reductions priced as the invoice prices them (`unitPrice` with the child's rank). */
function siblingPrices(tariff: Tariff, input: { qf: number | null; resident: boolean }): SimulationRow['siblings'] {
  const ranks = [
    { rank: 2, label: '2e enfant inscrit', bp: tariff.sibling2ReductionBp },
    { rank: 3, label: '3e enfant inscrit et suivants', bp: tariff.sibling3ReductionBp },
  ];
  return ranks
    .filter((r) => r.bp > 0)
    .map((r) => ({
      label: r.label,
      unitCents: unitPrice(tariff, { qf: input.qf, resident: input.resident, siblingRank: r.rank }),
      reduction: `réduction de ${bpWords(r.bp)}`,
    }));
}

function bpWords(bp: number): string {
  return `${(bp / 100).toLocaleString('fr-FR', { maximumFractionDigits: 2 })}\u00a0%`;
}
