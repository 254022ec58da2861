import type { DayState } from './day-states.js';

/** A day the parent may book, changed only where a test needs it: the unit tests of the grid share it. */
export const state = (day: string, over: Partial<DayState> = {}): DayState => ({
  day,
  status: 'bookable',
  changeable: true,
  full: false,
  ...over,
});
