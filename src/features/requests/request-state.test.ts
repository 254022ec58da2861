import { describe, expect, it } from 'vitest';
import {
  canTransition,
  findTransition,
  isFinal,
  nextStatuses,
  REQUEST_STATUSES,
  STATUS_LABELS,
  TRANSITIONS,
  type RequestActor,
  type RequestStatus,
} from './request-state.js';

const ACTORS: RequestActor[] = ['parent', 'agent', 'system'];

describe('the request state machine', () => {
  it('lets a parent create a request as Envoyée, and nothing else', () => {
    expect(canTransition(null, 'sent', 'parent')).toBe(true);
    for (const to of REQUEST_STATUSES.filter((s) => s !== 'sent')) expect(canTransition(null, to, 'parent')).toBe(false);
    // An agent creates one only as a message of the commune waiting for the family (issue 19).
    for (const to of REQUEST_STATUSES) expect(canTransition(null, to, 'agent')).toBe(to === 'complement_requested');
  });

  it('lets the application record a request that needs nobody as already accepted', () => {
    expect(canTransition(null, 'accepted', 'system')).toBe(true);
    expect(canTransition(null, 'refused', 'system')).toBe(false);
  });

  it('follows Envoyée → En cours → Acceptée / Refusée for agents', () => {
    expect(canTransition('sent', 'in_progress', 'agent')).toBe(true);
    expect(canTransition('in_progress', 'accepted', 'agent')).toBe(true);
    expect(canTransition('in_progress', 'refused', 'agent')).toBe(true);
    // Deciding straight from Envoyée is allowed too (a simple request needs no "take in hand").
    expect(canTransition('sent', 'accepted', 'agent')).toBe(true);
    expect(canTransition('sent', 'refused', 'agent')).toBe(true);
    // Nothing goes back to Envoyée.
    for (const from of REQUEST_STATUSES) for (const actor of ACTORS) expect(canTransition(from, 'sent', actor)).toBe(false);
  });

  it('sends "Complément demandé" to the parent, whose answer puts the request back in hand', () => {
    expect(canTransition('sent', 'complement_requested', 'agent')).toBe(true);
    expect(canTransition('in_progress', 'complement_requested', 'agent')).toBe(true);
    expect(canTransition('complement_requested', 'in_progress', 'parent')).toBe(true);
    // The parent cannot ask for a complement, nor decide.
    expect(canTransition('sent', 'complement_requested', 'parent')).toBe(false);
    expect(canTransition('complement_requested', 'accepted', 'parent')).toBe(false);
    expect(canTransition('in_progress', 'accepted', 'parent')).toBe(false);
    expect(canTransition('sent', 'in_progress', 'parent')).toBe(false);
    // Asking again while waiting for the answer makes no sense: the conversation is there for that.
    expect(canTransition('complement_requested', 'complement_requested', 'agent')).toBe(false);
  });

  it('never leaves a final status, whoever asks', () => {
    for (const from of REQUEST_STATUSES.filter(isFinal)) {
      for (const to of REQUEST_STATUSES) for (const actor of ACTORS) expect(canTransition(from, to, actor), `${from}→${to}`).toBe(false);
    }
    expect(isFinal('accepted')).toBe(true);
    expect(isFinal('refused')).toBe(true);
    expect(isFinal('in_progress')).toBe(false);
  });

  it('asks for a comment exactly where one is owed: a refusal reason, a complement question', () => {
    expect(findTransition('in_progress', 'refused', 'agent')?.commentRequired).toBe(true);
    expect(findTransition('sent', 'complement_requested', 'agent')?.commentRequired).toBe(true);
    expect(findTransition('in_progress', 'accepted', 'agent')?.commentRequired).toBe(false);
    for (const t of TRANSITIONS) if (t.to === 'refused') expect(t.commentRequired, `${t.from}→refused`).toBe(true);
  });

  it('offers agents the actions of the table, in order', () => {
    expect(nextStatuses('sent', 'agent')).toEqual(['in_progress', 'accepted', 'refused', 'complement_requested']);
    expect(nextStatuses('complement_requested', 'parent')).toEqual(['in_progress']);
    expect(nextStatuses('accepted', 'agent')).toEqual([]);
  });

  it('has a French label for every status and no self-loops', () => {
    for (const s of REQUEST_STATUSES) expect(STATUS_LABELS[s as RequestStatus]).toMatch(/^[A-ZÉ]/);
    for (const t of TRANSITIONS) expect(t.from).not.toBe(t.to);
  });
});
