import { describe, expect, it } from 'vitest';
import { occupancyChart } from './occupancy-chart.js';

describe('occupancyChart', () => {
  it('draws booked then waiting from the baseline, and the capacity line', () => {
    const chart = occupancyChart(
      [
        { day: '2026-12-10', booked: 2, waiting: 1 },
        { day: '2026-12-11', booked: 0, waiting: 0, closed: 'Férié' },
      ],
      4,
    );
    const [first, second] = chart.bars;
    expect(chart.baseline).toBe(190);
    expect(first!.booked).toEqual({ y: 190 - 90, height: 90 });
    expect(first!.waiting).toEqual({ y: 100 - 45, height: 45 });
    expect(chart.capacityY).toBe(10);
    expect(second!.closed).toBe(true);
    expect(chart.hasPresent).toBe(false);
  });

  it('makes room for children present beyond the bookings (walk-ins) and marks only recorded days', () => {
    const chart = occupancyChart(
      [
        { day: '2026-11-19', booked: 2, waiting: 0, present: 6 },
        { day: '2026-11-20', booked: 3, waiting: 0, present: null },
      ],
      null,
    );
    expect(chart.bars[0]!.present).toEqual({ y: 10 });
    expect(chart.bars[1]!.present).toBeUndefined();
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 3, 6]);
    expect(chart.hasPresent).toBe(true);
  });

  it('never repeats a tick when the scale is tiny', () => {
    expect(occupancyChart([{ day: '2026-11-19', booked: 1, waiting: 0 }], null).ticks.map((t) => t.value)).toEqual([0, 1]);
    expect(occupancyChart([], null).bars).toEqual([]);
  });
});
