import type { RequestStatus } from '../requests/request-state.js';

/**
 * A child's status in a renewal campaign, read from its latest renewal request: the request's
 * state machine is the only record, so the campaign's page, the parent's page and the
 * requests' queue always say the same thing.
 */
export type RenewalStatus = 'todo' | 'sent' | 'incomplete' | 'validated';

export const RENEWAL_STATUSES: readonly RenewalStatus[] = ['todo', 'sent', 'incomplete', 'validated'];

export const RENEWAL_STATUS_LABELS: Record<RenewalStatus, string> = {
  todo: 'À faire',
  sent: 'Envoyé',
  incomplete: 'Incomplet',
  validated: 'Validé',
};

/** No request, or a refused one (the family sends it again), is still to do. */
export function renewalStatusOf(requestStatus: RequestStatus | null): RenewalStatus {
  switch (requestStatus) {
    case 'sent':
    case 'in_progress':
      return 'sent';
    case 'complement_requested':
      return 'incomplete';
    case 'accepted':
      return 'validated';
    default:
      return 'todo';
  }
}

/** Counts per status, every status present (0 included), in the order above. */
export function countByStatus(statuses: readonly RenewalStatus[]): Record<RenewalStatus, number> {
  const counts: Record<RenewalStatus, number> = { todo: 0, sent: 0, incomplete: 0, validated: 0 };
  for (const s of statuses) counts[s] += 1;
  return counts;
}

/**
 * Which reminder is due `daysLeft` days before the close: the smallest reminder day not below
 * it (7 and 2: from 7 days left the "7", from 2 days left the "2"), or none past the close or
 * before the first. A job that missed a day sends the reminder then due, never two at once.
 */
export function dueReminder(reminderDays: readonly number[], daysLeft: number): number | null {
  if (daysLeft < 0) return null;
  const due = reminderDays.filter((d) => d >= daysLeft);
  return due.length === 0 ? null : Math.min(...due);
}
