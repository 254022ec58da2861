import { describe, expect, it } from 'vitest';
import { auditFilter, detailText } from './journal-view.js';

describe('the audit log page', () => {
  it('filters on whole Europe/Paris days, the last one included', () => {
    const filter = auditFilter({ action: 'agent.sign_in', agent: '', du: '01/07/2026', au: '02/07/2026' });
    expect(filter.action).toBe('agent.sign_in');
    expect(filter.agentId).toBeNull();
    // Summer time: Paris midnight is 22:00 UTC the day before.
    expect(filter.from?.toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(filter.to?.toISOString()).toBe('2026-07-02T22:00:00.000Z');
  });

  it('leaves out the filters not chosen', () => {
    expect(auditFilter({ action: '', agent: '', du: '', au: '' })).toEqual({ action: null, agentId: null, from: null, to: null });
  });

  it('shows a detail value as one line of French text', () => {
    expect(detailText(null)).toBe('');
    expect(detailText(true)).toBe('oui');
    expect(detailText(1234)).toBe('1\u202f234');
    expect(detailText({ champs: ['nom'] })).toBe('{"champs":["nom"]}');
  });
});
