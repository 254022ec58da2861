import { describe, expect, it } from 'vitest';
import { state } from './day-state.fixture.js';
import { agendaWeeks, askedView, defaultView, gridNavigation, gridWeeks, parseViewKey, sensible, viewRange } from './grid-view.js';

describe('the grid view', () => {
  it('reads a week from any of its days, and refuses what is not a month or a day', () => {
    expect(parseViewKey('semaine:2026-12-10')).toEqual({ mode: 'semaine', monday: '2026-12-07' });
    expect(parseViewKey('mois:2026-12')).toEqual({ mode: 'mois', month: '2026-12' });
    expect(parseViewKey('mois:2026-13')).toBeUndefined();
    expect(parseViewKey('annee:2026')).toBeUndefined();
    expect(askedView({ semaine: '2026-12-10', mois: '2027-01' })).toEqual({ mode: 'semaine', monday: '2026-12-07' });
  });

  it('opens on the enrolment’s nearest month when today is outside it, and ignores views years away', () => {
    expect(defaultView({ startDate: '2027-01-04', endDate: '2027-07-02' }, '2026-12-02')).toEqual({ mode: 'mois', month: '2027-01' });
    expect(sensible({ mode: 'mois', month: '2031-01' }, '2026-12-02')).toBe(false);
    expect(viewRange({ mode: 'mois', month: '2027-02' })).toEqual({ from: '2027-02-01', to: '2027-02-28' });
  });

  it('ticks the draft’s wanted state over the saved one and marks it pending', () => {
    const draft = { key: 'k', changes: { e1: { '2026-12-08': 1 as const } } };
    const weeks = gridWeeks('2026-12-07', '2026-12-13', [state('2026-12-07'), state('2026-12-08')], draft, 'e1');
    expect(weeks).toHaveLength(1);
    const [monday, tuesday, wednesday] = weeks[0]!.cells;
    expect(monday).toMatchObject({ checked: false, pending: false, inRange: true });
    expect(tuesday).toMatchObject({ checked: true, pending: true, label: 'mardi 8 décembre' });
    expect(wednesday).toEqual({ day: '2026-12-09', inRange: false });
  });

  it('offers the previous and next weeks, and the month of the week shown', () => {
    const nav = gridNavigation({ mode: 'semaine', monday: '2026-12-28' }, '2026-12-02');
    expect(nav.prev.key).toBe('semaine:2026-12-21');
    expect(nav.next.key).toBe('semaine:2027-01-04');
    expect(nav.other).toEqual({ key: 'mois:2026-12', label: 'Afficher le mois' });
    expect(gridNavigation({ mode: 'mois', month: '2026-12' }, '2026-12-10').other.key).toBe('semaine:2026-12-07');
  });

  it('shows weekend rows in the agenda only when an activity runs then', () => {
    const week = ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11', '2026-12-12', '2026-12-13'];
    const closedWeekend = new Map(week.map((d, i) => [d, state(d, i >= 5 ? { status: 'not_running' } : {})]));
    expect(agendaWeeks(week[0]!, week[6]!, [{ days: closedWeekend }])[0]!.days.map((d) => d.day)).toEqual(week.slice(0, 5));
    const saturday = new Map(week.map((d, i) => [d, state(d, i === 6 ? { status: 'not_running' } : {})]));
    expect(agendaWeeks(week[0]!, week[6]!, [{ days: saturday }])[0]!.days).toHaveLength(6);
  });
});
