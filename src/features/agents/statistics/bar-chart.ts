/**
 * A horizontal bar chart in SVG coordinates computed here, so the view only draws (the
 * occupancy chart of an activity's page works the same way). Horizontal because the labels
 * are activity names, which do not fit under vertical bars; each chart has its data table.
 */
export interface HorizontalBar {
  label: string;
  value: number;
  /** The value as written at the end of the bar ("12", "85 %"). */
  text: string;
  y: number;
  width: number;
}

export function horizontalBars(items: readonly { label: string; value: number; text?: string }[], max?: number) {
  const width = 640;
  const labelWidth = 220;
  const barHeight = 18;
  const gap = 10;
  const top = 8;
  const valueRoom = 60;
  const plotWidth = width - labelWidth - valueRoom;
  const top_ = Math.max(1, max ?? 0, ...items.map((i) => i.value));
  const bars: HorizontalBar[] = items.map((i, n) => ({
    label: i.label.length > 32 ? `${i.label.slice(0, 31)}…` : i.label,
    value: i.value,
    text: i.text ?? String(i.value),
    y: top + n * (barHeight + gap),
    width: (Math.max(0, i.value) / top_) * plotWidth,
  }));
  return {
    width,
    height: top * 2 + Math.max(1, items.length) * (barHeight + gap),
    labelWidth,
    barHeight,
    bars,
  };
}
