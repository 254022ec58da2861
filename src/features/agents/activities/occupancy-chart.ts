export interface ChartBar {
  x: number;
  label: string;
  booked: { y: number; height: number };
  waiting: { y: number; height: number };
  /** Where the count of children present sits, once a sheet is recorded. */
  present?: { y: number };
  closed: boolean;
}

/**
 * The month's occupancy as bars (booked, then waiting on top), the capacity as a line and,
 * for days with a recorded sheet, the children present as a mark, in SVG coordinates
 * computed here so the view only draws. The same numbers are in the table under the chart.
 * Walk-ins can put the present mark above the bar: the scale makes room for it.
 */
export function occupancyChart(
  rows: { day: string; booked: number; waiting: number; present?: number | null; closed?: string | undefined }[],
  capacity: number | null,
) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 30;
  const top = 10;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, capacity ?? 0, ...rows.map((r) => Math.max(r.booked + r.waiting, r.present ?? 0)));
  const scale = (n: number) => (n / max) * plotHeight;
  const step = rows.length > 0 ? (width - left - 10) / rows.length : 0;
  const barWidth = Math.max(4, step * 0.7);
  const bars: ChartBar[] = rows.map((r, i) => {
    const bookedHeight = scale(r.booked);
    const waitingHeight = scale(r.waiting);
    return {
      x: left + i * step + (step - barWidth) / 2,
      label: r.day.slice(8, 10),
      booked: { y: top + plotHeight - bookedHeight, height: bookedHeight },
      waiting: { y: top + plotHeight - bookedHeight - waitingHeight, height: waitingHeight },
      ...(r.present == null ? {} : { present: { y: top + plotHeight - scale(r.present) } }),
      closed: r.closed !== undefined,
    };
  });
  // Distinct values only: with max = 1 the middle tick would repeat 0 or 1.
  const ticks = [...new Set([0, Math.round(max / 2), max])].map((v) => ({ value: v, y: top + plotHeight - scale(v) }));
  return {
    width,
    height,
    left,
    top,
    plotHeight,
    barWidth,
    bars,
    ticks,
    capacityY: capacity === null ? undefined : top + plotHeight - scale(capacity),
    baseline: top + plotHeight,
    hasPresent: bars.some((b) => b.present !== undefined),
  };
}
