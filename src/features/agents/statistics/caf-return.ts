import type { CafAttendance } from '../../../repositories/statistics.repository.js';
import { textCell } from '../../billing/export-csv.js';

/**
 * The CAF's monthly return (docs/statistiques-et-caf.md): per activity declared to the CAF,
 * the hours (or actes) of the children present, under 6 / 6 and over, by QF bracket.
 */

/** Used when the town has no tariff by brackets: the bounds, in euros, this portal proposes. */
export const DEFAULT_CAF_BOUNDS = [0, 500, 700, 900, 1200];

/** Whole years between the birth date and the day ('YYYY-MM-DD' both). */
export function ageAt(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

export interface Bracket {
  label: string;
  min: number;
  /** Exclusive; null for the last. */
  max: number | null;
}

/** Brackets from lower bounds ("0 à 499 €", …, "1 200 € et plus"); a first bound above 0 gets 0 added. */
export function bracketsFrom(bounds: readonly number[]): Bracket[] {
  const sorted = [...new Set([0, ...bounds])].sort((a, b) => a - b);
  const euros = (n: number) => `${n.toLocaleString('fr-FR').replace(/\s/g, '\u00a0')}\u00a0€`;
  return sorted.map((min, i) => {
    const max = sorted[i + 1] ?? null;
    return { min, max, label: max === null ? `${euros(min)} et plus` : `${euros(min)} à ${euros(max - 1)}` };
  });
}

export const UNKNOWN_QF = 'QF inconnu';

export interface CafCell {
  under6: number;
  from6: number;
  /** Children without a birth date in their file: counted, but apart. */
  unknownAge: number;
  total: number;
}

export interface CafActivityReturn {
  activityId: string;
  name: string;
  site: string;
  unit: 'heures' | 'actes';
  hoursPerDay: number | null;
  /** True when the brackets are the activity's tariff's, false for DEFAULT_CAF_BOUNDS. */
  townBrackets: boolean;
  rows: ({ bracket: string } & CafCell)[];
  total: CafCell;
}

const emptyCell = (): CafCell => ({ under6: 0, from6: 0, unknownAge: 0, total: 0 });

/** What one day present counts: its hours, or one acte. Rounded to the hundredth to keep sums exact. */
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * `boundsOf` gives each activity's QF bracket bounds (its tariff's); an activity without a
 * tariff by brackets gets DEFAULT_CAF_BOUNDS.
 */
export function cafReturn(
  activities: readonly { id: string; name: string; site: string; unit: 'heures' | 'actes'; hoursPerDay: number | null }[],
  attendance: readonly CafAttendance[],
  boundsOf: ReadonlyMap<string, readonly number[]>,
): CafActivityReturn[] {
  return activities.map((a) => {
    const townBrackets = (boundsOf.get(a.id) ?? []).length > 0;
    const brackets = bracketsFrom(townBrackets ? boundsOf.get(a.id)! : DEFAULT_CAF_BOUNDS);
    const labels = [...brackets.map((b) => b.label), UNKNOWN_QF];
    const cells = new Map(labels.map((l) => [l, emptyCell()]));
    const total = emptyCell();
    for (const t of attendance) {
      if (t.activityId !== a.id) continue;
      const amount = a.unit === 'actes' ? 1 : (a.hoursPerDay ?? 0);
      const bracket =
        t.qf === null ? UNKNOWN_QF : (brackets.find((b) => t.qf! >= b.min && (b.max === null || t.qf! < b.max))?.label ?? UNKNOWN_QF);
      const band: keyof CafCell = t.birthDate === null ? 'unknownAge' : ageAt(t.birthDate, t.day) < 6 ? 'under6' : 'from6';
      for (const c of [cells.get(bracket)!, total]) {
        c[band] = round2(c[band] + amount);
        c.total = round2(c.total + amount);
      }
    }
    return {
      activityId: a.id,
      name: a.name,
      site: a.site,
      unit: a.unit,
      hoursPerDay: a.hoursPerDay,
      townBrackets,
      rows: labels.map((bracket) => ({ bracket, ...cells.get(bracket)! })),
      total,
    };
  });
}

/** "2,5": the CAF's figures with a decimal comma. */
export function frenchNumber(n: number): string {
  return String(n).replace('.', ',');
}

export function cafCsv(month: string, returns: readonly CafActivityReturn[]): string {
  const lines = [
    ['Mois', 'Activité', 'Lieu', 'Unité', 'Tranche de QF', 'Moins de 6 ans', '6 ans et plus', 'Âge inconnu', 'Total'].map(textCell),
  ];
  for (const r of returns) {
    for (const row of [...r.rows, { bracket: 'Total', ...r.total }]) {
      lines.push([
        month,
        textCell(r.name),
        textCell(r.site),
        r.unit === 'heures' ? 'Heures' : 'Actes',
        textCell(row.bracket),
        frenchNumber(row.under6),
        frenchNumber(row.from6),
        frenchNumber(row.unknownAge),
        frenchNumber(row.total),
      ]);
    }
  }
  return `\uFEFF${lines.map((l) => l.join(';')).join('\r\n')}\r\n`;
}
