import { describe, expect, it } from 'vitest';
import { queueFilters, queueSummary } from './request-queue.js';

describe('the queue of requests in the back-office', () => {
  it('shows the requests to process by default', () => {
    expect(queueFilters({})).toEqual({
      values: { type: '', statut: '', recherche: '' },
      filters: { types: [], statuses: ['sent', 'in_progress'], search: '' },
    });
  });

  it('filters on one type and one status, or on every status', () => {
    expect(queueFilters({ type: 'child_update', statut: 'refused', recherche: '  Martin ' }).filters).toEqual({
      types: ['child_update'],
      statuses: ['refused'],
      search: 'Martin',
    });
    expect(queueFilters({ statut: 'toutes' }).filters.statuses).toEqual([]);
  });

  it('ignores what is not a filter: an unknown type or status, an array, a long search', () => {
    const { values, filters } = queueFilters({ type: 'autre', statut: ['sent'], recherche: 'x'.repeat(500) });
    expect(values.type).toBe('');
    expect(filters.statuses).toEqual(['sent', 'in_progress']);
    expect(filters.search).toHaveLength(100);
  });

  it('sums up the open requests of the types that have any', () => {
    const summary = queueSummary([
      { type: 'child_update', status: 'sent', n: 3 },
      { type: 'child_update', status: 'complement_requested', n: 1 },
    ]);
    expect(summary).toEqual([
      {
        type: 'child_update',
        counts: [
          { status: 'sent', n: 3 },
          { status: 'in_progress', n: 0 },
          { status: 'complement_requested', n: 1 },
        ],
      },
    ]);
  });
});
