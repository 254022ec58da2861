import { describe, expect, it } from 'vitest';
import type { ActivityRow } from '../../../repositories/activities.repository.js';
import { parseActivityForm } from '../../reservations/reservations.schemas.js';
import { toInput, toValues } from './activity-form.js';

const BASE = {
  nom: 'Cantine',
  site: 'École Jean Moulin',
  unite: 'Repas',
  du: '01/09/2026',
  au: '30/06/2027',
  jours: ['5', '1', '2', '4'],
  periode: 'school_weeks',
  capacite: '40',
  confirmation: 'immediate',
};

function parsed(body: Record<string, unknown>) {
  const form = parseActivityForm(body);
  if (!form.ok) throw new Error(JSON.stringify(form.errors));
  return form.data;
}

const asRow = (input: ReturnType<typeof toInput>): ActivityRow => ({ id: 'a1', ...input });

describe('the activity form', () => {
  it('gives the service days as ISO dates, sorted weekdays and a days-before rule with its cut-off', () => {
    const input = toInput(parsed({ ...BASE, regle: 'jours', delai: '2', calendrier: 'business', heure: '10:00', annulation: 'identique' }));
    expect(input).toMatchObject({ startDate: '2026-09-01', endDate: '2027-06-30', weekdays: [1, 2, 4, 5], capacity: 40 });
    expect(input.bookingRule).toEqual({ kind: 'days_before', days: 2, calendar: 'business', cutoff: '10:00' });
    // "Identique": no rule of its own, the booking rule applies.
    expect(input.cancellationRule).toBeNull();
  });

  it("leaves the town's rule and an unlimited capacity as null", () => {
    const input = toInput(parsed({ ...BASE, capacite: '', regle: 'commune', annulation: 'identique' }));
    expect(input.bookingRule).toBeNull();
    expect(input.capacity).toBeNull();
  });

  it('shows a saved activity as the form that made it (Bondoufle rule, own cancellation delay)', () => {
    const rule = {
      regle: 'bondoufle',
      delaiMercredi: '8',
      semainesVacances: '3',
      heure: '12:00',
      annulation: 'jours',
      delaiAnnulation: '1',
    };
    const body = { ...BASE, ...rule, calendrier: 'calendar' };
    const { values, jours } = toValues(asRow(toInput(parsed(body))));
    expect(jours).toEqual(['1', '2', '4', '5']);
    expect(values).toMatchObject({
      nom: 'Cantine',
      du: '01/09/2026',
      au: '30/06/2027',
      capacite: '40',
      ...rule,
    });
  });
});
