import { dayLabel } from '../../../lib/calendar/index.js';
import { count } from '../../../lib/french.js';
import { UUID } from '../../../lib/ids.js';
import { CONTROL } from '../../../lib/zod-fields.js';
import type { SheetGroup } from '../../../repositories/attendance.repository.js';

/**
 * The "Feuille de présence" form as the agents' day page sends it, read without HTTP: which
 * children were ticked, and the message once the sheet is saved.
 */

/** More ids than any day has children is not a form a browser sent. */
const MAX_IDS = 1000;

export type AttendanceForm =
  | { ok: true; present: Set<string>; fromBooked: Set<string>; group?: SheetGroup }
  | { ok: false; field: 'presents' | 'sansReservation' | ''; message: string };

/** A school's or a class's name as stored: one line of text (no control character: PostgreSQL refuses NUL). */
const isGroupValue = (value: unknown): value is string => typeof value === 'string' && value.length <= 200 && !CONTROL.test(value);

/**
 * The sheet's group (`ecole`, `classe`) from a query string or a form: none when `ecole` is
 * absent; `ok: false` when a value is not one line of text.
 */
export function parseSheetGroup(fields: Record<string, unknown>): { ok: true; group?: SheetGroup } | { ok: false } {
  const { ecole, classe = '' } = fields;
  if (ecole === undefined) return { ok: true };
  if (!isGroupValue(ecole) || !isGroupValue(classe)) return { ok: false };
  return { ok: true, group: { school: ecole, className: classe } };
}

const MALFORMED = 'Le formulaire envoyé est incomplet ou mal formé : rechargez la page et saisissez à nouveau la feuille de présence.';

/**
 * The two groups of checkboxes (booked children, children come without a reservation) as
 * one set of child ids: which group a child was ticked in does not decide whether a place
 * was booked; the reservations at the moment of saving do.
 */
export function parseAttendanceForm(body: unknown): AttendanceForm {
  const fields = (body ?? {}) as Record<string, unknown>;
  const present = new Set<string>();
  const fromBooked = new Set<string>();
  for (const field of ['presents', 'sansReservation'] as const) {
    const value = fields[field];
    const list = value === undefined ? [] : Array.isArray(value) ? (value as unknown[]) : [value];
    if (list.length > MAX_IDS || list.some((v) => typeof v !== 'string' || !UUID.test(v))) {
      return { ok: false, field, message: MALFORMED };
    }
    for (const id of list as string[]) {
      present.add(id.toLowerCase());
      if (field === 'presents') fromBooked.add(id.toLowerCase());
    }
  }
  const group = parseSheetGroup(fields);
  if (!group.ok) return { ok: false, field: '', message: MALFORMED };
  return { ok: true, present, fromBooked, ...(group.group ? { group: group.group } : {}) };
}

/** "La feuille de présence du … est enregistrée : 3 présents, 1 absent, 0 venu sans réservation." */
export function attendanceSavedMessage(day: string, counts: { present: number; absent: number; walkIns: number }): string {
  return (
    `La feuille de présence du ${dayLabel(day)} est enregistrée : ${count(counts.present, 'présent', 'présents')}, ` +
    `${count(counts.absent, 'absent', 'absents')}, ${count(counts.walkIns, 'venu', 'venus')} sans réservation.`
  );
}
