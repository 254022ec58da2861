import { describe, expect, it } from 'vitest';
import { readPreferences } from './reminders.schemas.js';

describe('readPreferences', () => {
  it('turns on the ticked kinds and off the others', () => {
    expect(readPreferences({ rappels: ['bookings', 'invoices'] })).toEqual({ bookings: true, dossiers: false, invoices: true });
    expect(readPreferences({ rappels: 'dossiers' })).toEqual({ bookings: false, dossiers: true, invoices: false });
  });

  it('reads nothing ticked, or only unknown values, as all off', () => {
    expect(readPreferences({})).toEqual({ bookings: false, dossiers: false, invoices: false });
    expect(readPreferences({ rappels: ['x', { a: 1 }] })).toEqual({ bookings: false, dossiers: false, invoices: false });
    expect(readPreferences(undefined)).toEqual({ bookings: false, dossiers: false, invoices: false });
  });
});
