import type { DayState } from './day-states.js';
import { draftSize, forget, MAX_DRAFT_DAYS, setWanted, type ReservationDraft } from './draft.js';
import { BadGridError } from './reservations.schemas.js';
import type { ChangeSet } from './reservations.service.js';

/**
 * How the grid, the periodicity and the recap change the pending draft, from day states
 * already loaded. Pure: the session's draft is passed in and changed in place.
 */

/**
 * Applies wanted states to the draft for one enrolment, only on days that can be changed
 * now. Returns the days that could not be (they are told to the parent); a draft grown past
 * what anyone edits is a tampered form.
 */
export function applyToDraft(
  draft: ReservationDraft,
  enrolmentId: string,
  states: DayState[],
  wantedFor: (state: DayState) => boolean | undefined,
): DayState[] {
  const blocked: DayState[] = [];
  for (const s of states) {
    const wanted = wantedFor(s);
    if (wanted === undefined) continue;
    if (!s.changeable) {
      if (wanted !== (s.reservation !== undefined)) blocked.push(s);
      forget(draft, enrolmentId, [s.day]);
      continue;
    }
    setWanted(draft, enrolmentId, s.day, wanted, s.reservation !== undefined);
  }
  if (draftSize(draft) > MAX_DRAFT_DAYS) throw new BadGridError();
  return blocked;
}

/** What the grid's post wants for a day: only the days it showed, ticked or by its button. */
export function gridWantedFor(
  shown: Set<string>,
  ticked: Set<string>,
  action: 'enregistrer' | 'tout-cocher' | 'tout-decocher' | 'recapitulatif',
): (state: DayState) => boolean | undefined {
  return (s) => (shown.has(s.day) ? (action === 'tout-cocher' ? true : action === 'tout-decocher' ? false : ticked.has(s.day)) : undefined);
}

/** How many days wait for VALIDER in this activity, all children of the family. */
export function pendingCount(
  draft: ReservationDraft | undefined,
  familyEnrolments: { id: string; activityId: string }[],
  activityId: string,
): number {
  if (!draft) return 0;
  return familyEnrolments.filter((e) => e.activityId === activityId).reduce((n, e) => n + Object.keys(draft.changes[e.id] ?? {}).length, 0);
}

/** The pending days of one activity as the save takes them, enrolment by enrolment, days sorted. */
export function draftChangeSets(
  draft: ReservationDraft,
  familyEnrolments: { id: string; activityId: string }[],
  activityId: string,
): ChangeSet[] {
  return familyEnrolments
    .filter((e) => e.activityId === activityId && draft.changes[e.id])
    .map((e) => {
      const days = Object.entries(draft.changes[e.id]!);
      const pick = (v: 0 | 1) =>
        days
          .filter(([, w]) => w === v)
          .map(([d]) => d)
          .sort();
      return { enrolmentId: e.id, book: pick(1), cancel: pick(0) };
    });
}

/**
 * The recap of one enrolment's pending days against their states now: days to book, to
 * cancel, and those that can no longer change. Days already as wanted leave the draft.
 */
export function recapLine(
  draft: ReservationDraft,
  enrolmentId: string,
  states: DayState[],
): { book: DayState[]; cancel: DayState[]; blocked: DayState[] } {
  const byDay = new Map(states.map((s) => [s.day, s]));
  const book: DayState[] = [];
  const cancel: DayState[] = [];
  const blocked: DayState[] = [];
  for (const day of pendingDays(draft, enrolmentId)) {
    const s = byDay.get(day)!;
    const wanted = draft.changes[enrolmentId]![day] === 1;
    if (wanted === (s.reservation !== undefined)) forget(draft, enrolmentId, [day]);
    else if (!s.changeable) blocked.push(s);
    else (wanted ? book : cancel).push(s);
  }
  return { book, cancel, blocked };
}

/** The draft's days of an enrolment, in order. */
export function pendingDays(draft: ReservationDraft, enrolmentId: string): string[] {
  return Object.keys(draft.changes[enrolmentId] ?? {}).sort();
}

/** The first and last of some days (pending days of several children, say), or nothing: the range to read them in one go. */
export function daySpan(days: string[]): { from: string; to: string } | undefined {
  if (days.length === 0) return undefined;
  let from = days[0]!;
  let to = from;
  for (const d of days) {
    if (d < from) from = d;
    if (d > to) to = d;
  }
  return { from, to };
}
