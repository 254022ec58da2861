import { describe, expect, it } from 'vitest';
import { countByStatus, dueReminder, renewalStatusOf } from './renewal-status.js';

describe('renewalStatusOf', () => {
  it('reads the child’s status from its latest renewal request', () => {
    expect(renewalStatusOf(null)).toBe('todo');
    expect(renewalStatusOf('refused')).toBe('todo');
    expect(renewalStatusOf('sent')).toBe('sent');
    expect(renewalStatusOf('in_progress')).toBe('sent');
    expect(renewalStatusOf('complement_requested')).toBe('incomplete');
    expect(renewalStatusOf('accepted')).toBe('validated');
  });

  it('counts every status, absent ones as 0', () => {
    expect(countByStatus(['todo', 'todo', 'validated'])).toEqual({ todo: 2, sent: 0, incomplete: 0, validated: 1 });
  });
});

describe('dueReminder', () => {
  it('sends the 7-day reminder from 7 days left, the 2-day one from 2 days left, none after the close', () => {
    expect(dueReminder([7, 2], 10)).toBeNull();
    expect(dueReminder([7, 2], 7)).toBe(7);
    expect(dueReminder([7, 2], 3)).toBe(7);
    expect(dueReminder([2, 7], 2)).toBe(2);
    expect(dueReminder([7, 2], 0)).toBe(2);
    expect(dueReminder([7, 2], -1)).toBeNull();
    expect(dueReminder([], 1)).toBeNull();
  });
});
