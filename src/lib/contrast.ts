/**
 * WCAG 2.1 contrast (success criterion 1.4.3): the town's colour is the background of the
 * header and of the buttons, both with white text, so a colour is only accepted when white
 * on it reaches 4.5:1 — the ratio for normal-size text.
 */
export const MIN_CONTRAST_WITH_WHITE = 4.5;

const HEX_COLOUR = /^#?([0-9a-f]{6})$/i;

/** '#1F4E79', '1f4e79' → '#1f4e79'; anything else → undefined. */
export function normaliseHexColour(typed: string): string | undefined {
  const m = HEX_COLOUR.exec(typed.trim());
  return m ? `#${m[1]!.toLowerCase()}` : undefined;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of a '#rrggbb' colour (WCAG 2.1 definition). */
export function relativeLuminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 0xff) + 0.7152 * channel((n >> 8) & 0xff) + 0.0722 * channel(n & 0xff);
}

/** The contrast ratio between two '#rrggbb' colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

export function contrastWithWhite(hex: string): number {
  return contrastRatio(hex, '#ffffff');
}

const ratioFormat = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * "4,48:1". Rounded down: a colour at 4.497:1 must not read as 4,50:1 next to a message
 * saying it is below 4,5:1.
 */
export function formatRatio(ratio: number): string {
  return `${ratioFormat.format(Math.floor(ratio * 100) / 100)}:1`;
}

/**
 * The same hue, darkened just enough for white text: what the settings page suggests when
 * a colour is refused, so the admin keeps the town's tone rather than guessing.
 */
export function darkenForWhiteText(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const rgb = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  for (let factor = 1; factor > 0; factor -= 0.01) {
    const candidate = `#${rgb
      .map((c) =>
        Math.floor(c * factor)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')}`;
    if (contrastWithWhite(candidate) >= MIN_CONTRAST_WITH_WHITE) return candidate;
  }
  return '#000000';
}
