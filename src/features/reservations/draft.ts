import crypto from 'node:crypto';
import type { Session, SessionData } from 'express-session';

/**
 * The changes a parent makes in the grid stay "en attente" until VALIDER: they live in the
 * session, as the wanted state of each changed day per enrolment (1 = reserved, 0 = not).
 * Only differences from the saved reservations are kept, so the draft stays small. The key
 * is the idempotency key of the VALIDER form: a second post with it is the same request.
 */
export interface ReservationDraft {
  key: string;
  changes: Record<string, Record<string, 0 | 1>>;
}

declare module 'express-session' {
  interface SessionData {
    reservationDraft: ReservationDraft;
  }
}

/** A month of a whole school year for every child is far above what anyone edits at once. */
export const MAX_DRAFT_DAYS = 1500;

export function newKey(): string {
  return crypto.randomBytes(18).toString('base64url');
}

export function draftOf(session: Session & Partial<SessionData>): ReservationDraft {
  if (!session.reservationDraft) session.reservationDraft = { key: newKey(), changes: {} };
  return session.reservationDraft;
}

/** Sets the wanted state of a day, or forgets it when it equals what is saved. */
export function setWanted(draft: ReservationDraft, enrolmentId: string, day: string, wanted: boolean, reserved: boolean): void {
  const days = (draft.changes[enrolmentId] ??= {});
  if (wanted === reserved) delete days[day];
  else days[day] = wanted ? 1 : 0;
  if (Object.keys(days).length === 0) delete draft.changes[enrolmentId];
}

export function wantedOf(draft: ReservationDraft | undefined, enrolmentId: string, day: string): boolean | undefined {
  const v = draft?.changes[enrolmentId]?.[day];
  return v === undefined ? undefined : v === 1;
}

export function draftSize(draft: ReservationDraft): number {
  return Object.values(draft.changes).reduce((n, days) => n + Object.keys(days).length, 0);
}

/** Removes days (refused, or saved) from the draft. */
export function forget(draft: ReservationDraft, enrolmentId: string, days?: string[]): void {
  if (!days) {
    delete draft.changes[enrolmentId];
    return;
  }
  const entry = draft.changes[enrolmentId];
  if (!entry) return;
  for (const d of days) delete entry[d];
  if (Object.keys(entry).length === 0) delete draft.changes[enrolmentId];
}
