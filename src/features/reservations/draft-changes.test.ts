import { describe, expect, it } from 'vitest';
import { state } from './day-state.fixture.js';
import { applyToDraft, daySpan, draftChangeSets, gridWantedFor, pendingCount, recapLine } from './draft-changes.js';
import type { ReservationDraft } from './draft.js';

const booked = { status: 'booked' as const, confirmed: true };
const deadline = { code: 'deadline' as const, label: 'Délai dépassé' };

describe('the draft of pending reservations', () => {
  it('keeps only the days that differ from what is saved, and reports the ones too late to change', () => {
    const draft: ReservationDraft = { key: 'k', changes: { e1: { '2026-12-09': 1 } } };
    const states = [
      state('2026-12-07'),
      state('2026-12-08', { status: 'booked', reservation: { day: '2026-12-08', ...booked } }),
      state('2026-12-09', { status: 'closed', changeable: false, reason: deadline }),
    ];
    const blocked = applyToDraft(draft, 'e1', states, () => true);
    expect(draft.changes).toEqual({ e1: { '2026-12-07': 1 } });
    expect(blocked.map((s) => s.day)).toEqual(['2026-12-09']);
  });

  it('refuses a draft larger than anyone edits', () => {
    const draft: ReservationDraft = { key: 'k', changes: {} };
    const states = Array.from({ length: 1501 }, (_, i) => state(`d${i}`));
    expect(() => applyToDraft(draft, 'e1', states, () => true)).toThrow('malformed reservation form');
  });

  it('takes the grid’s buttons over its ticks, on shown days only', () => {
    const wanted = gridWantedFor(new Set(['2026-12-07', '2026-12-08']), new Set(['2026-12-07']), 'enregistrer');
    expect([wanted(state('2026-12-07')), wanted(state('2026-12-08')), wanted(state('2026-12-09'))]).toEqual([true, false, undefined]);
    expect(gridWantedFor(new Set(['2026-12-08']), new Set(), 'tout-cocher')(state('2026-12-08'))).toBe(true);
  });

  it('counts and hands over the pending days of one activity for every child', () => {
    const draft: ReservationDraft = {
      key: 'k',
      changes: { e1: { '2026-12-09': 1, '2026-12-07': 1, '2026-12-08': 0 }, e2: { '2026-12-07': 1 }, e3: { x: 1 } },
    };
    const enrolments = [
      { id: 'e1', activityId: 'cantine' },
      { id: 'e2', activityId: 'cantine' },
      { id: 'e3', activityId: 'centre' },
    ];
    expect(pendingCount(draft, enrolments, 'cantine')).toBe(4);
    expect(pendingCount(undefined, enrolments, 'cantine')).toBe(0);
    expect(draftChangeSets(draft, enrolments, 'cantine')).toEqual([
      { enrolmentId: 'e1', book: ['2026-12-07', '2026-12-09'], cancel: ['2026-12-08'] },
      { enrolmentId: 'e2', book: ['2026-12-07'], cancel: [] },
    ]);
  });

  it('recaps each day as a booking, a cancellation or too late, and drops those already as wanted', () => {
    const draft: ReservationDraft = { key: 'k', changes: { e1: { '2026-12-07': 1, '2026-12-08': 0, '2026-12-09': 1, '2026-12-10': 1 } } };
    const line = recapLine(draft, 'e1', [
      state('2026-12-07'),
      state('2026-12-08', { status: 'booked', reservation: { day: '2026-12-08', ...booked } }),
      state('2026-12-09', { status: 'closed', changeable: false, reason: deadline }),
      state('2026-12-10', { status: 'booked', reservation: { day: '2026-12-10', ...booked } }),
    ]);
    expect(line.book.map((s) => s.day)).toEqual(['2026-12-07']);
    expect(line.cancel.map((s) => s.day)).toEqual(['2026-12-08']);
    expect(line.blocked.map((s) => s.day)).toEqual(['2026-12-09']);
    expect(Object.keys(draft.changes.e1!)).not.toContain('2026-12-10');
  });
});

describe('daySpan', () => {
  it('gives the first and last day whatever their order, and nothing for no day', () => {
    expect(daySpan(['2027-01-12', '2026-12-08', '2027-03-01', '2027-01-04'])).toEqual({ from: '2026-12-08', to: '2027-03-01' });
    expect(daySpan(['2027-01-12'])).toEqual({ from: '2027-01-12', to: '2027-01-12' });
    expect(daySpan([])).toBeUndefined();
  });
});
