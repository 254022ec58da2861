import { describe, expect, it } from 'vitest';
import { state } from './day-state.fixture.js';
import { groupByMonth, periodicityWindow, previewDays } from './periodicity-preview.js';
import { blockedMessage, refusedMessage, savedMessage } from './reservation-messages.js';

describe('the periodicity preview', () => {
  it('keeps to the enrolment’s days, and says when they do not meet', () => {
    expect(periodicityWindow({ du: '2026-09-01', au: '2027-07-31' }, { startDate: '2026-11-02', endDate: '2027-07-02' })).toEqual({
      from: '2026-11-02',
      to: '2027-07-02',
    });
    expect(periodicityWindow({ du: '2027-08-01', au: '2027-08-31' }, { startDate: '2026-11-02', endDate: '2027-07-02' })).toBeUndefined();
  });

  it('changes the chosen weekdays and skips, with why, those already so or too late', () => {
    const states = [
      state('2026-12-07'), // Monday
      state('2026-12-08'), // Tuesday: not chosen
      state('2026-12-14', { status: 'booked', reservation: { day: '2026-12-14', status: 'booked', confirmed: true } }),
      state('2026-12-21', { status: 'closed', changeable: false, reason: { code: 'school_holiday', label: 'Vacances de Noël' } }),
      state('2026-12-28', { status: 'not_running', changeable: false }),
      state('2027-01-04', { full: true }),
    ];
    const p = previewDays(states, { jours: ['1'], action: 'reserver' });
    expect(p.change.map((s) => s.day)).toEqual(['2026-12-07', '2027-01-04']);
    expect(p.skipped.map((s) => [s.state.day, s.reason])).toEqual([
      ['2026-12-14', 'Déjà réservé'],
      ['2026-12-21', 'Vacances de Noël'],
    ]);
    expect(p.full).toBe(1);
    expect(groupByMonth(p.change).map((g) => [g.label, g.days.length])).toEqual([
      ['décembre 2026', 1],
      ['janvier 2027', 1],
    ]);
  });
});

describe('the reservation messages', () => {
  it('count what was saved, in French agreement', () => {
    expect(savedMessage([{ result: 'booked' }, { result: 'booked' }, { result: 'cancelled' }])).toBe(
      'Votre demande a été prise en compte : 2 réservations enregistrées, 1 annulée.',
    );
    expect(savedMessage([{ result: 'waiting' }])).toBe("Votre demande a été prise en compte : 1 en liste d'attente.");
  });

  it('name the child, the day and the reason of each day left out', () => {
    expect(
      blockedMessage([{ firstNames: 'Léa', state: state('2026-12-07', { reason: { code: 'deadline', label: 'Délai dépassé' } }) }]),
    ).toBe("Ces jours ne peuvent plus être modifiés et n'ont pas été pris en compte : Léa, lundi 7 décembre (Délai dépassé).");
    expect(refusedMessage([{ enrolmentId: 'e', firstNames: 'Tom', day: '2026-12-08', reason: 'Délai dépassé' }])).toContain(
      'Tom, mardi 8 décembre (Délai dépassé)',
    );
  });
});
