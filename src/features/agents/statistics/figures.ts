import { businessMsBetween, type BusinessCalendar } from '../../../lib/calendar/index.js';
import type { ActivityCounts } from '../../../repositories/statistics.repository.js';
import { textCell } from '../../billing/export-csv.js';

/** The statistics page's figures from the raw counts: pure, so the rules are unit-tested. */

export interface ActivityFigures extends ActivityCounts {
  /** Present on a booked place / booked, past days only; null when nothing was booked yet. */
  attendanceRate: number | null;
  /** Booked / capacity on the days with a capacity; null without one. */
  occupancyRate: number | null;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

export function activityFigures(rows: readonly ActivityCounts[]): { rows: ActivityFigures[]; total: ActivityFigures } {
  const withRates = (c: ActivityCounts): ActivityFigures => ({
    ...c,
    attendanceRate: ratio(c.presentBooked, c.bookedPast),
    occupancyRate: ratio(c.bookedOnLimitedDays, c.capacity),
  });
  const sum = (k: keyof ActivityCounts) => rows.reduce((s, r) => s + (r[k] as number), 0);
  const total = withRates({
    activityId: '',
    name: 'Total',
    site: '',
    booked: sum('booked'),
    bookedPast: sum('bookedPast'),
    presentBooked: sum('presentBooked'),
    walkIns: sum('walkIns'),
    justifiedAbsences: sum('justifiedAbsences'),
    unjustifiedAbsences: sum('unjustifiedAbsences'),
    waiting: sum('waiting'),
    bookedOnLimitedDays: sum('bookedOnLimitedDays'),
    capacity: sum('capacity'),
  });
  return { rows: rows.map(withRates), total };
}

/** "85 %" (rounded), or "–" when there is nothing to divide by. */
export function percent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)} %`;
}

export const REQUEST_TYPE_LABELS: Record<string, string> = {
  child_update: "Modification d'un enfant",
  add_member: "Ajout d'un membre",
  contact_change: 'Changement de coordonnées',
  reservation: 'Réservation à confirmer',
  absence: 'Absence',
  enrolment: 'Inscription',
};

export interface RequestFigures {
  type: string;
  label: string;
  received: number;
  decided: number;
  /** Decided within the promise (business hours from creation to decision). */
  withinPromise: number;
  /** Still open and already past the promise. */
  openLate: number;
  /** Mean business hours to a decision, rounded; null when none was decided. */
  meanHours: number | null;
}

const HOUR_MS = 3_600_000;

export function requestFigures(
  requests: readonly { type: string; createdAt: Date; decidedAt: Date | null }[],
  now: Date,
  promiseHours: number,
  calendar: BusinessCalendar,
): RequestFigures[] {
  const byType = new Map<string, { received: number; decided: number; withinPromise: number; openLate: number; totalMs: number }>();
  for (const r of requests) {
    const f = byType.get(r.type) ?? { received: 0, decided: 0, withinPromise: 0, openLate: 0, totalMs: 0 };
    f.received += 1;
    const ms = businessMsBetween(r.createdAt, r.decidedAt ?? now, calendar);
    if (r.decidedAt) {
      f.decided += 1;
      f.totalMs += ms;
      if (ms <= promiseHours * HOUR_MS) f.withinPromise += 1;
    } else if (ms > promiseHours * HOUR_MS) f.openLate += 1;
    byType.set(r.type, f);
  }
  return [...byType.entries()]
    .map(([type, f]) => ({
      type,
      label: REQUEST_TYPE_LABELS[type] ?? type,
      received: f.received,
      decided: f.decided,
      withinPromise: f.withinPromise,
      openLate: f.openLate,
      meanHours: f.decided === 0 ? null : Math.round(f.totalMs / f.decided / HOUR_MS),
    }))
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
}

/** Accounts validated in the period, and how many within the promise (48 business hours by default). */
export function activationFigures(
  accounts: readonly { waitingSince: Date; validatedAt: Date }[],
  promiseHours: number,
  calendar: BusinessCalendar,
): { validated: number; withinPromise: number } {
  const within = accounts.filter((a) => businessMsBetween(a.waitingSince, a.validatedAt, calendar) <= promiseHours * HOUR_MS);
  return { validated: accounts.length, withinPromise: within.length };
}

const ACTIVITY_HEADER = [
  'Activité',
  'Lieu',
  'Réservations',
  'Présents (réservés, jours passés)',
  'Taux de présence (%)',
  'Venus sans réservation',
  'Absences justifiées',
  'Absences non justifiées',
  "Liste d'attente",
  'Taux de remplissage (%)',
];

const percentCell = (rate: number | null) => (rate === null ? '' : String(Math.round(rate * 100)));

/** The activities' table as CSV: `;`, CRLF and a BOM like the other exports; text cells neutralised. */
export function activitiesCsv(figures: { rows: ActivityFigures[]; total: ActivityFigures }): string {
  const lines = [ACTIVITY_HEADER.map(textCell)];
  for (const r of [...figures.rows, figures.total]) {
    lines.push([
      textCell(r.name),
      textCell(r.site),
      String(r.booked),
      String(r.presentBooked),
      percentCell(r.attendanceRate),
      String(r.walkIns),
      String(r.justifiedAbsences),
      String(r.unjustifiedAbsences),
      String(r.waiting),
      percentCell(r.occupancyRate),
    ]);
  }
  return `\uFEFF${lines.map((l) => l.join(';')).join('\r\n')}\r\n`;
}

export function requestsCsv(rows: readonly RequestFigures[], promiseHours: number): string {
  const lines = [
    [
      'Type de demande',
      'Reçues',
      'Traitées',
      `Traitées en ${promiseHours} heures ouvrées au plus`,
      'En retard, non traitées',
      'Durée moyenne (heures ouvrées)',
    ].map(textCell),
  ];
  for (const r of rows) {
    lines.push([
      textCell(r.label),
      String(r.received),
      String(r.decided),
      String(r.withinPromise),
      String(r.openLate),
      r.meanHours === null ? '' : String(r.meanHours),
    ]);
  }
  return `\uFEFF${lines.map((l) => l.join(';')).join('\r\n')}\r\n`;
}
