/**
 * The life of a request (demande), whatever its type: the statuses, who may move it from
 * one to another, and what each move must carry. One table, read by the service before
 * every change and by the views to offer only the actions that are allowed, so the rules
 * cannot drift between the back-office buttons and what the server accepts.
 *
 *   (new) ──parent/system──▶ Envoyée ──agent──▶ En cours ──agent──▶ Acceptée | Refusée
 *                              │  ▲                │ ▲
 *                              │  └──────agent─────┘ │ (answer)
 *                              └──agent──▶ Complément demandé ──parent──┘
 *
 * Acceptée and Refusée are final: a decision is never silently reopened; a new request
 * is made instead.
 */

export const REQUEST_STATUSES = ['sent', 'in_progress', 'complement_requested', 'accepted', 'refused'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Who moves a request: the parent, an agent, or the application itself (e.g. a reservation confirmed at once). */
export type RequestActor = 'parent' | 'agent' | 'system';

/** The status in words, as parents and agents read it. */
export const STATUS_LABELS: Record<RequestStatus, string> = {
  sent: 'Envoyée',
  in_progress: 'En cours',
  complement_requested: 'Complément demandé',
  accepted: 'Acceptée',
  refused: 'Refusée',
};

export interface Transition {
  from: RequestStatus | null;
  to: RequestStatus;
  actors: readonly RequestActor[];
  /** A refusal needs its reason, a request for a complement its question, an answer its text. */
  commentRequired: boolean;
}

export const TRANSITIONS: readonly Transition[] = [
  // Creation: a parent sends it; the application may record one that needs nobody (issue 6).
  { from: null, to: 'sent', actors: ['parent', 'system'], commentRequired: false },
  { from: null, to: 'accepted', actors: ['system'], commentRequired: false },
  // A message of the commune to a group of families (issue 19) opens each family's thread
  // waiting for the family: a reply takes it to the agents' queue like a complement's answer.
  { from: null, to: 'complement_requested', actors: ['agent'], commentRequired: true },
  // An agent takes it in hand, decides, or asks the family for more.
  { from: 'sent', to: 'in_progress', actors: ['agent'], commentRequired: false },
  { from: 'sent', to: 'accepted', actors: ['agent'], commentRequired: false },
  { from: 'sent', to: 'refused', actors: ['agent'], commentRequired: true },
  { from: 'sent', to: 'complement_requested', actors: ['agent'], commentRequired: true },
  { from: 'in_progress', to: 'accepted', actors: ['agent', 'system'], commentRequired: false },
  { from: 'in_progress', to: 'refused', actors: ['agent', 'system'], commentRequired: true },
  { from: 'in_progress', to: 'complement_requested', actors: ['agent'], commentRequired: true },
  // The parent answers: the request goes back to the agents, in hand. An agent may also
  // take it back (the family answered by phone) or decide without waiting.
  { from: 'complement_requested', to: 'in_progress', actors: ['parent', 'agent'], commentRequired: false },
  { from: 'complement_requested', to: 'accepted', actors: ['agent'], commentRequired: false },
  { from: 'complement_requested', to: 'refused', actors: ['agent'], commentRequired: true },
];

export function findTransition(from: RequestStatus | null, to: RequestStatus, actor: RequestActor): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to && t.actors.includes(actor));
}

/** Pure: may `actor` move a request from `from` (null: creating it) to `to`? */
export function canTransition(from: RequestStatus | null, to: RequestStatus, actor: RequestActor): boolean {
  return findTransition(from, to, actor) !== undefined;
}

/** The statuses `actor` may move a request to from `from`, in the table's order. */
export function nextStatuses(from: RequestStatus, actor: RequestActor): RequestStatus[] {
  return TRANSITIONS.filter((t) => t.from === from && t.actors.includes(actor)).map((t) => t.to);
}

export function isFinal(status: RequestStatus): boolean {
  return status === 'accepted' || status === 'refused';
}

/** What waits for an agent: sent, or in hand. A request waiting for the family's complement does not. */
export const TO_PROCESS: readonly RequestStatus[] = ['sent', 'in_progress'];

export function isRequestStatus(value: unknown): value is RequestStatus {
  return typeof value === 'string' && (REQUEST_STATUSES as readonly string[]).includes(value);
}
