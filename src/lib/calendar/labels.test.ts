import { describe, expect, it } from 'vitest';
import { dayLabel, formatDate, formatDateTime, formatLongDate, monthLabel, rangeWords, shortDate, shortDay, untilLabel } from './labels.js';

describe('dayLabel', () => {
  it('writes the first of the month "1er", with the weekday', () => {
    expect(dayLabel('2027-01-01')).toBe('vendredi 1er janvier');
    expect(dayLabel('2026-12-10')).toBe('jeudi 10 décembre');
    expect(dayLabel('2027-01-01', { year: true })).toBe('vendredi 1er janvier 2027');
    expect(dayLabel('2026-12-13')).toBe('dimanche 13 décembre');
    expect(dayLabel('2026-02-01', { weekday: false, year: true })).toBe('1er février 2026');
    expect(dayLabel('1985-03-27', { weekday: false, year: true })).toBe('27 mars 1985');
  });

  it('gets the weekday right far from today', () => {
    expect(dayLabel('1900-01-01', { year: true })).toBe('lundi 1er janvier 1900');
    expect(dayLabel('2200-12-31', { year: true })).toBe('mercredi 31 décembre 2200');
    expect(dayLabel('2024-02-29')).toBe('jeudi 29 février');
  });

  it('keeps each set of options apart (the labels are memoised)', () => {
    expect(dayLabel('2027-01-01', { weekday: false })).toBe('1er janvier');
    expect(dayLabel('2027-01-01')).toBe('vendredi 1er janvier');
  });
});

describe('instants and ranges in words', () => {
  it('say the last minute to act in Paris time, "1er" included', () => {
    // Midnight in Paris on 2 December is 23:00 UTC on the 1st: the last minute is 23:59 on the 1st.
    expect(untilLabel(new Date('2026-12-01T23:00:00Z'))).toBe('mardi 1er décembre à 23:59');
    expect(untilLabel(new Date('2026-07-15T10:00:00Z'))).toBe('mercredi 15 juillet à 11:59');
  });

  it('write an instant on Paris clocks and a calendar day as it is', () => {
    expect(formatDateTime(new Date('2026-11-20T23:30:00Z'))).toBe('le 21/11/2026 à 00:30');
    expect(formatDate('2026-11-21')).toBe('21/11/2026');
    // Memoised per instant: asked again, and around both clock changes, each gives its own Paris day.
    for (const [instant, day] of [
      ['2026-03-28T23:30:00Z', '29/03/2026'],
      ['2026-03-28T22:59:00Z', '28/03/2026'],
      ['2026-10-24T21:59:00Z', '24/10/2026'],
      ['2026-10-24T22:00:00Z', '25/10/2026'],
      ['2026-11-20T23:30:00Z', '21/11/2026'],
    ] as const) {
      expect(formatDate(new Date(instant))).toBe(day);
      expect(formatDate(instant)).toBe(day);
      expect(formatDate(new Date(instant))).toBe(day);
    }
    expect(formatLongDate(new Date('2026-12-31T23:30:00Z'))).toBe('vendredi 1er janvier 2027');
    expect(formatLongDate('2026-11-21')).toBe('samedi 21 novembre 2026');
  });

  it('write months, short days and ranges', () => {
    expect(monthLabel('2026-12')).toBe('décembre 2026');
    expect(shortDay('2026-12-13')).toBe('13/12');
    expect(rangeWords({ from: '2026-12-16', to: '2026-12-16' })).toBe('Le mercredi 16 décembre 2026');
    expect(rangeWords({ from: '2026-12-07', to: '2026-12-11' })).toBe('Du lundi 7 décembre 2026 au vendredi 11 décembre 2026');
  });

  it('write a day back into a one-box field as the agent types it', () => {
    expect(shortDate('2026-12-21')).toBe('21/12/2026');
    expect(shortDate('1900-01-01')).toBe('01/01/1900');
  });
});
