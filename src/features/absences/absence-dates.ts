import { addDays, mondayOf, monthBounds, shiftMonth, type DayRange } from '../../lib/calendar/index.js';

/**
 * "Dates d'absence" (seed 004): the presets, "Le …" and "Du … au …", turned into a range of
 * calendar days from today in Europe/Paris (the caller passes it, from the injected clock).
 */
export const PERIOD_CHOICES = [
  { value: 'aujourdhui', label: "Aujourd'hui" },
  { value: 'hier', label: 'Hier' },
  { value: 'demain', label: 'Demain' },
  { value: 'cette-semaine', label: 'Cette semaine' },
  { value: 'semaine-derniere', label: 'La semaine dernière' },
  { value: 'semaine-prochaine', label: 'La semaine prochaine' },
  { value: 'ce-mois-ci', label: 'Ce mois-ci' },
  { value: 'mois-dernier', label: 'Le mois dernier' },
  { value: 'mois-prochain', label: 'Le mois prochain' },
  { value: 'le', label: 'Le …' },
  { value: 'du-au', label: 'Du … au …' },
] as const;
export type PeriodChoice = (typeof PERIOD_CHOICES)[number]['value'];
export type PresetChoice = Exclude<PeriodChoice, 'le' | 'du-au'>;

export function isPeriodChoice(value: unknown): value is PeriodChoice {
  return typeof value === 'string' && PERIOD_CHOICES.some((c) => c.value === value);
}

/** The range a preset stands for, on `today`. Weeks run Monday to Sunday. */
export function presetRange(choice: PresetChoice, today: string): DayRange {
  const monday = mondayOf(today);
  const month = today.slice(0, 7);
  switch (choice) {
    case 'aujourdhui':
      return { from: today, to: today };
    case 'hier':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case 'demain':
      return { from: addDays(today, 1), to: addDays(today, 1) };
    case 'cette-semaine':
      return { from: monday, to: addDays(monday, 6) };
    case 'semaine-derniere':
      return { from: addDays(monday, -7), to: addDays(monday, -1) };
    case 'semaine-prochaine':
      return { from: addDays(monday, 7), to: addDays(monday, 13) };
    case 'ce-mois-ci':
      return monthBounds(month);
    case 'mois-dernier':
      return monthBounds(shiftMonth(month, -1));
    case 'mois-prochain':
      return monthBounds(shiftMonth(month, 1));
  }
}
