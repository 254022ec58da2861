import type { RequestType } from '../../../repositories/requests.repository.js';
import { isRequestStatus, REQUEST_STATUSES, STATUS_LABELS, TO_PROCESS, type RequestStatus } from '../../requests/request-state.js';
import { isRequestType, REQUEST_TYPES, TYPE_LABELS } from '../../requests/request-types.js';

/** The queue of requests as the back-office shows it: its filters and the summary above it. */

/** The status filter: "à traiter" (the default), one status, or every status. */
export const STATUS_FILTERS = [
  { value: '', label: 'À traiter (envoyées et en cours)' },
  ...REQUEST_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
  { value: 'toutes', label: 'Tous les statuts' },
];

export const TYPE_OPTIONS = [{ value: '', label: 'Tous les types' }, ...REQUEST_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))];

/** The query string's filters: what the form shows again, and what the repository filters on. Anything else is ignored. */
export function queueFilters(query: Record<string, unknown>) {
  const type = typeof query.type === 'string' && isRequestType(query.type) ? query.type : '';
  const statut = typeof query.statut === 'string' && (isRequestStatus(query.statut) || query.statut === 'toutes') ? query.statut : '';
  const recherche = typeof query.recherche === 'string' ? query.recherche.trim().slice(0, 100) : '';
  const statuses: RequestStatus[] = statut === '' ? [...TO_PROCESS] : statut === 'toutes' ? [] : [statut as RequestStatus];
  return { values: { type, statut, recherche }, filters: { types: type ? [type as RequestType] : [], statuses, search: recherche } };
}

/** Open requests per type and status, for the types that have any. */
export function queueSummary(counts: { type: RequestType; status: RequestStatus; n: number }[]) {
  return REQUEST_TYPES.map((type) => ({
    type,
    counts: (['sent', 'in_progress', 'complement_requested'] as const).map((status) => ({
      status,
      n: counts.find((c) => c.type === type && c.status === status)?.n ?? 0,
    })),
  })).filter((s) => s.counts.some((c) => c.n > 0));
}
